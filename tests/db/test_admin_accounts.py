"""Staff accounts in the services (SQLite and PostgreSQL): create an admin, change roles, both
in the activity log; a role change counts at once."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from marque_app.models import AdminActivity, User, UserRole
from marque_app.services import auth
from marque_app.services.auth import admins


def _email() -> str:
    return f"staff-{uuid.uuid4().hex[:8]}@example.com"


def test_create_admin_then_demote_and_promote_with_the_log(session):
    email = _email()
    admin = admins.create_admin(session=session, email=email, password="Admin#2026x", actor_email="(command line)")
    assert admin.role is UserRole.admin and admin.has_password
    result = auth.log_in_with_password(session=session, email=email, password="Admin#2026x")
    auth.require_role(auth.authenticate(session=session, token=result.access_token), "admin")

    other = _email()
    admins.create_admin(session=session, email=other, password="Other#2026x")
    admins.set_role(session=session, email=email, role="customer", actor_email="ops@example.com")
    # the role is read from the account: the admin's token lost the admin role at once
    with pytest.raises(auth.Forbidden):
        auth.require_role(auth.authenticate(session=session, token=result.access_token), "admin")

    rows = session.exec(
        select(AdminActivity).where(AdminActivity.entity_id == str(admin.id)).order_by(AdminActivity.at)
    ).all()
    assert [r.action for r in rows] == ["user.create_admin", "user.role"]
    assert rows[1].summary == f"Role of {email} changed from admin to customer"
    assert rows[1].actor_email == "ops@example.com" and rows[1].details == {"from": "admin", "to": "customer"}


def test_the_last_admin_cannot_be_demoted(session):
    for user in session.exec(select(User).where(User.role == UserRole.admin)).all():
        user.role = UserRole.customer  # rolled back with the test
        session.add(user)
    session.commit()
    email = _email()
    admins.create_admin(session=session, email=email, password="Admin#2026x")
    with pytest.raises(auth.Conflict, match="last active admin"):
        admins.set_role(session=session, email=email, role="support", actor_email="ops")


def test_create_admin_refuses_a_taken_email_and_a_weak_password(session):
    email = _email()
    admins.create_admin(session=session, email=email, password="Admin#2026x")
    with pytest.raises(auth.Conflict, match="set-role"):
        admins.create_admin(session=session, email=email.upper(), password="Admin#2026x")
    with pytest.raises(auth.InvalidInput):
        admins.create_admin(session=session, email=_email(), password="short")
    with pytest.raises(auth.InvalidInput, match="not a role"):
        admins.set_role(session=session, email=email, role="root", actor_email="ops")
