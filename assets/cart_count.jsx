// The header's cart and wishlist counts, optimistic (marque_app/components/cart.py count_badge).
//
// A click on "Add to cart" (or a heart) builds its op in window.marqueCart.prepare
// (assets/cart_ops.js), which records the op here as pending: the badge shows
// count + pending at once, in the same frame as the click, before the websocket round trip.
// The server's CartState answers with its own count and, in the SAME delta, the op's id in
// CartState.settled_ops (applied, refused or rolled back): from that render on the op is no
// longer added, so the badge never counts it twice and a refusal shows as a rollback.
//
// Ops that never settle (a dropped event) expire after EXPIRE_MS while the socket is up; ops
// queued offline stay pending until the replay on reconnect settles them, also across a
// reload (they are read back from the local-storage queue).
import { useEffect, useSyncExternalStore } from "react";

const EXPIRE_MS = 15000;
const EMPTY = new Map();

function createStore() {
  const listeners = new Set();
  let pending = new Map(); // op id -> {cart, wishlist, at, offline}
  let snapshot = EMPTY;

  function emit() {
    snapshot = new Map(pending);
    listeners.forEach((listener) => listener());
  }

  function delta(op) {
    const quantity = parseInt(op.quantity == null ? 1 : op.quantity, 10);
    switch (op.type) {
      case "add":
        return quantity > 0 ? { cart: quantity, wishlist: 0 } : null;
      case "move_to_cart":
        return { cart: 1, wishlist: -1 };
      case "wish_add":
        return { cart: 0, wishlist: 1 };
      case "wish_remove":
        return { cart: 0, wishlist: -1 };
      default:
        return null; // set/remove/clear: the cart page shows them from the server's first answer
    }
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot() {
      return snapshot;
    },
    add(op, offline) {
      const d = op && typeof op.id === "string" ? delta(op) : null;
      if (!d || pending.has(op.id)) return;
      pending.set(op.id, { ...d, at: Date.now(), offline: !!offline });
      emit();
    },
    settle(ids) {
      let changed = false;
      for (const id of ids || []) changed = pending.delete(id) || changed;
      if (changed) emit();
    },
    expire(online) {
      const now = Date.now();
      let changed = false;
      for (const [id, entry] of pending) {
        if (entry.offline && !online) continue;
        if (entry.offline) {
          entry.offline = false; // back online: the replay has EXPIRE_MS to settle it
          entry.at = now;
          continue;
        }
        if (now - entry.at > EXPIRE_MS) changed = pending.delete(id) || changed;
      }
      if (changed) emit();
    },
  };
}

const store = typeof window === "undefined" ? createStore()
  : (window.marqueCartPending = window.marqueCartPending || createStore());

if (typeof window !== "undefined" && !window.marqueCartPendingTimer) {
  window.marqueCartPendingTimer = window.setInterval(() => {
    const api = window.marqueCart;
    store.expire(!(api && api.isOffline && api.isOffline()));
  }, 1000);
}

export function CartCount({ count, settled, kind, className, ...rest }) {
  const pending = useSyncExternalStore(store.subscribe, store.snapshot, () => EMPTY);
  const done = settled || [];
  let extra = 0;
  for (const [id, entry] of pending) {
    if (!done.includes(id)) extra += entry[kind] || 0;
  }
  // Settled ids leave the store after this render (they are already excluded above).
  // So do the ops noted as in flight (assets/cart_ops.js): the server has taken them up.
  useEffect(() => {
    if (!done.length) return;
    store.settle(done);
    if (typeof window !== "undefined" && window.marqueCart && window.marqueCart.settled) {
      window.marqueCart.settled(done);
    }
  }, [done]);
  const value = Math.max(0, (count || 0) + extra);
  return (
    <span
      className={className}
      data-empty={value > 0 ? "false" : "true"}
      data-pending={extra !== 0 ? "true" : "false"}
      {...rest}
    >
      {value}
    </span>
  );
}
