"""Back-in-stock alerts: subscribe, list, cancel, mark due on a restock, and send once.

The table is its own outbox. Every path that puts stock back (an admin adjustment, a saved
product form, a received return, a cancelled order, an order's items changed down) calls
:func:`mark_due` in its own transaction: the waiting alerts of each SKU that is back (by
``domain.stock.sellable_quantity``) get ``due_at``. :func:`flush` (the ``flush_forever``
lifespan task every ``MARQUE_STOCK_ALERT_FLUSH_SECONDS``, or ``cli flush-alerts``) sends the due
ones through the SMS and e-mail senders, outside any request: it first claims each row with a
conditional update (so two instances never send one twice), sends, then sets ``sent_at``. A
failed send is counted and tried again later (``domain.stock_alerts.retry_delay_seconds``).
A sent alert is done: a later restock tells only those who subscribed since.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marque_app import routes
from marque_app.domain.stock import sellable_quantity
from marque_app.domain.stock_alerts import (
    CLAIM_SECONDS,
    EMAIL,
    MAX_ATTEMPTS,
    SMS,
    StockAlertError,
    alert_message,
    choose_contact,
    is_back,
    is_sold_out,
    retry_delay_seconds,
    status_of,
)
from marque_app.models import Product, ProductStatus, ProductVariant, StockAlert, User
from marque_app.models.types import utcnow
from marque_app.services.auth.keys import keyed_hash
from marque_app.services.auth.senders import get_email_sender, get_sms_sender
from marque_app.settings import Settings, get_settings
from marque_app.views.stock_alerts import StockAlertView

log = logging.getLogger("marque.stock_alerts")

__all__ = [
    "FlushResult",
    "StockAlertError",
    "StockAlertView",
    "delete_mine",
    "flush",
    "flush_forever",
    "list_mine",
    "subscribe",
    "subscribed_skus",
    "unsubscribe",
    "unsubscribe_link",
]

#: Alerts one flush takes at most (the next tick takes the rest).
BATCH = 200
_PURPOSE = "stock-alert-unsubscribe"

_A, _V, _P = StockAlert.__table__.c, ProductVariant.__table__.c, Product.__table__.c


def _uuid(value: object, *, what: str, field: str | None = None) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise StockAlertError("not_found", f"{what} not found", field=field) from None


def _view_select():
    return (
        sa.select(
            _A.id,
            _A.product_variant_id,
            _V.sku,
            _P.name,
            _V.name,
            _P.slug,
            _A.channel,
            _A.contact,
            _A.due_at,
            _A.sent_at,
            _A.created_at,
        )
        .join(ProductVariant.__table__, _V.id == _A.product_variant_id)
        .join(Product.__table__, _P.id == _V.product_id)
    )


def _view(row) -> StockAlertView:
    aid, vid, sku, pname, vname, slug, channel, contact, due_at, sent_at, created = row
    return StockAlertView(
        id=str(aid),
        sku_id=str(vid),
        sku=sku,
        product_name=pname,
        variant_name=vname,
        product_url=routes.product_url(slug),
        channel=channel,
        contact=contact,
        status=status_of(due=due_at is not None, sent=sent_at is not None),
        created_at=created.isoformat() if created else "",
        sent_at=sent_at.isoformat() if sent_at else None,
    )


def _one(session: Session, alert_id: uuid.UUID) -> StockAlertView:
    row = session.execute(_view_select().where(_A.id == alert_id)).first()
    if row is None:
        raise StockAlertError("not_found", "Alert not found")
    return _view(row)


def subscribe(
    *,
    session: Session,
    sku_id: object,
    user_id: uuid.UUID | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> StockAlertView:
    """Ask to be told once when the sold-out SKU ``sku_id`` is back.

    A logged-in shopper is told by the account's phone (SMS), else its e-mail, or at ``email``
    when given; a guest must give ``email``. Asking again for the same SKU and contact returns
    the alert that waits (one per SKU and contact); after one was sent, asking again makes it
    wait for the next restock.

    Raises:
        StockAlertError: unknown SKU (404), a SKU that can be bought now (409), a bad or
            missing e-mail (422, ``field="email"``).
    """
    now = now or utcnow()
    vid = _uuid(sku_id, what="Product", field="sku_id")
    found = session.execute(
        sa.select(_V.inventory_quantity, _P.track_inventory, _P.allow_backorder)
        .join(Product.__table__, _P.id == _V.product_id)
        .where(_V.id == vid, _P.status == ProductStatus.active.value)
    ).first()
    if found is None:
        raise StockAlertError("not_found", "Product not found", field="sku_id")
    on_hand, track, backorder = found
    if not is_sold_out(sellable_quantity(on_hand, track_inventory=track, allow_backorder=backorder)):
        raise StockAlertError("conflict", "This item is in stock: add it to your cart", field="sku_id")
    phone = account_email = None
    if user_id is not None:
        account = session.execute(sa.select(User.phone, User.email).where(User.id == user_id)).first()
        if account is None:
            raise StockAlertError("unauthorized", "Not logged in")
        phone, account_email = account
    contact = choose_contact(typed_email=email, phone=phone, email=account_email, logged_in=user_id is not None)
    for _ in range(2):  # a concurrent same subscription: its unique key, then read it
        existing = session.execute(
            sa.select(_A.id, _A.sent_at, _A.user_id).where(_A.product_variant_id == vid, _A.contact == contact.to)
        ).first()
        if existing is not None:
            aid, sent_at, owner = existing
            values: dict[str, object] = {}
            if sent_at is not None:  # told already: wait for the next restock
                values = {"due_at": None, "sent_at": None, "attempts": 0, "next_attempt_at": None, "last_error": None}
                values["created_at"] = now
            if owner is None and user_id is not None:
                values["user_id"] = user_id
            if values:
                session.execute(sa.update(StockAlert.__table__).where(_A.id == aid).values(**values))
                session.commit()
            return _one(session, aid)
        alert = StockAlert(
            product_variant_id=vid, user_id=user_id, channel=contact.channel, contact=contact.to, created_at=now
        )
        session.add(alert)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return _one(session, alert.id)
    raise StockAlertError("conflict", "Try again")  # pragma: no cover - the row went away meanwhile


def list_mine(*, session: Session, user_id: uuid.UUID) -> list[StockAlertView]:
    """The account's alerts, newest first (waiting, being sent and sent)."""
    rows = session.execute(_view_select().where(_A.user_id == user_id).order_by(_A.created_at.desc(), _A.id))
    return [_view(r) for r in rows]


