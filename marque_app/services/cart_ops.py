"""Applied-once operation ids and the per-user lock shared by the cart and wishlist services.

An operation that carries a client-made id (a merge id, a change replayed from the offline
queue, an API ``Idempotency-Key``) first inserts ``(user_id, op_id)`` into ``cart_operations``
with ``INSERT ... ON CONFLICT DO NOTHING``. Inserted: the operation is applied in the same
transaction. Not inserted: it was applied before (or a concurrent twin has just committed it;
PostgreSQL makes the second insert wait on the unique key until the first transaction ends),
and it is not applied again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from marque_app.domain.cart import CartError
from marque_app.models import CartOperation, User
from marque_app.models.types import utcnow

MAX_OP_ID = 150
# How long an applied op id is remembered. An offline queue or a guest cart waiting for its merge
# can sit in a browser for days; a replay after this is applied again, so it is kept long.
OP_RETENTION = timedelta(days=30)


def dialect_insert(session: Session, table: sa.Table):
    """``INSERT`` with ``ON CONFLICT`` support for the session's database (PostgreSQL or SQLite)."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def as_uuid(value: Any, *, kind: str = "not_found", message: str = "Not found", field: str = "") -> uuid.UUID:
    """``value`` as a UUID, else a :class:`CartError` of ``kind``."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError):
        raise CartError(kind, message, field=field) from None


def check_op_id(op_id: str | None) -> str | None:
    if op_id is None:
        return None
    if not isinstance(op_id, str) or not op_id.strip() or len(op_id) > MAX_OP_ID:
        raise CartError("invalid", f"An operation id must be 1 to {MAX_OP_ID} characters", field="op_id")
    return op_id.strip()


def claim_operation(session: Session, *, user_id: uuid.UUID, op_id: str, kind: str, request_hash: str = "") -> bool:
    """Record ``op_id`` as applied for the user; False when it already was (do nothing then)."""
    table = CartOperation.__table__
    stmt = (
        dialect_insert(session, table)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            op_id=op_id,
            kind=kind,
            request_hash=request_hash,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "op_id"])
        .returning(table.c.id)
    )
    return session.execute(stmt).first() is not None


def find_operation(session: Session, *, user_id: uuid.UUID, op_id: str) -> CartOperation | None:
    """The recorded operation, or None."""
    return session.exec(
        select(CartOperation).where(CartOperation.user_id == user_id, CartOperation.op_id == op_id)
    ).first()


def store_response(
    session: Session, *, user_id: uuid.UUID, op_id: str, response: dict, status_code: int | None = None
) -> None:
    """Keep what a repeat of ``op_id`` answers (not committed here)."""
    table = CartOperation.__table__
    session.execute(
        sa.update(table)
        .where(table.c.user_id == user_id, table.c.op_id == op_id)
        .values(response=storable_json(response), status_code=status_code)
    )


def storable_json(value: Any) -> Any:
    """``value`` with every text as PostgreSQL's ``jsonb`` takes it: without NUL characters and
    lone surrogates (what a shopper's browser sent is echoed in an answer, e.g. a dropped line's
    name; ``jsonb`` refuses a NUL)."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {storable_json(k): storable_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable_json(v) for v in value]
    return value


def lock_user(session: Session, user_id: uuid.UUID) -> None:
    """Serialise a user's cart writes (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite has one writer).

    Two merges (or adds) of the same user at once then read each other's committed lines, so a
    quantity is added once per operation and the caps hold.

    Raises:
        CartError: ``unauthorized`` when the account no longer exists.
    """
    # FOR NO KEY UPDATE: it excludes a second writer of the same user but not the KEY SHARE
    # locks that the foreign keys of our own inserts (cart_operations, cart_items) take on the
    # user row; FOR UPDATE would deadlock two merges that have each claimed their id.
    found = session.exec(select(User.id).where(User.id == user_id).with_for_update(key_share=True)).first()
    if found is None:
        raise CartError("unauthorized", "Session expired, please login")


def prune_operations(session: Session, *, now: datetime | None = None, keep: timedelta = OP_RETENTION) -> int:
    """Forget op ids applied more than ``keep`` ago; commits. Returns how many were removed.

    Run by the app every few hours (``services/housekeeping.py``) and by ``cli prune``.
    """
    cutoff = (now or utcnow()) - keep
    table = CartOperation.__table__
    removed = session.execute(sa.delete(table).where(table.c.created_at < cutoff)).rowcount
    session.commit()
    return int(removed or 0)
