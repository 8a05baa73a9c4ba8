// Cart and wishlist operations built in the browser (see marque_app/components/cart_ops.py).
//
// Every button that changes the cart or the wishlist sends
// CartState.apply(window.marqueCart.prepare({type, sku_id, ...})): prepare() gives the op a
// client-made id, so the backend applies it once however often it is sent (a retry, an
// offline queue replayed on reconnect).
(function () {
  "use strict";
  if (typeof window === "undefined") return;

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context (https or localhost); elsewhere a v4 from getRandomValues.
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  var api = window.marqueCart || {};
  api.uuid = uuid;
  // prepare(op) -> the op with a fresh client-made id (the op's shape is kept as given).
  api.prepare = function (op) {
    var out = {};
    for (var key in op) {
      if (Object.prototype.hasOwnProperty.call(op, key)) out[key] = op[key];
    }
    out.id = uuid();
    return out;
  };
  window.marqueCart = api;
})();

// --- window.marqueReflex: the Reflex client internals this file uses, in one place -----------
//
// Reflex 0.10 gives a page script no public API for what the offline queue needs: the bundled
// modules on window.__reflex (its compiler's window libraries), the context registry's app
// (clientStorage) and eventLoop (addEvents, connectErrors), the state module's refs (the sonner
// toaster rx.toast uses, refs.__toast) and ReflexEvent, and the instrumentation hooks on
// window.__reflex_otel (onSocketConnect / onSocketDisconnect). Every access goes through this
// object, and tests/unit/test_reflex_client_adapter.py checks each name of INTERNALS against the
// installed reflex's JS templates (and a compiled .web when there is one): an upgrade that moves
// one fails that test by name instead of silently breaking the offline queue. In the page,
// marqueReflex.missing() lists what is not there.
(function () {
  "use strict";
  if (typeof window === "undefined") return;

  var INTERNALS = {
    modules: "__reflex", // window.__reflex = {"<module path>": module, ...}
    stateModule: "$/utils/state", // exports refs, ReflexEvent
    registryModule: "$/utils/context-registry", // exports app (clientStorage), eventLoop
    toastRef: "__toast", // refs.__toast: the sonner toaster
    otel: "__reflex_otel", // window.__reflex_otel.onSocketConnect / onSocketDisconnect
  };

  function module(name) {
    var modules = window[INTERNALS.modules];
    return modules ? modules[name] : undefined;
  }
  function state() {
    return module(INTERNALS.stateModule);
  }
  function registry() {
    return module(INTERNALS.registryModule);
  }

  var reflex = {
    INTERNALS: INTERNALS,
    // The app's own toaster when the page has one (with warning and dismiss), else null.
    toaster: function () {
      var s = state();
      var toast = s && s.refs && s.refs[INTERNALS.toastRef];
      return toast && typeof toast.warning === "function" && typeof toast.dismiss === "function"
        ? toast : null;
    },
    // The compiled local-storage table: {"<state full name>.<var>": {name: "<storage key>"}}.
    localStorageTable: function () {
      var reg = registry();
      return (reg && reg.app && reg.app.clientStorage && reg.app.clientStorage.local_storage) || {};
    },
    // Queue backend events ([[name, payload], ...]) on the mounted event loop; false when the
    // client is not there (yet).
    addEvents: function (events) {
      var reg = registry();
      var s = state();
      if (!reg || !reg.eventLoop || !s || typeof s.ReflexEvent !== "function") return false;
      var built = events.map(function (e) { return s.ReflexEvent(e[0], e[1] || {}); });
      if (built.length) reg.eventLoop.addEvents(built);
      return true;
    },
    // Whether the event loop has recorded failed connection attempts (null: no event loop yet).
    connectErrors: function () {
      var reg = registry();
      return reg && reg.eventLoop ? reg.eventLoop.connectErrors || [] : null;
    },
    // Follow the websocket: the callbacks run before any hooks already installed.
    onSocket: function (onConnect, onDisconnect) {
      var hooks = window[INTERNALS.otel] || {};
      var prevConnect = hooks.onSocketConnect;
      var prevDisconnect = hooks.onSocketDisconnect;
      hooks.onSocketConnect = function () {
        onConnect();
        if (prevConnect) return prevConnect.apply(this, arguments);
      };
      hooks.onSocketDisconnect = function () {
        onDisconnect();
        if (prevDisconnect) return prevDisconnect.apply(this, arguments);
      };
      window[INTERNALS.otel] = hooks;
    },
    // What this page lacks of the above (for a console check after an upgrade).
    missing: function () {
      var out = [];
      if (!window[INTERNALS.modules]) out.push("window." + INTERNALS.modules);
      var s = state();
      var reg = registry();
      if (!s) out.push(INTERNALS.stateModule);
      else if (typeof s.ReflexEvent !== "function") out.push(INTERNALS.stateModule + ".ReflexEvent");
      else if (!s.refs) out.push(INTERNALS.stateModule + ".refs");
      if (!reg) out.push(INTERNALS.registryModule);
      else {
        if (!reg.eventLoop || typeof reg.eventLoop.addEvents !== "function") out.push("eventLoop.addEvents");
        if (!reg.app || !reg.app.clientStorage) out.push("app.clientStorage");
      }
      return out;
    },
  };
  window.marqueReflex = reflex;
})();