def subscribed_skus(*, session: Session, user_id: uuid.UUID, sku_ids: Iterable[object]) -> set[str]:
    """Which of ``sku_ids`` the account waits for (not sent yet): the product page's button."""
    ids = [_uuid(s, what="Product") for s in sku_ids]
    if not ids:
        return set()
    rows = session.execute(
        sa.select(_A.product_variant_id).where(
            _A.user_id == user_id, _A.product_variant_id.in_(ids), _A.sent_at.is_(None)
        )
    )
    return {str(r[0]) for r in rows}


def delete_mine(*, session: Session, user_id: uuid.UUID, alert_id: object) -> None:
    """Cancel one of the account's alerts.

    Raises:
        StockAlertError: not the account's, or no such alert (404).
    """
    aid = _uuid(alert_id, what="Alert")
    result = session.execute(sa.delete(StockAlert.__table__).where(_A.id == aid, _A.user_id == user_id))
    if result.rowcount != 1:
        session.rollback()
        raise StockAlertError("not_found", "Alert not found")
    session.commit()


def _signature(alert_id: uuid.UUID, settings: Settings | None = None) -> str:
    return keyed_hash(_PURPOSE, alert_id.hex, settings=settings)[:32]


def unsubscribe_token(alert_id: uuid.UUID, settings: Settings | None = None) -> str:
    """The signed token of an alert's "stop" link: its id and an HMAC of it."""
    return f"{alert_id.hex}.{_signature(alert_id, settings)}"


