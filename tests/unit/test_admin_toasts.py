"""Admin toasts: one id per kind of message, so the same message again replaces its toast instead
of piling up; the toaster shows at most three."""

from __future__ import annotations

from marque_app.components.theme import toaster
from marque_app.state.admin.base import VISIBLE_TOASTS, toast, toast_id


def test_the_same_message_gets_the_same_id_and_another_message_another():
    assert toast_id("success", "Product saved") == toast_id("success", "Product  saved ")
    assert toast_id("success", "Product saved") != toast_id("error", "Product saved")
    assert toast_id("success", "Product saved") != toast_id("success", "Product archived")
    assert toast_id("success", "Stock of A is 3", "stock") == toast_id("success", "Stock of A is 4", "stock")


def test_admin_toasts_carry_their_id():
    spec = str(toast.success("Product saved"))
    assert toast_id("success", "Product saved") in spec
    assert toast_id("error", "Name is required") in str(toast.error("Name is required"))


def test_the_toaster_shows_a_few_at_most():
    assert VISIBLE_TOASTS == 3
    rendered = str(toaster())
    assert "visibleToasts" in rendered and "3" in rendered