// --- offline queue (the backend cannot be reached) ------------------------------------------
//
// While the websocket is down Reflex runs no handler: its client keeps the events in memory
// (lost on a reload) and sends them on reconnect. So prepare() also appends the op to the
// local-storage list ``marque_cart_queue`` (CartState.queue), says "Offline mode - will sync
// when online" (the header badges count the op meanwhile: assets/cart_count.jsx); on every (re)connect CartState.replay_queue applies the
// queued ops in order, once per op id (the in-memory copy may arrive as well), and empties it.
// The connection is followed through Reflex's instrumentation hooks (onSocketConnect /
// onSocketDisconnect, called by utils/state.js; reached through window.marqueReflex).
(function () {
  "use strict";
  if (typeof window === "undefined") return;

  var QUEUE_KEY = "marque_cart_queue";
  var TOKEN_KEY = "marque_token";
  var OFFLINE = "Offline mode - will sync when online";
  var NOTICE_ID = "marque-offline-notice";
  var api = window.marqueCart || {};
  var reflex = window.marqueReflex;
  var connected = false;

  // Down: the websocket is not connected now (dropped, refused, or not yet open after a load:
  // then Reflex would only keep the event in memory too, so queueing it is right).
  function isOffline() {
    return !connected;
  }

  function readQueue() {
    try {
      var queued = JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(queued) ? queued : [];
    } catch (err) {
      return [];
    }
  }

  function writeQueue(queued) {
    var old = window.localStorage.getItem(QUEUE_KEY);
    var value = JSON.stringify(queued);
    window.localStorage.setItem(QUEUE_KEY, value);
    // Other tabs get a storage event from the browser; this tab's Reflex client (which syncs
    // CartState.queue from it) needs one too, to send the new value along on reconnect.
    try {
      window.dispatchEvent(new StorageEvent("storage", {
        key: QUEUE_KEY, oldValue: old, newValue: value,
        storageArea: window.localStorage, url: window.location.href,
      }));
    } catch (err) { /* no StorageEvent constructor: the hydrate on reconnect sends it anyway */ }
  }

  // The copy in the queue is marked: after a reload its change is not in the page's counts yet
  // (an op the server queued itself, the database being down, is already in them).
  function enqueue(op) {
    var queued = readQueue();
    for (var i = 0; i < queued.length; i++) {
      if (queued[i] && queued[i].id === op.id) return;
    }
    var copy = {};
    for (var key in op) {
      if (Object.prototype.hasOwnProperty.call(op, key)) copy[key] = op[key];
    }
    copy.client_queued = true;
    queued.push(copy);
    writeQueue(queued);
  }

  // The header badges (assets/cart_count.jsx) count an op from its click until the server
  // settles it.
  function pending() {
    return window.marqueCartPending;
  }

  // The app's own toaster (sonner, the one rx.toast uses) when the page has one; else a
  // notice of our own.
  function toaster() {
    return reflex.toaster();
  }

  function showNotice() {
    var toast = toaster();
    if (toast) {
      toast.warning(OFFLINE, { id: NOTICE_ID, duration: Infinity });
      return;
    }
    if (!document.body) return;
    var notice = document.getElementById(NOTICE_ID);
    if (notice) return;
    notice = document.createElement("div");
    notice.id = NOTICE_ID;
    notice.setAttribute("role", "status");
    notice.setAttribute("data-testid", "offline-notice");
    notice.textContent = OFFLINE;
    notice.style.cssText =
      "position:fixed;left:50%;bottom:1.5rem;transform:translateX(-50%);z-index:2147483646;" +
      "padding:0.6rem 1rem;border-radius:8px;background:#3b3000;color:#fff8d6;" +
      "font:0.95rem system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25);";
    document.body.appendChild(notice);
  }

  function hideNotice() {
    var toast = toaster();
    if (toast) toast.dismiss(NOTICE_ID);
    var notice = document.getElementById(NOTICE_ID);
    if (notice) notice.remove();
  }

  // A state's event name from the compiled client storage table: the var stored under
  // `storageKey` is "<state's full name>.<var>".
  function eventFor(storageKey, handler) {
    var table = reflex.localStorageTable();
    for (var key in table) {
      if (table[key] && table[key].name === storageKey) {
        return key.slice(0, key.lastIndexOf(".")) + "." + handler;
      }
    }
    return null;
  }

  // send([[name, payload], ...]) or send([name, ...]): events for the backend, in order.
  function send(events) {
    var pairs = [];
    for (var i = 0; i < events.length; i++) {
      var name = Array.isArray(events[i]) ? events[i][0] : events[i];
      if (!name) return;
      pairs.push([name, Array.isArray(events[i]) ? events[i][1] : {}]);
    }
    reflex.addEvents(pairs);
  }

  // --- in flight: clicked online, not yet settled by the server ------------------------------
  //
  // The badges show a click at once (assets/cart_count.jsx), so a shopper may leave the page
  // before the event reached the backend or before its answer (which writes the guest cart to
  // local storage) came back; Reflex's in-memory event is then gone. So each op is also noted
  // under INFLIGHT_KEY with this tab's id until CartState.settled_ops names it, and a page of
  // the same tab that finds one there sends it again (CartState.apply applies an op id once).
  var INFLIGHT_KEY = "marque_cart_inflight";
  var TAB_KEY = "marque_tab";
  var INFLIGHT_MAX_AGE_MS = 24 * 3600 * 1000;

  function tabId() {
    try {
      var id = window.sessionStorage.getItem(TAB_KEY);
      if (!id) {
        id = api.uuid();
        window.sessionStorage.setItem(TAB_KEY, id);
      }
      return id;
    } catch (err) {
      return "";
    }
  }

  function readInflight() {
    try {
      var list = JSON.parse(window.localStorage.getItem(INFLIGHT_KEY) || "[]");
      var now = Date.now();
      return Array.isArray(list) ? list.filter(function (entry) {
        return entry && entry.op && typeof entry.op.id === "string" && now - entry.at < INFLIGHT_MAX_AGE_MS;
      }) : [];
    } catch (err) {
      return [];
    }
  }

  function writeInflight(list) {
    try {
      if (list.length) window.localStorage.setItem(INFLIGHT_KEY, JSON.stringify(list));
      else window.localStorage.removeItem(INFLIGHT_KEY);
    } catch (err) { /* storage full or blocked: the in-memory event still goes */ }
  }

  function track(op) {
    var list = readInflight();
    list.push({ tab: tabId(), at: Date.now(), op: op });
    writeInflight(list);
  }

  // Called by the badges with CartState.settled_ops. A guest's op is settled by the storage
  // patch that comes with its answer instead (patchStorage, below): only once local storage holds
  // its change may the op stop being sent again by the next page.
  api.settled = function (ids) {
    if (!window.localStorage.getItem(TOKEN_KEY)) return;
    api.settleOps(ids);
  };
  api.settleOps = function (ids) {
    var list = readInflight();
    var left = list.filter(function (entry) { return ids.indexOf(entry.op.id) === -1; });
    if (left.length !== list.length) writeInflight(left);
  };

  function resendInflight() {
    var mine = readInflight().filter(function (entry) { return entry.tab === tabId(); });
    if (!mine.length) return;
    var name = eventFor(QUEUE_KEY, "apply");
    send(mine.map(function (entry) { return [name, { op: entry.op }]; }));
  }

  // Another tab logged in or out: the token changed in local storage (Reflex syncs the var);
  // this tab then restores the user and loads the cart and wishlist that go with it (the
  // user's from the database after a log-in, the guest's after a log-out), without a reload.
  window.addEventListener("storage", function (event) {
    if (event.key !== TOKEN_KEY || event.storageArea !== window.localStorage) return;
    if (event.oldValue === event.newValue) return;
    window.setTimeout(function () {
      send([eventFor(TOKEN_KEY, "load_auth"), eventFor(QUEUE_KEY, "load_cart")]);
    }, 0);
  });

  function requestReplay() {
    resendInflight();
    if (readQueue().length) send([eventFor(QUEUE_KEY, "replay_queue")]);
  }

  reflex.onSocket(
    function () {
      connected = true;
      hideNotice();
      // After the connect handler has queued what the page kept in memory: the replay goes last.
      window.setTimeout(requestReplay, 0);
    },
    function () {
      connected = false;
    }
  );

  // React puts this script in the head (Helmet) after the app mounted, so the socket may have
  // connected before the hooks above existed: then no onSocketConnect comes for it. Without
  // failed attempts on record it is taken as connected; a queue left by an earlier page (a
  // reload while offline) is replayed now (or, if the socket is still down, when it connects).
  var errors = reflex.connectErrors();
  if (errors && !errors.length) connected = true;
  window.setTimeout(requestReplay, 0);

  // Ops queued before a reload are still to be counted until their replay settles them.
  readQueue().forEach(function (op) {
    if (op && op.client_queued && pending()) pending().add(op, true);
  });

  var prepare = api.prepare;
  api.prepare = function (op) {
    var out = prepare(op);
    var offline = isOffline();
    if (pending()) pending().add(out, offline);
    if (offline) {
      try {
        enqueue(out);
      } catch (err) { /* storage full or blocked: Reflex still holds the event in memory */ }
      showNotice();
    } else {
      track(out);
    }
    return out;
  };
  api.isOffline = isOffline;
  api.readQueue = readQueue;
  window.marqueCart = api;
})();

