"""Old applied-op ids are forgotten; recent ones keep protecting against a replay."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from marque_app.models import CartOperation
from marque_app.models.types import utcnow
from marque_app.services.cart_ops import OP_RETENTION, claim_operation, prune_operations
from tests.cartutil import make_user


def test_prune_removes_only_ids_older_than_the_retention(session):
    user = make_user(session)
    now = utcnow()
    for op_id in ("old-1", "old-2", "recent"):
        assert claim_operation(session, user_id=user.id, op_id=op_id, kind="add")
    session.flush()
    for row in session.exec(select(CartOperation).where(CartOperation.user_id == user.id)):
        if row.op_id.startswith("old"):
            row.created_at = now - OP_RETENTION - timedelta(minutes=1)
        else:
            row.created_at = now - OP_RETENTION + timedelta(hours=1)
        session.add(row)
    session.flush()

    assert prune_operations(session, now=now) >= 2
    left = {row.op_id for row in session.exec(select(CartOperation).where(CartOperation.user_id == user.id))}
    assert left == {"recent"}
    # the recent id still counts as applied; a pruned one can be claimed again
    assert not claim_operation(session, user_id=user.id, op_id="recent", kind="add")
    assert claim_operation(session, user_id=user.id, op_id="old-1", kind="add")
