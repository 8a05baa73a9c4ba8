"""Log-in rules with a fixed clock: passwords, the code policy, roles, token claims and JWTs."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from marque_app.api.errors import http_status
from marque_app.domain import auth as rules
from marque_app.domain.auth import (
    Forbidden,
    InvalidInput,
    OtpPolicy,
    OtpRecord,
    RateLimited,
    Unauthorized,
)
from marque_app.models import UserRole
from marque_app.services.auth import tokens
from marque_app.services.auth.keys import derived_key
from marque_app.services.auth.phones import normalize_phone
from marque_app.settings import PLACEHOLDER_SECRET, Settings

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
POLICY = OtpPolicy()


def test_domain_imports_only_the_standard_library():
    code = (
        "import sys, marque_app.domain.auth; "
        "bad = [m for m in ('reflex', 'sqlmodel', 'sqlalchemy', 'jwt', 'pydantic') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("short1!", ["at least 8 characters"]),
        ("longenough!", ["a number"]),
        ("longenough1", ["a special character (such as ! # $ %)"]),
        ("abc", ["at least 8 characters", "a number", "a special character (such as ! # $ %)"]),
        ("", ["at least 8 characters", "a number", "a special character (such as ! # $ %)"]),
        ("Shopper#2026", []),
        ("x" * 120 + "1!", []),
        ("x" * 130 + "1!", ["at most 128 characters"]),
    ],
)
def test_password_problems_list_what_is_missing(password, missing):
    assert rules.password_problems(password) == missing


def test_check_password_rules_message_names_every_gap():
    with pytest.raises(InvalidInput) as err:
        rules.check_password_rules("abcdefgh")
    assert err.value.message == "Password needs a number and a special character (such as ! # $ %)"
    assert err.value.field == "password" and http_status(err.value) == 422
    rules.check_password_rules("abcdefg1!")  # passes


# --- one-time codes -----------------------------------------------------------------------------


def _record(*, age: int = 0, attempts: int = 0) -> OtpRecord:
    made = NOW - timedelta(seconds=age)
    return OtpRecord("h", made, made + timedelta(minutes=5), attempts)


def test_policy_defaults_are_the_issue_numbers():
    assert (POLICY.length, POLICY.ttl_seconds, POLICY.max_attempts, POLICY.resend_seconds) == (6, 300, 5, 60)
    record = rules.new_otp_record("hash", now=NOW, policy=POLICY)
    assert record.expires_at - record.created_at == timedelta(minutes=5) and record.attempts == 0


def test_resend_gap_is_sixty_seconds():
    assert rules.otp_resend_wait(None, now=NOW, policy=POLICY) == 0
    assert rules.otp_resend_wait(_record(age=0), now=NOW, policy=POLICY) == 60
    assert rules.otp_resend_wait(_record(age=59), now=NOW, policy=POLICY) == 1
    assert rules.otp_resend_wait(_record(age=60), now=NOW, policy=POLICY) == 0
    with pytest.raises(RateLimited) as err:
        rules.check_otp_send(_record(age=15), now=NOW, policy=POLICY)
    assert err.value.retry_after == 45 and http_status(err.value) == 429
    rules.check_otp_send(_record(age=61), now=NOW, policy=POLICY)


def test_code_lives_five_minutes():
    assert rules.otp_problem(_record(age=299), now=NOW, policy=POLICY) is None
    assert rules.otp_problem(_record(age=300), now=NOW, policy=POLICY) == "expired"
    assert rules.otp_problem(None, now=NOW, policy=POLICY) == "missing"


def test_code_is_void_after_five_wrong_tries():
    # attempts counts the try being made: the 5th try is still compared, the 6th is refused.
    assert rules.otp_problem(_record(attempts=5), now=NOW, policy=POLICY) is None
    assert rules.otp_problem(_record(attempts=6), now=NOW, policy=POLICY) == "void"
    assert rules.wrong_code(1, policy=POLICY).message == "Wrong code; 4 tries left"
    assert rules.wrong_code(4, policy=POLICY).message == "Wrong code; 1 try left"
    assert "void" in rules.wrong_code(5, policy=POLICY).message
    assert http_status(rules.otp_failure("void")) == 401


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "", "١٢٣٤٥٦"])
def test_code_format_refuses_anything_but_six_digits(code):
    with pytest.raises(InvalidInput):
        rules.check_code_format(code, policy=POLICY)


def test_code_format_accepts_pasted_codes():
    assert rules.check_code_format(" 123 456 ", policy=POLICY) == "123456"
    assert rules.check_code_format("123-456", policy=POLICY) == "123456"


# --- roles --------------------------------------------------------------------------------------


def test_roles_match_the_model_enum():
    assert set(rules.ROLES) == {r.value for r in UserRole}


def test_role_check_and_permissions():
    rules.check_role("admin", ("admin",))
    rules.check_role(UserRole.support, (UserRole.admin, UserRole.support))
    with pytest.raises(Forbidden) as err:
        rules.check_role("customer", ("admin", "support"))
    assert http_status(err.value) == 403 and "admin or support" in err.value.message
    assert rules.can("admin", "anything:at-all")
    assert rules.can("vendor", "products:manage") and not rules.can("customer", "products:manage")
    assert not rules.can("nobody", "account:manage")
    with pytest.raises(Forbidden):
        rules.check_permission("support", "products:manage")


# --- token claims and JWTs ----------------------------------------------------------------------

SETTINGS = Settings(env="test", secret_key="unit-test-secret-" + "x" * 32)
USER_ID = uuid.UUID("11111111-2222-3333-4444-555555555555")


def _issue(now=NOW, settings=SETTINGS, **kw):
    return tokens.issue_token(user_id=USER_ID, role=UserRole.customer, email="a@b.co", now=now, settings=settings, **kw)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_token_round_trip_has_the_claims():
    issued = _issue()
    claims = tokens.decode_token(issued.access_token, now=NOW + timedelta(hours=1), settings=SETTINGS)
    assert claims.sub == str(USER_ID) and claims.role == "customer" and claims.email == "a@b.co"
    assert claims.exp - claims.iat == SETTINGS.jwt_ttl_seconds == issued.expires_in
    assert claims.iat == int(NOW.timestamp()) and len(claims.jti) >= 16
    header = jwt.get_unverified_header(issued.access_token)
    assert header["alg"] == "HS256"
    assert _issue().claims.jti != issued.claims.jti


def test_expired_token_is_refused_at_its_expiry():
    issued = _issue()
    exp = datetime.fromtimestamp(issued.claims.exp, tz=UTC)
    tokens.decode_token(issued.access_token, now=exp - timedelta(seconds=1), settings=SETTINGS)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.decode_token(issued.access_token, now=exp, settings=SETTINGS)


def test_tampered_token_is_refused():
    head, body, sig = _issue().access_token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["role"] = "admin"
    with pytest.raises(Unauthorized, match="bad signature"):
        tokens.decode_token(f"{head}.{_b64(payload)}.{sig}", now=NOW, settings=SETTINGS)


def test_unsigned_alg_none_token_is_refused():
    payload = _issue().claims.to_payload()
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    with pytest.raises(Unauthorized):
        tokens.decode_token(forged, now=NOW, settings=SETTINGS)


def test_other_algorithm_with_the_right_key_is_refused():
    payload = _issue().claims.to_payload()
    with warnings.catch_warnings():  # PyJWT warns that 32 bytes is short for HS512
        warnings.simplefilter("ignore")
        forged = jwt.encode(payload, derived_key("jwt", settings=SETTINGS), algorithm="HS512")
    with pytest.raises(Unauthorized, match="algorithm"):
        tokens.decode_token(forged, now=NOW, settings=SETTINGS)


def test_wrong_key_is_refused():
    other = Settings(env="test", secret_key="another-secret-" + "y" * 32)
    with pytest.raises(Unauthorized, match="bad signature"):
        tokens.decode_token(_issue(settings=other).access_token, now=NOW, settings=SETTINGS)


@pytest.mark.parametrize("claim", ["sub", "role", "iat", "exp", "jti"])
def test_token_missing_a_claim_is_refused(claim):
    payload = _issue().claims.to_payload()
    del payload[claim]
    token = jwt.encode(payload, derived_key("jwt", settings=SETTINGS), algorithm="HS256")
    with pytest.raises(Unauthorized, match=f"missing {claim}"):
        tokens.decode_token(token, now=NOW, settings=SETTINGS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "superuser"}, "unknown role"),
        ({"sub": "not-a-uuid"}, "bad subject"),
        ({"iat": int((NOW + timedelta(hours=1)).timestamp())}, "future"),
    ],
)
def test_claims_rules(change, message):
    payload = {**_issue().claims.to_payload(), **change}
    with pytest.raises(Unauthorized, match=message):
        rules.validate_claims(payload, now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "ey." * 3])
def test_garbage_tokens_are_refused(garbage):
    with pytest.raises(Unauthorized):
        tokens.decode_token(garbage, now=NOW, settings=SETTINGS)


def test_placeholder_secret_is_refused_outside_development():
    Settings(env="development", secret_key=PLACEHOLDER_SECRET).check_secret()
    Settings(env="test", secret_key=PLACEHOLDER_SECRET).check_secret()
    prod = Settings(env="production", secret_key=PLACEHOLDER_SECRET)
    with pytest.raises(ValueError, match="MARQUE_SECRET_KEY"):
        prod.check_secret()
    with pytest.raises(ValueError, match="MARQUE_SECRET_KEY"):
        tokens.issue_token(user_id=USER_ID, role="customer", now=NOW, settings=prod)


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 202 555 0143", "+12025550143"),
        ("(202) 555-0143", "+12025550143"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 555-555-0100", "+15555550100"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, e164):
    assert normalize_phone(raw, region="US", allow_fictional=True) == e164


@pytest.mark.parametrize("raw", ["12345", "+1 555 123 4567", "phone", "", "+999 1234567", "1" * 40])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidInput, match="valid phone number"):
        normalize_phone(raw, region="US", allow_fictional=True)


def test_fictional_numbers_only_outside_production():
    with pytest.raises(InvalidInput):
        normalize_phone("+1 555-555-0100", region="US", allow_fictional=False)