// --- the server's patches of the guest's storage ----------------------------------------------
//
// A guest's change is kept by the server (CartState) and sent back as a patch of what it
// touched, not as the whole stored cart: patchStorage({cart, meta}) comes as a script with the
// change's answer (marque_app/state/cart.py ``storage_patch``). The rules stay on the server;
// this only writes what it was told:
//   cart: {key, v, set: [line, ...], del: [sku_id, ...]}: a set line replaces the stored line
//         of its SKU in place or is appended; a deleted SKU goes (domain.cart.apply_guest_patch);
//   meta: {key, op, keep, merge_id?}: the op id joins the last `keep` applied ids; a merge id
//         is stored when there is none yet.
// Other tabs see the write as a storage event (Reflex syncs the vars to their server side).
(function () {
  "use strict";
  if (typeof window === "undefined") return;
  var api = window.marqueCart || {};

  function read(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key) || "null");
      return value && typeof value === "object" && !Array.isArray(value) ? value : null;
    } catch (err) {
      return null;
    }
  }

  function patchCart(p) {
    var stored = read(p.key);
    var lines = stored && Array.isArray(stored.lines) ? stored.lines : [];
    var gone = {};
    (p.del || []).forEach(function (sku) { gone[sku] = true; });
    lines = lines.filter(function (line) { return !(line && gone[line.sku_id]); });
    (p.set || []).forEach(function (line) {
      for (var i = 0; i < lines.length; i++) {
        if (lines[i] && lines[i].sku_id === line.sku_id) {
          lines[i] = line;
          return;
        }
      }
      lines.push(line);
    });
    window.localStorage.setItem(p.key, JSON.stringify({ lines: lines, v: p.v }));
  }

  function patchMeta(p) {
    var meta = read(p.key) || {};
    if (p.merge_id && !meta.merge_id) meta.merge_id = p.merge_id;
    var ops = (Array.isArray(meta.ops) ? meta.ops : []).filter(function (id) {
      return typeof id === "string" && id !== p.op;
    });
    ops.push(p.op);
    meta.ops = ops.slice(-p.keep);
    window.localStorage.setItem(p.key, JSON.stringify(meta));
  }

  api.patchStorage = function (patch) {
    try {
      if (patch.cart) patchCart(patch.cart);
      if (patch.meta) patchMeta(patch.meta);
    } catch (err) { /* storage full or blocked: the server side still holds the change */ }
    if (patch.meta && api.settleOps) api.settleOps([patch.meta.op]);
  };
  window.marqueCart = api;
})();
