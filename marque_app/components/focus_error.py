"""Focus on the first error after a submit (``assets/focus_error.jsx``)."""

from __future__ import annotations

import reflex as rx


class FocusFirstError(rx.Component):
    """Placed inside an error message: when ``signal`` (the message) turns non-empty or changes,
    the first ``aria-invalid="true"`` field of its form takes the focus, else the message."""

    library = "$/public/focus_error.jsx"
    tag = "FocusFirstError"

    signal: rx.Var[str]


def focus_first_error(message: rx.Var) -> rx.Component:
    return FocusFirstError.create(signal=message)
