"""The auth services against a real database (SQLite, or PostgreSQL) and the real Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from limits.storage import RedisStorage
from sqlmodel import select

from marque_app.models import (
    Address,
    Brand,
    CartItem,
    Category,
    Order,
    PhoneVerification,
    Product,
    ProductReview,
    ProductStatus,
    ProductVariant,
    RevokedToken,
    User,
    Wishlist,
)
from marque_app.services import auth
from marque_app.services.auth import otp, tokens
from marque_app.services.auth.keys import redis_key
from marque_app.services.auth.ratelimit import RateLimiter, check_login
from marque_app.settings import get_settings
from tests.dbutil import REDIS_URL, redis_or_fail
from tests.phones import fresh_phone

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _phone() -> str:
    return fresh_phone()


@pytest.fixture
def sms():
    return auth.CapturingSmsSender()


@pytest.fixture(params=["database", "redis"])
def store(request, monkeypatch):
    """Run a test once with codes/revocations in the database and once in the real Redis."""
    if request.param == "database":
        yield None
        return
    client = redis_or_fail(decode_responses=True)
    prefix = f"marque-test-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("MARQUE_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    try:
        yield client
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        get_settings.cache_clear()
        client.close()


def _send(session, sms, phone, store, now=NOW):
    return auth.send_phone_code(session=session, phone=phone, sms=sms, redis=store, now=now)


# --- phone codes --------------------------------------------------------------------------------


def test_code_is_stored_only_as_a_hash(session, sms, store):
    phone = _phone()
    sent = _send(session, sms, phone, store)
    assert sent.phone == phone and sent.expires_in == 300 and sent.resend_in == 60
    code = sms.last_code(phone)
    assert len(code) == 6 and code.isdigit()
    if store is None:
        row = session.get(PhoneVerification, phone)
        assert row.code_hash == otp.hash_code(phone, code) and code not in row.code_hash
        assert row.expires_at == NOW + timedelta(minutes=5) and row.attempts == 0
    else:
        data = store.hgetall(redis_key("otp", phone))
        assert data["code_hash"] == otp.hash_code(phone, code)
        assert code not in "".join(data.values())
        assert 0 < store.ttl(redis_key("otp", phone)) <= 360


def test_good_code_logs_in_and_is_used_up(session, sms, store):
    phone = _phone()
    _send(session, sms, phone, store)
    code = sms.last_code(phone)
    result = auth.log_in_with_phone_code(
        session=session, phone=phone, code=code, redis=store, now=NOW + timedelta(seconds=30)
    )
    assert result.created and result.user.phone == phone and result.user.phone_verified
    assert result.user.role.value == "customer" and result.token_type == "bearer"
    with pytest.raises(auth.Unauthorized, match="No code is waiting"):
        auth.log_in_with_phone_code(
            session=session, phone=phone, code=code, redis=store, now=NOW + timedelta(seconds=31)
        )


def test_second_log_in_finds_the_same_customer(session, sms, store):
    phone = _phone()
    ids = []
    for n in range(2):
        now = NOW + timedelta(minutes=2 * n)
        _send(session, sms, phone, store, now=now)
        result = auth.log_in_with_phone_code(
            session=session, phone=phone, code=sms.last_code(phone), redis=store, now=now
        )
        ids.append((result.user.id, result.created))
    assert ids[0][0] == ids[1][0] and [c for _, c in ids] == [True, False]
    assert len(session.exec(select(User).where(User.phone == phone)).all()) == 1


def test_resend_gap(session, sms, store):
    phone = _phone()
    _send(session, sms, phone, store)
    with pytest.raises(auth.RateLimited) as err:
        _send(session, sms, phone, store, now=NOW + timedelta(seconds=20))
    assert err.value.retry_after == 40
    assert len(sms.sent) == 1
    _send(session, sms, phone, store, now=NOW + timedelta(seconds=61))
    assert len(sms.sent) == 2
    # Only the newest code works once a new one was sent (a one-in-a-million tie is skipped).
    old = sms.sent[0][1].split(" is ")[1][:6]
    if old != sms.last_code(phone):
        with pytest.raises(auth.Unauthorized, match="Wrong code"):
            auth.log_in_with_phone_code(
                session=session, phone=phone, code=old, redis=store, now=NOW + timedelta(seconds=62)
            )


def test_code_expires_after_five_minutes(session, sms, store):
    phone = _phone()
    _send(session, sms, phone, store)
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.log_in_with_phone_code(
            session=session, phone=phone, code=sms.last_code(phone), redis=store, now=NOW + timedelta(minutes=5)
        )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_fifth_try_may_still_be_right(session, sms, store):
    phone = _phone()
    _send(session, sms, phone, store)
    code = sms.last_code(phone)
    for n in range(4):
        with pytest.raises(auth.Unauthorized, match=f"{4 - n} tr"):
            auth.log_in_with_phone_code(session=session, phone=phone, code=_wrong(code), redis=store, now=NOW)
    assert auth.log_in_with_phone_code(session=session, phone=phone, code=code, redis=store, now=NOW).user


def test_code_is_void_after_five_wrong_tries(session, sms, store):
    phone = _phone()
    _send(session, sms, phone, store)
    code = sms.last_code(phone)
    for _ in range(5):
        with pytest.raises(auth.Unauthorized, match="Wrong code"):
            auth.log_in_with_phone_code(session=session, phone=phone, code=_wrong(code), redis=store, now=NOW)
    with pytest.raises(auth.Unauthorized, match="void"):
        auth.log_in_with_phone_code(session=session, phone=phone, code=code, redis=store, now=NOW)
    assert session.exec(select(User).where(User.phone == phone)).first() is None


def test_failed_sms_does_not_start_the_resend_gap(session, store):
    class Broken:
        def send(self, phone, text):
            raise auth.DeliveryError("provider down")

    phone = _phone()
    with pytest.raises(auth.DeliveryError):
        _send(session, Broken(), phone, store)
    ok = auth.CapturingSmsSender()
    _send(session, ok, phone, store)
    assert len(ok.sent) == 1


# --- tokens and revocation ----------------------------------------------------------------------


def _customer(session, **fields) -> User:
    user = User(email=f"{uuid.uuid4().hex[:10]}@example.com", **fields)
    session.add(user)
    session.commit()
    return user


def test_logged_out_token_is_refused_until_it_expires(session, store):
    user = _customer(session)
    issued = tokens.issue_token(user_id=user.id, role=user.role, email=user.email)
    me = auth.authenticate(session=session, token=issued.access_token, redis=store)
    assert me.id == user.id and me.claims.jti == issued.claims.jti
    auth.log_out(session=session, claims=me.claims, redis=store)
    assert tokens.is_revoked(issued.claims.jti, session=session, redis=store)
    with pytest.raises(auth.Unauthorized, match="logged out"):
        auth.authenticate(session=session, token=issued.access_token, redis=store)
    other = tokens.issue_token(user_id=user.id, role=user.role)
    assert auth.authenticate(session=session, token=other.access_token, redis=store).id == user.id
    if store is None:
        row = session.get(RevokedToken, issued.claims.jti)
        assert row.expires_at == datetime.fromtimestamp(issued.claims.exp, tz=UTC)
    else:
        ttl = store.ttl(redis_key("revoked", issued.claims.jti))
        assert issued.expires_in - 60 < ttl <= issued.expires_in


def test_expired_revocations_are_purged(session):
    session.add(RevokedToken(jti=f"old-{uuid.uuid4().hex}", expires_at=NOW - timedelta(days=1)))
    session.commit()
    user = _customer(session)
    claims = tokens.issue_token(user_id=user.id, role=user.role, now=NOW).claims
    tokens.revoke_token(claims, session=session, now=NOW)
    left = session.exec(select(RevokedToken).where(RevokedToken.expires_at < NOW)).all()
    assert left == []
    assert session.get(RevokedToken, claims.jti) is not None


def test_role_is_read_from_the_account(session):
    user = _customer(session)
    token = tokens.issue_token(user_id=user.id, role="customer").access_token
    with pytest.raises(auth.Forbidden):
        auth.require_role(auth.authenticate(session=session, token=token), "admin")
    user.role = "admin"
    session.add(user)
    session.commit()
    assert auth.require_role(auth.authenticate(session=session, token=token), "admin").role == "admin"


def test_the_guard_sees_the_account_as_its_public_view_shows_it(session):
    """The guard reads columns, not the entity: what it returns is the account's public view
    (a password account and a phone-only one), read afresh after a change."""
    email = f"guard.{uuid.uuid4().hex[:8]}@example.com"
    with_password = auth.register(session=session, email=email, password="Secret#123", first_name="Ana")
    phone_only = _customer(session)
    for user_id, token in (
        (with_password.user.id, with_password.access_token),
        (phone_only.id, tokens.issue_token(user_id=phone_only.id, role="customer").access_token),
    ):
        seen = auth.authenticate(session=session, token=token).user
        assert seen == auth.UserPublic.of(session.get(User, user_id))
    assert auth.authenticate(session=session, token=with_password.access_token).user.has_password
    assert not auth.authenticate(
        session=session, token=tokens.issue_token(user_id=phone_only.id, role="customer").access_token
    ).user.has_password
    row = session.get(User, with_password.user.id)
    row.first_name, row.phone_verified = "Bea", True
    session.add(row)
    session.commit()
    seen = auth.authenticate(session=session, token=with_password.access_token).user
    assert (seen.first_name, seen.phone_verified) == ("Bea", True)


def test_disabled_account_is_refused(session):
    user = _customer(session, is_active=False)
    token = tokens.issue_token(user_id=user.id, role="customer").access_token
    with pytest.raises(auth.Unauthorized, match="no longer exists"):
        auth.authenticate(session=session, token=token)


# --- passwords ----------------------------------------------------------------------------------


def test_register_and_log_in(session):
    email = f"New.{uuid.uuid4().hex[:8]}@Example.com"
    result = auth.register(session=session, email=email, password="Secret#123", first_name=" Ana ")
    assert result.user.email == email.lower() and result.user.first_name == "Ana"
    assert result.user.has_password and "password_hash" not in result.user.model_dump()
    row = session.get(User, result.user.id)
    assert row.password_hash.startswith("$argon2id$") and "Secret#123" not in row.password_hash
    assert auth.log_in_with_password(session=session, email=email, password="Secret#123").user.id == row.id
    with pytest.raises(auth.Unauthorized, match="Wrong e-mail or password"):
        auth.log_in_with_password(session=session, email=email, password="Secret#124")
    with pytest.raises(auth.Conflict):
        auth.register(session=session, email=email.upper(), password="Secret#123")


def test_reset_token_is_hashed_single_use_and_expires(session):
    user = _customer(session)
    mail = auth.CapturingEmailSender()
    auth.request_password_reset(session=session, email=user.email, mailer=mail, now=NOW)
    ((to, subject, body),) = mail.sent
    token = body.split("token=")[1].split()[0]
    session.refresh(user)
    assert to == user.email and token not in (user.password_reset_token or "")
    assert user.password_reset_expires == NOW + timedelta(hours=1)
    before = tokens.issue_token(user_id=user.id, role=user.role, email=user.email, phone=None, now=NOW)
    auth.reset_password(session=session, token=token, new_password="Brand#new1", now=NOW + timedelta(minutes=59))
    assert auth.log_in_with_password(session=session, email=user.email, password="Brand#new1").user.id == user.id
    # A reset ends every session from before it (someone else may have held the old password).
    with pytest.raises(auth.Unauthorized, match="password was changed"):
        auth.authenticate(session=session, token=before.access_token, now=NOW + timedelta(minutes=59))
    with pytest.raises(auth.Unauthorized, match="invalid or has been used"):
        auth.reset_password(session=session, token=token, new_password="Other#new1", now=NOW + timedelta(minutes=59))
    # An expired link is refused (and used up).
    auth.request_password_reset(session=session, email=user.email, mailer=mail, now=NOW)
    late = mail.sent[-1][2].split("token=")[1].split()[0]
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.reset_password(session=session, token=late, new_password="Other#new1", now=NOW + timedelta(hours=1))
    # Unknown e-mail: nothing sent, no error (no account enumeration).
    auth.request_password_reset(session=session, email="nobody@example.com", mailer=mail, now=NOW)
    assert len(mail.sent) == 2


def test_change_password_and_profile(session):
    result = auth.register(session=session, email=f"{uuid.uuid4().hex[:8]}@example.com", password="First#123", now=NOW)
    uid = result.user.id
    with pytest.raises(auth.Unauthorized, match="current password"):
        auth.change_password(session=session, user_id=uid, current_password="nope", new_password="Second#123")
    with pytest.raises(auth.InvalidInput, match="a number"):
        auth.change_password(session=session, user_id=uid, current_password="First#123", new_password="Second#abc")
    changed = auth.change_password(
        session=session,
        user_id=uid,
        current_password="First#123",
        new_password="Second#123",
        now=NOW + timedelta(seconds=5),
    )
    # Every session from before the change ends; the fresh token of the result carries on.
    with pytest.raises(auth.Unauthorized, match="password was changed"):
        auth.authenticate(session=session, token=result.access_token, now=NOW + timedelta(seconds=6))
    assert auth.authenticate(session=session, token=changed.access_token, now=NOW + timedelta(seconds=6)).id == uid
    profile = auth.update_profile(session=session, user_id=uid, first_name="Kim", last_name="Lee")
    assert (profile.first_name, profile.last_name) == ("Kim", "Lee")
    assert auth.get_profile(session=session, user_id=uid).first_name == "Kim"


# --- delete account -----------------------------------------------------------------------------


def test_delete_account_removes_personal_data_and_keeps_orders(session, store):
    tag = uuid.uuid4().hex[:6]
    category = Category(name="Tees", slug=f"tees-{tag}")
    brand = Brand(name=f"B{tag}", slug=f"b-{tag}")
    session.add_all([category, brand])
    session.flush()
    product = Product(
        name="Tee",
        slug=f"tee-{tag}",
        sku=f"T-{tag}",
        price=Decimal("19.99"),
        status=ProductStatus.active,
        category_id=category.id,
        brand_id=brand.id,
    )
    session.add(product)
    session.flush()
    variant = ProductVariant(
        product_id=product.id, sku=f"T-{tag}-M", name="M", inventory_quantity=3, attributes={"size": "M"}
    )
    phone = _phone()
    user = User(email=f"gone-{tag}@example.com", phone=phone, first_name="Gone", last_name="Soon", password_hash="x")
    session.add_all([variant, user])
    session.flush()
    address = {
        "first_name": "Gone",
        "last_name": "Soon",
        "address_line_1": "1 Main St",
        "city": "X",
        "postal_code": "12345",
        "country": "US",
    }
    order = Order(
        order_number=f"MQ-{tag}",
        user_id=user.id,
        subtotal=Decimal("19.99"),
        total_amount=Decimal("19.99"),
        shipping_address=address,
        billing_address=address,
        notes="Leave it with Gone Soon",
    )
    session.add_all(
        [
            order,
            Address(
                user_id=user.id,
                first_name="Gone",
                last_name="Soon",
                address_line_1="1 Main St",
                city="X",
                state="Y",
                postal_code="12345",
            ),
            CartItem(user_id=user.id, product_id=product.id, product_variant_id=variant.id, quantity=1),
            Wishlist(user_id=user.id, product_id=product.id),
            ProductReview(product_id=product.id, user_id=user.id, rating=5, status="approved"),
        ]
    )
    session.commit()
    issued = tokens.issue_token(user_id=user.id, role="customer", email=user.email)
    me = auth.authenticate(session=session, token=issued.access_token, redis=store)

    auth.delete_account(session=session, user_id=me.id, claims=me.claims, redis=store)
    session.expire_all()

    assert session.get(User, me.id) is None
    assert (
        session.exec(select(User).where(sa.or_(User.email == f"gone-{tag}@example.com", User.phone == phone))).first()
        is None
    )
    for table in (Address, CartItem, Wishlist):
        assert session.exec(select(table).where(table.user_id == me.id)).all() == []
    kept = session.get(Order, order.id)
    assert kept is not None and kept.user_id is None and kept.total_amount == Decimal("19.99")
    assert kept.guest_email.endswith("@deleted.invalid") and "gone" not in kept.guest_email
    assert kept.shipping_address == {"anonymised": True, "country": "US"} == kept.billing_address
    assert kept.notes is None
    review = session.exec(select(ProductReview).where(ProductReview.product_id == product.id)).one()
    assert review.user_id is None and review.rating == 5
    with pytest.raises(auth.Unauthorized):
        auth.authenticate(session=session, token=issued.access_token, redis=store)
    # The number is free again: a new phone log-in creates a new, empty account.
    sms = auth.CapturingSmsSender()
    _send(session, sms, phone, store, now=NOW)
    again = auth.log_in_with_phone_code(session=session, phone=phone, code=sms.last_code(phone), redis=store, now=NOW)
    assert again.created and again.user.id != me.id and again.user.first_name == ""


# --- rate limits in Redis -----------------------------------------------------------------------


def test_login_limit_in_redis_is_shared_by_workers():
    client = redis_or_fail()
    prefix = f"marque-test-{uuid.uuid4().hex[:10]}"
    try:
        # Two limiters with their own connections stand for two worker processes.
        workers = [RateLimiter(storage=RedisStorage(REDIS_URL, key_prefix=prefix)) for _ in range(2)]
        settings = get_settings()
        for n in range(5):
            check_login(workers[n % 2], scope="login", identifier="a@b.co", client="10.0.0.1", settings=settings)
        with pytest.raises(auth.RateLimited) as err:
            check_login(workers[1], scope="login", identifier="a@b.co", client="10.0.0.1", settings=settings)
        assert 800 < err.value.retry_after <= 900
        # The account from another address is not locked out (its failure budget is larger).
        check_login(workers[1], scope="login", identifier="a@b.co", client="10.0.0.2", settings=settings)
        # Another e-mail from the exhausted address is refused too (per client address).
        with pytest.raises(auth.RateLimited):
            check_login(workers[0], scope="login", identifier="c@d.co", client="10.0.0.1", settings=settings)
        check_login(workers[0], scope="login", identifier="c@d.co", client="10.0.0.3", settings=settings)
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()
