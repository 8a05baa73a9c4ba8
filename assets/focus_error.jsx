// Moves the keyboard focus to the first error when a form's submit is answered with one
// (marque_app/components/focus_error.py). Rendered inside the error message: when it appears
// (or its text changes), the first field marked aria-invalid="true" in the same form (else on
// the page) takes the focus; with none, the message itself does (it is made focusable).
import { useEffect, useRef } from "react";

export function FocusFirstError({ signal }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!signal || typeof window === "undefined") return;
    let frame = window.requestAnimationFrame(() => {
      // one more frame: the fields' aria-invalid come in the same delta as the message
      frame = window.requestAnimationFrame(() => {
        const here = ref.current;
        if (!here) return;
        const form = here.closest("form");
        const invalid = '[aria-invalid="true"]:not([disabled])';
        let target = (form && form.querySelector(invalid)) || document.querySelector(invalid);
        if (!target) {
          target = here.closest('[role="alert"]') || here.parentElement;
          if (target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
        }
        if (target && document.activeElement !== target) {
          target.focus({ preventScroll: true });
          target.scrollIntoView({ block: "center", behavior: "auto" });
        }
      });
    });
    return () => window.cancelAnimationFrame(frame);
  }, [signal]);
  return <span ref={ref} hidden data-focus-first-error="" />;
}
