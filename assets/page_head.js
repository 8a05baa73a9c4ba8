// The server puts each page's own title, description, canonical URL, Open Graph tags and JSON-LD
// into its HTML, marked data-marque-seo (marque_app/api/seo.py), for crawlers and link previews
// that run no script. Once the app is running it owns the head: this keeps it to one <title>.
//
// - When the app renders its own <title> or <meta> of the same name (its title and description,
//   Reflex's og:image), the server's one goes: one of each in the head.
// - After a client-side navigation the server's tags describe another page: they all go (and the
//   first-paint summary with them).
// Elements React took over (it claims the server's title on a prerendered page) are left to it.
(function () {
  "use strict";
  if (typeof document === "undefined") return;
  var served = location.pathname + location.search;

  function reacts(el) {
    return Object.keys(el).some(function (k) { return k.indexOf("__react") === 0; });
  }

  function key(el) {
    if (el.tagName === "TITLE") return "title";
    if (el.tagName !== "META") return null;
    var name = el.getAttribute("name") || el.getAttribute("property");
    return name ? "meta:" + name : null;
  }

  function tidy() {
    var moved = location.pathname + location.search !== served;
    var apps = {};
    document.head.querySelectorAll("title:not([data-marque-seo]), meta:not([data-marque-seo])").forEach(
      function (el) { var k = key(el); if (k) apps[k] = true; });
    document.querySelectorAll("[data-marque-seo]").forEach(function (el) {
      if (reacts(el)) return;
      var k = key(el);
      if (moved || (k && apps[k])) el.remove();
    });
  }

  tidy();
  new MutationObserver(tidy).observe(document.head, { childList: true, subtree: true, characterData: true });
})();
