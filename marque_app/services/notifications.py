"""Tell the customer that their order moved: an SMS to the account's phone, else an e-mail.

Uses the log-in issue's senders (``auth.get_sms_sender()``, ``auth.get_email_sender()``). A
failed delivery is logged and never undoes the order change that caused it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from marque_app.domain.orders import STATUS_LABELS, status_message
from marque_app.models import User

log = logging.getLogger("marque.notifications")


@dataclass(frozen=True)
class Notice:
    channel: str  # "sms", "email" or "" (nobody to tell / no sender)
    to: str
    text: str


def recipient(*, session: Session, user_id: uuid.UUID | None, guest_email: str | None) -> tuple[str, str]:
    """``("sms", phone)`` for an account with a phone, ``("email", address)`` otherwise."""
    if user_id is not None:
        row = session.exec(select(User.phone, User.email).where(User.id == user_id)).first()
        if row is not None:
            phone, email = row
            if phone:
                return "sms", phone
            if email:
                return "email", email
        return "", ""
    if guest_email:
        return "email", guest_email
    return "", ""


def notify_status(
    *,
    session: Session,
    user_id: uuid.UUID | None,
    guest_email: str | None,
    order_number: str,
    status: str,
    tracking_number: str | None = None,
    sms=None,
    mailer=None,
) -> Notice:
    """Send the status message; returns what was sent (channel "" when nothing was)."""
    status = getattr(status, "value", status)
    text = status_message(order_number, status, tracking_number=tracking_number)
    channel, to = recipient(session=session, user_id=user_id, guest_email=guest_email)
    try:
        if channel == "sms" and sms is not None:
            sms.send(to, text)
            return Notice("sms", to, text)
        if channel in ("sms", "email") and mailer is not None:
            email = to if channel == "email" else _email_of(session, user_id)
            if email:
                subject = f"Order {order_number}: {STATUS_LABELS.get(status, status)}"
                mailer.send(email, subject, text)
                return Notice("email", email, text)
    except Exception:  # a notice that fails must not undo the order change
        log.exception("could not notify %s about order %s", to, order_number)
    return Notice("", "", text)


def _email_of(session: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    return session.exec(select(User.email).where(User.id == user_id)).first() or ""