def unsubscribe_link(alert_id: uuid.UUID, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return f"{settings.public_url.rstrip('/')}{routes.STOCK_ALERT_UNSUBSCRIBE}?token={unsubscribe_token(alert_id, settings)}"


def unsubscribe(*, session: Session, token: str) -> StockAlertView | None:
    """Cancel the alert of a signed link; returns what was cancelled, None when it was already.

    Raises:
        StockAlertError: a token that is not one of ours (422, ``field="token"``).
    """
    raw, _, signature = (token or "").strip().partition(".")
    try:
        aid = uuid.UUID(hex=raw)
    except ValueError:
        raise StockAlertError("invalid", "This link is not valid", field="token") from None
    if not hmac.compare_digest(signature.encode(), _signature(aid).encode()):
        raise StockAlertError("invalid", "This link is not valid", field="token")
    row = session.execute(_view_select().where(_A.id == aid)).first()
    if row is None:
        return None
    session.execute(sa.delete(StockAlert.__table__).where(_A.id == aid))
    session.commit()
    return _view(row)


# --- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlushResult:
    sent: int = 0
    failed: int = 0  # tried and failed: tried again later
    waiting: int = 0  # sold out again before the send: back to waiting


def _claim(session: Session, *, now: datetime, limit: int) -> tuple[list, int]:
    ready = sa.or_(_A.next_attempt_at.is_(None), _A.next_attempt_at <= now)
    pending = sa.and_(_A.due_at.is_not(None), _A.sent_at.is_(None), _A.attempts < MAX_ATTEMPTS, ready)
    rows = session.execute(
        sa.select(
            _A.id,
            _A.channel,
            _A.contact,
            _A.attempts,
            _P.name,
            _V.name,
            _P.slug,
            _P.status,
            _V.inventory_quantity,
            _P.track_inventory,
            _P.allow_backorder,
        )
        .join(ProductVariant.__table__, _V.id == _A.product_variant_id)
        .join(Product.__table__, _P.id == _V.product_id)
        .where(pending)
        .order_by(_A.due_at, _A.id)
        .limit(limit)
    ).all()
    claimed, waiting = [], 0
    table = StockAlert.__table__
    for row in rows:
        aid, *_rest, status, on_hand, track, backorder = row
        live = getattr(status, "value", status) == ProductStatus.active.value
        if not live or not is_back(sellable_quantity(on_hand, track_inventory=track, allow_backorder=backorder)):
            # sold out again (or taken off sale) before it was sent: wait for the next restock
            session.execute(sa.update(table).where(_A.id == aid, _A.sent_at.is_(None)).values(due_at=None))
            waiting += 1
            continue
        taken = session.execute(
            sa.update(table)
            .where(_A.id == aid, _A.sent_at.is_(None), ready)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if taken.rowcount == 1:
            claimed.append(row)
    session.commit()
    return claimed, waiting


def flush(
    *,
    session: Session,
    sms=None,
    mailer=None,
    now: datetime | None = None,
    limit: int = BATCH,
    settings: Settings | None = None,
) -> FlushResult:
    """Send every due alert once (at most ``limit``); each outcome is committed on its own.

    ``sms`` / ``mailer`` default to the configured senders (``services.auth.senders``).
    """
    now = now or utcnow()
    settings = settings or get_settings()
    claimed, waiting = _claim(session, now=now, limit=limit)
    sent = failed = 0
    table = StockAlert.__table__
    for aid, channel, contact, attempts, pname, vname, slug, *_ in claimed:
        subject, text = alert_message(
            product_name=pname,
            variant_name=vname,
            product_url=f"{settings.public_url.rstrip('/')}{routes.product_url(slug)}",
            unsubscribe_url=unsubscribe_link(aid, settings),
        )
        try:
            if channel == SMS:
                (sms or get_sms_sender(settings)).send(contact, text)
            elif channel == EMAIL:
                (mailer or get_email_sender(settings)).send(contact, subject, text)
        except Exception as err:  # noqa: BLE001 - any sender failure: try again later, lose nothing
            tries = attempts + 1
            session.execute(
                sa.update(table)
                .where(_A.id == aid)
                .values(
                    attempts=tries,
                    next_attempt_at=now + timedelta(seconds=retry_delay_seconds(tries)),
                    last_error=f"{type(err).__name__}: {err}"[:500],
                )
            )
            session.commit()
            failed += 1
            log.warning("stock alert %s to %s not sent (try %d): %s", aid, channel, tries, err)
            continue
        session.execute(sa.update(table).where(_A.id == aid).values(sent_at=now, next_attempt_at=None, last_error=None))
        session.commit()
        sent += 1
    return FlushResult(sent=sent, failed=failed, waiting=waiting)


def flush_once(*, engine: sa.Engine | None = None) -> FlushResult:
    """One flush on its own session (the lifespan task, ``cli flush-alerts``)."""
    from marque_app.services.db import get_engine

    with Session(engine or get_engine(), expire_on_commit=False) as session:
        return flush(session=session)


async def flush_forever() -> None:
    """The lifespan task: send the due alerts every ``MARQUE_STOCK_ALERT_FLUSH_SECONDS`` in a
    worker thread. A failed pass (the database away) is logged; the alerts wait for the next."""
    every = get_settings().stock_alert_flush_seconds
    while True:
        await asyncio.sleep(every)
        try:
            result = await asyncio.to_thread(flush_once)
            if result.sent or result.failed:
                log.info("stock alerts: %d sent, %d failed (tried again later)", result.sent, result.failed)
        except Exception:
            log.warning("stock alerts: flush failed (database unavailable?)", exc_info=True)
