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

// --- offline queue (the backend cannot be reached) ------------------------------------------
//
// While the websocket is down Reflex runs no handler: its client keeps the events in memory
// (lost on a reload) and sends them on reconnect. So prepare() also appends the op to the
// local-storage list ``marque_cart_queue`` (CartState.queue), says "Offline mode - will sync
// when online" and bumps the cart badge; on every (re)connect CartState.replay_queue applies the
// queued ops in order, once per op id (the in-memory copy may arrive as well), and empties it.
// The connection is followed through Reflex's instrumentation hooks (window.__reflex_otel:
// onSocketConnect / onSocketDisconnect, called by utils/state.js).
(function () {
  "use strict";
  if (typeof window === "undefined") return;

  var QUEUE_KEY = "marque_cart_queue";
  var OFFLINE = "Offline mode - will sync when online";
  var NOTICE_ID = "marque-offline-notice";
  var api = window.marqueCart || {};
  var connected = false;

  function registry() {
    var modules = window.__reflex;
    return modules ? modules["$/utils/context-registry"] : undefined;
  }

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

  function enqueue(op) {
    var queued = readQueue();
    for (var i = 0; i < queued.length; i++) {
      if (queued[i] && queued[i].id === op.id) return;
    }
    queued.push(op);
    writeQueue(queued);
  }

  function showNotice() {
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
    var notice = document.getElementById(NOTICE_ID);
    if (notice) notice.remove();
  }

  // The header badge shows an offline add at once. Only the text node's value changes (React
  // keeps the node and overwrites the value with the server's count on reconnect).
  function bumpBadge(op) {
    if (op.type !== "add" && op.type !== "move_to_cart") return;
    var quantity = parseInt(op.quantity == null ? 1 : op.quantity, 10);
    var badge = document.querySelector('[data-testid="cart-count"]');
    if (!badge || !(quantity > 0)) return;
    var walker = document.createTreeWalker(badge, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var text = node.nodeValue.trim();
      if (/^\d+$/.test(text)) {
        node.nodeValue = String(parseInt(text, 10) + quantity);
        return;
      }
    }
  }

  // The replay event's full name, from the compiled client storage table: the state key of the
  // var stored under QUEUE_KEY is "<CartState's full name>.<var>".
  function replayEventName() {
    var reg = registry();
    var table = reg && reg.app && reg.app.clientStorage && reg.app.clientStorage.local_storage;
    for (var key in table || {}) {
      if (table[key] && table[key].name === QUEUE_KEY) {
        return key.slice(0, key.lastIndexOf(".")) + ".replay_queue";
      }
    }
    return null;
  }

  function requestReplay() {
    if (!readQueue().length) return;
    var reg = registry();
    var state = window.__reflex && window.__reflex["$/utils/state"];
    var name = replayEventName();
    if (!reg || !state || !name) return;
    reg.eventLoop.addEvents([state.ReflexEvent(name, {})]);
  }

  var hooks = window.__reflex_otel || {};
  var prevConnect = hooks.onSocketConnect;
  var prevDisconnect = hooks.onSocketDisconnect;
  hooks.onSocketConnect = function () {
    connected = true;
    hideNotice();
    // After the connect handler has queued what the page kept in memory: the replay goes last.
    window.setTimeout(requestReplay, 0);
    if (prevConnect) return prevConnect.apply(this, arguments);
  };
  hooks.onSocketDisconnect = function () {
    connected = false;
    if (prevDisconnect) return prevDisconnect.apply(this, arguments);
  };
  window.__reflex_otel = hooks;

  // React puts this script in the head (Helmet) after the app mounted, so the socket may have
  // connected before the hooks above existed: then no onSocketConnect comes for it. Without
  // failed attempts on record it is taken as connected; a queue left by an earlier page (a
  // reload while offline) is replayed now (or, if the socket is still down, when it connects).
  var reg = registry();
  if (reg && reg.eventLoop && !(reg.eventLoop.connectErrors || []).length) connected = true;
  window.setTimeout(requestReplay, 0);

  var prepare = api.prepare;
  api.prepare = function (op) {
    var out = prepare(op);
    if (isOffline()) {
      try {
        enqueue(out);
        bumpBadge(out);
      } catch (err) { /* storage full or blocked: Reflex still holds the event in memory */ }
      showNotice();
    }
    return out;
  };
  api.isOffline = isOffline;
  api.readQueue = readQueue;
  window.marqueCart = api;
})();
