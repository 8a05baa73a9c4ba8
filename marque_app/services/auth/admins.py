"""Staff accounts: the first admin of a production database, and role changes.

Both are written to the admin's activity log (``user.create_admin``, ``user.role``) in the same
transaction as the change. The command line (``python -m marque_app.cli create-admin`` and
``set-role``) calls these; the password never comes from argv.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from marque_app.domain.auth import Conflict, InvalidInput, check_password_rules
from marque_app.models import User, UserRole
from marque_app.models.types import utcnow
from marque_app.services import passwords

from .accounts import UserPublic, normalize_email
from .phones import normalize_phone


def _actor(actor_email: str):
    from marque_app.services.admin.activity import Actor

    return Actor(id=None, email=actor_email)


def _record(
    session: Session, *, actor_email: str, action: str, user: User, summary: str, details: dict, now: datetime
) -> None:
    from marque_app.services.admin.activity import record

    record(
        session=session,
        actor=_actor(actor_email),
        action=action,
        entity_type="user",
        entity_id=user.id,
        summary=summary,
        details=details,
        now=now,
    )


def create_admin(
    *,
    session: Session,
    email: str,
    password: str,
    phone: str | None = None,
    first_name: str = "",
    last_name: str = "",
    actor_email: str = "(command line)",
    now: datetime | None = None,
) -> UserPublic:
    """Create an admin account with an e-mail and password (and a phone for code log-in).

    Raises:
        InvalidInput: bad e-mail or phone, weak password.
        Conflict: the e-mail or phone already has an account (change its role with
            :func:`set_role` instead).
    """
    now = now or utcnow()
    email = normalize_email(email)
    check_password_rules(password)
    e164 = normalize_phone(phone) if phone else None
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(f"{email} already has an account; give it the role with set-role", field="email")
    if e164 and session.exec(select(User.id).where(User.phone == e164)).first() is not None:
        raise Conflict(f"{e164} already belongs to an account", field="phone")
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        phone=e164,
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
        role=UserRole.admin,
        email_verified=True,
        phone_verified=bool(e164),
    )
    session.add(user)
    session.flush()
    _record(
        session,
        actor_email=actor_email,
        action="user.create_admin",
        user=user,
        summary=f"Admin account {email} created",
        details={"role": "admin", "email": email},
        now=now,
    )
    session.commit()
    return UserPublic.of(user)


def set_role(
    *,
    session: Session,
    email: str = "",
    phone: str = "",
    role: str,
    actor_email: str,
    now: datetime | None = None,
) -> UserPublic:
    """Give the account of ``email`` (or ``phone``) the ``role``; logged with the old role.

    The guard reads the role from the account on every request, so the change counts at once.

    Raises:
        InvalidInput: unknown role, no such account.
        Conflict: it would leave no active admin.
    """
    now = now or utcnow()
    try:
        new = UserRole(role)
    except ValueError:
        known = ", ".join(r.value for r in UserRole)
        raise InvalidInput(f"{role!r} is not a role; use one of {known}", field="role") from None
    if email:
        user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    else:
        user = session.exec(select(User).where(User.phone == normalize_phone(phone))).first()
    if user is None:
        raise InvalidInput(f"no account has {email or phone}", field="email" if email else "phone")
    old = UserRole(user.role)
    if old == new:
        return UserPublic.of(user)
    if old == UserRole.admin:
        admins = session.exec(
            select(User.id).where(User.role == UserRole.admin, User.is_active, User.id != user.id)
        ).first()
        if admins is None:
            raise Conflict("this is the last active admin; make another admin first", field="role")
    user.role = new
    session.add(user)
    who = user.email or user.phone
    _record(
        session,
        actor_email=actor_email,
        action="user.role",
        user=user,
        summary=f"Role of {who} changed from {old.value} to {new.value}",
        details={"from": old.value, "to": new.value},
        now=now,
    )
    session.commit()
    return UserPublic.of(user)
