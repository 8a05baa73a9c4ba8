"""Sending SMS and e-mail behind two small interfaces, chosen by settings.

``MARQUE_SMS_PROVIDER``: ``log`` (default: one log line ``SMS to <E.164>: <text>`` on the
``marque.sms`` logger) or ``twilio`` (Twilio's REST API over httpx). ``MARQUE_EMAIL_PROVIDER``:
``log`` (default, the ``marque.email`` logger) or ``smtp`` (smtplib). Tests use the capturing
senders.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import httpx

from marque_app.settings import Settings, get_settings

sms_log = logging.getLogger("marque.sms")
email_log = logging.getLogger("marque.email")


class DeliveryError(RuntimeError):
    """The provider refused or could not be reached; the message says which and why."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to the E.164 number ``phone``; raise :class:`DeliveryError` on failure."""


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Send a plain-text e-mail; raise :class:`DeliveryError` on failure."""


# --- SMS ----------------------------------------------------------------------------------------


class LogSmsSender:
    """Development sender: exactly one log line, ``SMS to +15555550123: Your Marque code is ...``."""

    def send(self, phone: str, text: str) -> None:
        sms_log.warning("SMS to %s: %s", phone, text.replace("\n", " "))


@dataclass
class CapturingSmsSender:
    """Keeps every message in ``sent`` as ``(phone, text)`` (tests)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self, phone: str | None = None) -> str:
        """The digits of the last message (to ``phone`` when given)."""
        for to, text in reversed(self.sent):
            if phone is None or to == phone:
                return "".join(ch for ch in text.split(" is ", 1)[1].split(".")[0] if ch.isdigit())
        raise LookupError(f"no SMS was sent to {phone or 'anyone'}")


class TwilioSmsSender:
    """Twilio's Messages REST API (``POST /2010-04-01/Accounts/<sid>/Messages.json``)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not (account_sid and auth_token and from_number):
            raise ValueError(
                "MARQUE_SMS_PROVIDER=twilio needs MARQUE_TWILIO_ACCOUNT_SID, "
                "MARQUE_TWILIO_AUTH_TOKEN and MARQUE_TWILIO_FROM_NUMBER"
            )
        self.account_sid, self.from_number = account_sid, from_number
        self.client = client or httpx.Client(base_url=base_url, timeout=timeout)
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        self.base_url = base_url.rstrip("/")

    def send(self, phone: str, text: str) -> None:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = self.client.post(url, data={"To": phone, "From": self.from_number, "Body": text}, auth=self.auth)
        except httpx.HTTPError as err:
            raise DeliveryError(f"Twilio could not be reached: {err}") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("message", "")
            except ValueError:
                detail = response.text[:200]
            raise DeliveryError(f"Twilio refused the SMS ({response.status_code}): {detail}")


# --- e-mail -------------------------------------------------------------------------------------


class LogEmailSender:
    """Development sender: the e-mail is written to the ``marque.email`` log."""

    def send(self, to: str, subject: str, body: str) -> None:
        email_log.warning("E-mail to %s: %s | %s", to, subject, body.replace("\n", " "))


@dataclass
class CapturingEmailSender:
    """Keeps every e-mail in ``sent`` as ``(to, subject, body)`` (tests)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class SmtpEmailSender:
    """Plain-text e-mail through an SMTP server (STARTTLS and log-in when configured)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid(domain="marque")
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as err:
            raise DeliveryError(f"the SMTP server {self.host}:{self.port} did not take the e-mail: {err}") from None


# --- chosen by settings -------------------------------------------------------------------------


def get_sms_sender(settings: Settings | None = None) -> SmsSender:
    """The SMS sender of ``MARQUE_SMS_PROVIDER`` (``log`` or ``twilio``)."""
    s = settings or get_settings()
    if s.sms_provider == "twilio":
        return TwilioSmsSender(
            account_sid=s.twilio_account_sid,
            auth_token=s.twilio_auth_token,
            from_number=s.twilio_from_number,
            base_url=s.twilio_api_base,
        )
    s.check_senders("sms")  # a code never goes to the log in production, even if start-up was skipped
    return LogSmsSender()


def get_email_sender(settings: Settings | None = None) -> EmailSender:
    """The e-mail sender of ``MARQUE_EMAIL_PROVIDER`` (``log`` or ``smtp``)."""
    s = settings or get_settings()
    if s.email_provider == "smtp":
        return SmtpEmailSender(
            host=s.smtp_host,
            port=s.smtp_port,
            sender=s.email_from,
            username=s.smtp_username,
            password=s.smtp_password,
            starttls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
    s.check_senders("email")
    return LogEmailSender()
