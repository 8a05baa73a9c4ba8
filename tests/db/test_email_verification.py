"""E-mail verification against a real database: the link is single-use, expires, is stored
hashed, is replaced by a newer one or an e-mail change, and a resend waits its interval."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from marque_app.domain.auth import Conflict, InvalidInput, RateLimited, Unauthorized
from marque_app.models import User
from marque_app.models.types import utcnow
from marque_app.services import auth
from marque_app.services.auth import CapturingEmailSender, DeliveryError, verification
from marque_app.settings import get_settings
from tests.phones import fresh_phone


def token_of(mail: CapturingEmailSender, to: str) -> str:
    for address, _subject, body in reversed(mail.sent):
        if address == to:
            return re.search(r"/verify-email\?token=([\w-]+)", body).group(1)
    raise LookupError(to)


def register(session, mail, email=None):
    email = email or f"v-{uuid.uuid4().hex[:10]}@example.com"
    result = auth.register(session=session, email=email, password="Secret#123", mailer=mail)
    return result.user, email


def fresh(session, user_id) -> User:
    session.expire_all()
    return session.get(User, user_id)


def test_registration_sends_a_link_that_verifies_once(session):
    mail = CapturingEmailSender()
    user, email = register(session, mail)
    assert user.email_verified is False
    assert len(mail.sent) == 1 and mail.sent[0][0] == email and "Verify" in mail.sent[0][1]
    token = token_of(mail, email)
    row = fresh(session, user.id)
    assert row.email_verification_token and token not in row.email_verification_token  # only its HMAC
    assert row.email_verification_expires > utcnow() + timedelta(hours=23)

    done = auth.verify_email(session=session, token=token)
    assert done.email == email and fresh(session, user.id).email_verified is True
    assert auth.get_profile(session=session, user_id=user.id).email_verified is True
    with pytest.raises(Unauthorized, match="invalid or has been used"):
        auth.verify_email(session=session, token=token)
    with pytest.raises(Conflict):  # nothing to resend
        auth.send_verification(session=session, user_id=user.id, mailer=mail)


def test_an_expired_link_is_refused_and_cleared(session):
    mail = CapturingEmailSender()
    user, email = register(session, mail)
    token = token_of(mail, email)
    later = utcnow() + timedelta(seconds=get_settings().email_verification_ttl_seconds + 1)
    with pytest.raises(Unauthorized, match="expired"):
        auth.verify_email(session=session, token=token, now=later)
    row = fresh(session, user.id)
    assert row.email_verified is False and row.email_verification_token is None
    with pytest.raises(Unauthorized, match="invalid"):
        auth.verify_email(session=session, token=token)


@pytest.mark.parametrize("token", ["", "x" * 201, "not-a-token", " "])
def test_bad_tokens_are_refused(session, token):
    with pytest.raises(Unauthorized):
        auth.verify_email(session=session, token=token)


def test_a_resend_waits_its_interval_and_replaces_the_link(session):
    mail = CapturingEmailSender()
    user, email = register(session, mail)
    first = token_of(mail, email)
    now = utcnow()
    with pytest.raises(RateLimited) as err:
        auth.send_verification(session=session, user_id=user.id, mailer=mail, now=now)
    assert 1 <= err.value.retry_after <= get_settings().email_verification_resend_seconds
    assert len(mail.sent) == 1
    later = now + timedelta(seconds=get_settings().email_verification_resend_seconds + 1)
    sent = auth.send_verification(session=session, user_id=user.id, mailer=mail, now=later)
    assert sent.email == email and len(mail.sent) == 2
    second = token_of(mail, email)
    assert second != first
    with pytest.raises(Unauthorized):  # the older link was replaced
        auth.verify_email(session=session, token=first)
    auth.verify_email(session=session, token=second)
    assert fresh(session, user.id).email_verified is True


def test_an_email_change_unverifies_voids_the_old_link_and_sends_a_new_one(session):
    mail = CapturingEmailSender()
    user, email = register(session, mail)
    old_token = token_of(mail, email)
    auth.verify_email(session=session, token=old_token)
    # a second, unused link to the old address, then the change
    row = fresh(session, user.id)
    row.email_verified = False
    session.add(row)
    session.commit()
    verification.send_verification(session=session, user_id=user.id, mailer=mail, resend=False)
    stale = token_of(mail, email)
    new_email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    public = auth.update_profile(session=session, user_id=user.id, email=new_email, mailer=mail)
    assert public.email == new_email and public.email_verified is False
    assert mail.sent[-1][0] == new_email
    with pytest.raises(Unauthorized):
        auth.verify_email(session=session, token=stale)  # the old address's link no longer verifies
    auth.verify_email(session=session, token=token_of(mail, new_email))
    assert fresh(session, user.id).email_verified is True
    # a change of names only sends nothing
    before = len(mail.sent)
    auth.update_profile(session=session, user_id=user.id, first_name="Ann", mailer=mail)
    assert len(mail.sent) == before and fresh(session, user.id).email_verified is True


class FailingSender:
    def send(self, to, subject, body):
        raise DeliveryError("mail server down")


def test_a_failed_delivery_keeps_the_account_and_allows_an_immediate_resend(session):
    user, email = register(session, FailingSender())
    assert fresh(session, user.id).email_verification_sent_at is None
    mail = CapturingEmailSender()
    auth.send_verification(session=session, user_id=user.id, mailer=mail)  # no interval to wait
    assert mail.sent[-1][0] == email
    with pytest.raises(DeliveryError):
        auth.send_verification(
            session=session,
            user_id=user.id,
            mailer=FailingSender(),
            now=utcnow() + timedelta(seconds=get_settings().email_verification_resend_seconds + 1),
        )


def test_a_phone_only_account_has_nothing_to_verify(session):
    phone_user = User(phone=fresh_phone())
    session.add(phone_user)
    session.commit()
    with pytest.raises(InvalidInput):
        auth.send_verification(session=session, user_id=phone_user.id, mailer=CapturingEmailSender())
