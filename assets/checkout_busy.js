// "Place order" is busy from the click itself, before the websocket's answer
// (marque_app/pages/checkout.py): a listener on the document (capture phase, so before React's)
// marks the button busy on the checkout form's submit and swallows any submit while it is busy
// (a double click, Enter again). The server's answer moves CheckoutState.submit_rev, which draws
// the button anew (not busy) from the state.
(() => {
  if (window.marqueCheckoutBusy) return;
  window.marqueCheckoutBusy = true;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form || form.id !== "checkout-form") return;
    const button = document.querySelector('[data-testid="place-order"]');
    if (!button) return;
    if (button.dataset.busy === "true") {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    button.dataset.busy = "true";
    button.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
  }, true);
})();
