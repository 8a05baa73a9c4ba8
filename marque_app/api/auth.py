"""The auth REST API under ``/api/v1/auth``: phone code, e-mail and password, profile, log out.

Every endpoint calls one service of ``marque_app.services.auth``; errors come back as
``{"detail": "...", "field": "..."}`` with 401 (+ ``WWW-Authenticate: Bearer``), 403, 409, 422
or 429 (+ ``Retry-After``). A code is never part of any response.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marque_app.domain.auth import InvalidInput
from marque_app.services import auth
from marque_app.services.auth.ratelimit import check_login
from marque_app.services.auth.senders import DeliveryError, EmailSender, SmsSender

from .deps import ClientDep, CurrentUser, LimiterDep, RedisDep, SessionDep
from .schemas import ErrorOut as ErrorResponse
from .schemas import IsoDate, RequestModel

log = logging.getLogger("marque.api.auth")

# --- schemas ------------------------------------------------------------------------------------


class SendCodeRequest(RequestModel):
    phone: str = Field(min_length=1, max_length=32, examples=["+1 202 555 0143"])


class SendCodeResponse(BaseModel):
    message: str
    phone: str = Field(description="The number in E.164, as the code was sent to it")
    expires_in: int = Field(description="Seconds the code stays valid")
    resend_in: int = Field(description="Seconds until a new code may be asked for")


class VerifyCodeRequest(RequestModel):
    phone: str = Field(min_length=1, max_length=32, examples=["+1 202 555 0143"])
    code: str = Field(min_length=1, max_length=16, examples=["123456"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    user: auth.UserPublic


class RegisterRequest(RequestModel):
    email: str = Field(min_length=1, max_length=255, examples=["sam@example.com"])
    password: str = Field(min_length=1, max_length=256, description="8+ characters, a number and a special character")
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)


class LoginRequest(RequestModel):
    email: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=256)


class ForgotPasswordRequest(RequestModel):
    email: str = Field(min_length=1, max_length=255)


class ResetPasswordRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=256)


class ChangePasswordRequest(RequestModel):
    current_password: str | None = Field(None, max_length=256, description="Not needed while the account has none")
    new_password: str = Field(min_length=1, max_length=256)


class UpdateProfileRequest(RequestModel):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=255)
    date_of_birth: IsoDate | None = None


class MessageResponse(BaseModel):
    message: str


class VerifyEmailRequest(RequestModel):
    token: str = Field(min_length=1, max_length=200)


class VerificationSentResponse(BaseModel):
    message: str
    expires_in: int = Field(description="Seconds the link stays valid")
    resend_in: int = Field(description="Seconds until another link may be asked for")


def _errors(*codes: int) -> dict:
    return {code: {"model": ErrorResponse} for code in codes}


# --- collaborators (overridable in tests with app.dependency_overrides) -------------------------


def get_sms() -> SmsSender:
    return auth.get_sms_sender()


def get_mailer() -> EmailSender:
    return auth.get_email_sender()


SmsDep = Annotated[SmsSender, Depends(get_sms)]
MailerDep = Annotated[EmailSender, Depends(get_mailer)]


def _unavailable(what: str, err: DeliveryError) -> JSONResponse:
    log.error("could not send the %s: %s", what, err)
    return JSONResponse({"detail": f"We could not send the {what} just now; try again in a minute"}, status_code=503)


def _phone_key(raw: str) -> str:
    try:
        return auth.normalize_phone(raw)
    except InvalidInput:
        return raw.strip()


def _email_key(raw: str) -> str:
    return raw.strip().lower()


# --- endpoints ----------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/verify/send",
    response_model=SendCodeResponse,
    responses=_errors(422, 429, 503),
    summary="Text a 6-digit log-in code to a phone number",
)
def verify_send(
    body: SendCodeRequest, session: SessionDep, redis: RedisDep, sms: SmsDep, limiter: LimiterDep, client: ClientDep
):
    check_login(limiter, scope="code", identifier=_phone_key(body.phone), client=client)
    try:
        sent = auth.send_phone_code(session=session, phone=body.phone, sms=sms, redis=redis)
    except DeliveryError as err:
        return _unavailable("SMS", err)
    return SendCodeResponse(
        message=f"We sent a code to {sent.phone}",
        phone=sent.phone,
        expires_in=sent.expires_in,
        resend_in=sent.resend_in,
    )


@router.post(
    "/verify/code",
    response_model=TokenResponse,
    responses=_errors(401, 422, 429),
    summary="Log in with the code (the first log-in of a new number creates the account)",
)
def verify_code(body: VerifyCodeRequest, session: SessionDep, redis: RedisDep, limiter: LimiterDep, client: ClientDep):
    check_login(limiter, scope="login", identifier=_phone_key(body.phone), client=client)
    result = auth.log_in_with_phone_code(session=session, phone=body.phone, code=body.code, redis=redis, client=client)
    return result.to_response()


@router.post(
    "/register",
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
    responses=_errors(409, 422, 429),
    summary="Create an account with e-mail and password",
)
def register(body: RegisterRequest, session: SessionDep, limiter: LimiterDep, client: ClientDep, mailer: MailerDep):
    check_login(limiter, scope="register", identifier=_email_key(body.email), client=client)
    result = auth.register(
        session=session,
        email=body.email,
        password=body.password,
        first_name=body.first_name,
        last_name=body.last_name,
        mailer=mailer,
    )
    return result.to_response()


@router.post(
    "/login", response_model=TokenResponse, responses=_errors(401, 429), summary="Log in with e-mail and password"
)
def login(body: LoginRequest, session: SessionDep, limiter: LimiterDep, client: ClientDep):
    check_login(limiter, scope="login", identifier=_email_key(body.email), client=client)
    return auth.log_in_with_password(
        session=session, email=body.email, password=body.password, client=client
    ).to_response()


@router.post(
    "/forgot-password",
    response_model=MessageResponse,
    responses=_errors(422, 429, 503),
    summary="E-mail a password-reset link (the same answer whether or not the account exists)",
)
def forgot_password(
    body: ForgotPasswordRequest, session: SessionDep, mailer: MailerDep, limiter: LimiterDep, client: ClientDep
):
    check_login(limiter, scope="reset", identifier=_email_key(body.email), client=client)
    try:
        auth.request_password_reset(session=session, email=body.email, mailer=mailer)
    except DeliveryError as err:
        return _unavailable("e-mail", err)
    return MessageResponse(message="If an account uses this e-mail, we sent it a link to reset the password")


@router.post(
    "/reset-password",
    response_model=MessageResponse,
    responses=_errors(401, 422, 429),
    summary="Choose a new password with the e-mailed token (single use)",
)
def reset_password(body: ResetPasswordRequest, session: SessionDep, limiter: LimiterDep, client: ClientDep):
    check_login(limiter, scope="reset", identifier="", client=client)
    auth.reset_password(session=session, token=body.token, new_password=body.new_password)
    return MessageResponse(message="Your password was changed; log in with the new one")


@router.get("/me", response_model=auth.UserPublic, responses=_errors(401), summary="The logged-in account")
def me(user: CurrentUser):
    return user.user


@router.put(
    "/profile",
    response_model=auth.UserPublic,
    responses=_errors(401, 409, 422),
    summary="Change names, e-mail or date of birth",
)
def update_profile(body: UpdateProfileRequest, user: CurrentUser, session: SessionDep, mailer: MailerDep):
    changes = body.model_dump(exclude_unset=True)
    return auth.update_profile(session=session, user_id=user.id, mailer=mailer, **changes)


@router.post(
    "/verify-email/resend",
    response_model=VerificationSentResponse,
    responses=_errors(401, 409, 422, 429, 503),
    summary="E-mail a new verification link to the account's address (limited)",
    description=(
        "One link per MARQUE_EMAIL_VERIFICATION_RESEND_SECONDS and MARQUE_RATE_LIMIT_VERIFY_EMAIL per "
        "account; a new link replaces the previous one. 409 when the address is verified already."
    ),
)
def resend_verification(user: CurrentUser, session: SessionDep, mailer: MailerDep, limiter: LimiterDep):
    try:
        sent = auth.resend_verification(session=session, user_id=user.id, mailer=mailer, limiter=limiter)
    except DeliveryError as err:
        return _unavailable("e-mail", err)
    return VerificationSentResponse(
        message=f"We sent a verification link to {sent.email}",
        expires_in=sent.expires_in,
        resend_in=sent.resend_in,
    )


@router.post(
    "/verify-email",
    response_model=MessageResponse,
    responses=_errors(401, 422, 429),
    summary="Verify the account's e-mail address with the e-mailed token (single use, expires)",
)
def verify_email(body: VerifyEmailRequest, session: SessionDep, limiter: LimiterDep, client: ClientDep):
    verified = auth.verify_email(session=session, token=body.token, limiter=limiter, client=client)
    return MessageResponse(message=f"Thank you: {verified.email} is verified")


@router.post(
    "/change-password",
    response_model=TokenResponse,
    responses=_errors(401, 422),
    summary="Change the password (or set a first one for a phone-only account)",
    description="Every other session of the account ends; the answer carries a fresh token for this one.",
)
def change_password(body: ChangePasswordRequest, user: CurrentUser, session: SessionDep):
    result = auth.change_password(
        session=session, user_id=user.id, current_password=body.current_password, new_password=body.new_password
    )
    return result.to_response()


@router.post(
    "/logout",
    response_model=MessageResponse,
    responses=_errors(401),
    summary="Log out: this token is refused from now on",
)
def logout(user: CurrentUser, session: SessionDep, redis: RedisDep):
    auth.log_out(session=session, claims=user.claims, redis=redis)
    return MessageResponse(message="Logged out")


@router.delete(
    "/delete-account",
    response_model=MessageResponse,
    responses=_errors(401),
    summary="Delete the account and its personal data; orders are kept anonymised",
)
def delete_account(user: CurrentUser, session: SessionDep, redis: RedisDep):
    auth.delete_account(session=session, user_id=user.id, claims=user.claims, redis=redis)
    return MessageResponse(message="Your account was deleted")
