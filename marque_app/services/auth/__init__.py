"""Log-in services: phone code by SMS, e-mail and password, JWT, roles. Shared by API and Reflex.

Every function takes its collaborators as keyword arguments: ``session`` (a SQLModel session,
e.g. ``with session_scope() as session``), ``redis`` (``get_redis()``: a client when
``REFLEX_REDIS_URL`` is set, else None; codes and revoked tokens then live in the database),
``sms``/``mailer`` (senders), ``now`` (tests). Failures raise :class:`AuthError` subclasses from
``marque_app.domain.auth`` with a message fit for a toast: ``InvalidInput`` (422), ``Conflict``
(409), ``Unauthorized`` (401), ``Forbidden`` (403), ``RateLimited`` (429, ``.retry_after``
seconds). ``err.field`` names the form field at fault when there is one. Writes commit.

For a Reflex state (the UI helper), all in this package::

    from marque_app.services import auth
    redis, sms, mailer = auth.get_redis(), auth.get_sms_sender(), auth.get_email_sender()

    auth.send_phone_code(session=, phone="+1 202 555 0143", sms=sms, redis=redis)
        -> CodeSent(phone (E.164), expires_in, resend_in)       # never the code
    auth.resend_wait(session=, phone=<E.164>, redis=redis) -> seconds until a resend (countdown)
    auth.log_in_with_phone_code(session=, phone=, code="123456", redis=redis)
        -> AuthResult(access_token, token_type, expires_in, user: UserPublic, claims, created)
    auth.register(session=, email=, password=, first_name="", last_name="") -> AuthResult
    auth.log_in_with_password(session=, email=, password=) -> AuthResult
    auth.request_password_reset(session=, email=, mailer=mailer) -> None   # silent if unknown
        # the e-mail links to <MARQUE_PUBLIC_URL>/reset-password?token=<token>
    auth.reset_password(session=, token=, new_password=) -> UserPublic
    auth.authenticate(session=, token=, redis=redis) -> AuthUser(user: UserPublic, claims)
        # "me from token": the one guard; raises Unauthorized for bad/expired/logged-out tokens
    auth.require_role(auth_user, "admin", ...) -> AuthUser      # raises Forbidden
    auth.get_profile(session=, user_id=) -> UserPublic
    auth.update_profile(session=, user_id=, first_name=, last_name=, email=, date_of_birth=) -> UserPublic
    auth.change_password(session=, user_id=, current_password=, new_password=) -> UserPublic
    auth.log_out(session=, claims=auth_user.claims, redis=redis) -> None
    auth.delete_account(session=, user_id=, claims=auth_user.claims, redis=redis) -> None
    auth.normalize_phone(raw) -> "+12025550143"   (InvalidInput when not a number)
    auth.send_verification(session=, user_id=, mailer=) -> VerificationSent   # resend, limited
    auth.verify_email(session=, token=) -> VerifiedEmail     # single use; see auth/verification.py
        # register(..., mailer=) and update_profile(..., mailer=) send the link themselves

``AuthResult.to_response()`` and ``UserPublic.model_dump(mode="json")`` give JSON-ready dicts
(for state vars); ``password_problems(pw)`` lists what a password lacks (live form hints).
Senders: ``MARQUE_SMS_PROVIDER=log`` (default) logs ``SMS to <E.164>: Your Marque code is
123456. ...`` on the ``marque.sms`` logger; ``twilio`` uses Twilio. ``MARQUE_EMAIL_PROVIDER``
is ``log`` or ``smtp``. ``CapturingSmsSender``/``CapturingEmailSender`` record messages (tests).
"""

from marque_app.domain.auth import (
    AuthError,
    Conflict,
    Forbidden,
    InvalidInput,
    RateLimited,
    TokenClaims,
    Unauthorized,
    password_problems,
)

from .accounts import (
    AuthResult,
    UserPublic,
    change_password,
    delete_account,
    get_profile,
    log_in_with_password,
    log_in_with_phone_code,
    log_out,
    normalize_email,
    register,
    request_password_reset,
    reset_password,
    send_phone_code,
    update_profile,
)
from .guard import AuthUser, authenticate, bearer_token, require_permission, require_role
from .keys import get_redis
from .otp import CodeSent, resend_wait
from .phones import normalize_phone
from .senders import (
    CapturingEmailSender,
    CapturingSmsSender,
    DeliveryError,
    LogEmailSender,
    LogSmsSender,
    SmtpEmailSender,
    TwilioSmsSender,
    get_email_sender,
    get_sms_sender,
)
from .tokens import IssuedToken, decode_token, issue_token
from .verification import VerificationSent, VerifiedEmail, resend_verification, send_verification, verify_email

__all__ = [
    "AuthError",
    "AuthResult",
    "AuthUser",
    "CapturingEmailSender",
    "CapturingSmsSender",
    "CodeSent",
    "Conflict",
    "DeliveryError",
    "Forbidden",
    "InvalidInput",
    "IssuedToken",
    "LogEmailSender",
    "LogSmsSender",
    "RateLimited",
    "SmtpEmailSender",
    "TokenClaims",
    "TwilioSmsSender",
    "Unauthorized",
    "UserPublic",
    "VerificationSent",
    "VerifiedEmail",
    "authenticate",
    "bearer_token",
    "change_password",
    "decode_token",
    "delete_account",
    "get_email_sender",
    "get_profile",
    "get_redis",
    "get_sms_sender",
    "issue_token",
    "log_in_with_password",
    "log_in_with_phone_code",
    "log_out",
    "normalize_email",
    "normalize_phone",
    "password_problems",
    "register",
    "request_password_reset",
    "require_permission",
    "require_role",
    "resend_verification",
    "resend_wait",
    "reset_password",
    "send_phone_code",
    "send_verification",
    "update_profile",
    "verify_email",
]
