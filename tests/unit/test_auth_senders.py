"""SMS and e-mail senders: the log line, Twilio over a mock transport, SMTP on a loopback server."""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qs

import httpx
import pytest
from aiosmtpd.controller import Controller

from marque_app.services.auth import senders
from marque_app.settings import Settings


def test_log_sender_writes_exactly_one_line(caplog):
    with caplog.at_level(logging.INFO, logger="marque.sms"):
        senders.LogSmsSender().send("+15555550123", "Your Marque code is 123456.\nBye")
    records = [r for r in caplog.records if r.name == "marque.sms"]
    assert len(records) == 1
    assert records[0].getMessage() == "SMS to +15555550123: Your Marque code is 123456. Bye"


def test_capturing_sender_reads_back_the_code():
    sms = senders.CapturingSmsSender()
    sms.send("+12025550143", "Your Marque code is 042042. It expires in 5 minutes.")
    assert sms.last_code("+12025550143") == "042042"
    with pytest.raises(LookupError):
        sms.last_code("+12025550100")


def _twilio(handler) -> senders.TwilioSmsSender:
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.twilio.test")
    return senders.TwilioSmsSender(
        account_sid="AC123",
        auth_token="tok",
        from_number="+15005550006",
        base_url="https://api.twilio.test",
        client=client,
    )


def test_twilio_posts_the_message_form():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM1", "status": "queued"})

    _twilio(handler).send("+12025550143", "Your Marque code is 123456")
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert parse_qs(request.content.decode()) == {
        "To": ["+12025550143"],
        "From": ["+15005550006"],
        "Body": ["Your Marque code is 123456"],
    }
    assert request.headers["authorization"] == httpx.BasicAuth("AC123", "tok")._auth_header


def test_twilio_error_becomes_a_delivery_error():
    def refuse(request):
        return httpx.Response(400, json={"code": 21211, "message": "The 'To' number is not valid."})

    with pytest.raises(senders.DeliveryError, match="not valid"):
        _twilio(refuse).send("+12025550143", "x")

    def down(request):
        raise httpx.ConnectError("connection refused")

    with pytest.raises(senders.DeliveryError, match="could not be reached"):
        _twilio(down).send("+12025550143", "x")


def test_twilio_needs_its_settings():
    with pytest.raises(ValueError, match="MARQUE_TWILIO_ACCOUNT_SID"):
        senders.get_sms_sender(Settings(env="test", sms_provider="twilio"))


def test_providers_are_chosen_by_settings():
    assert isinstance(senders.get_sms_sender(Settings(env="test")), senders.LogSmsSender)
    twilio = Settings(
        env="test",
        sms_provider="twilio",
        twilio_account_sid="AC1",
        twilio_auth_token="t",
        twilio_from_number="+15005550006",
    )
    assert isinstance(senders.get_sms_sender(twilio), senders.TwilioSmsSender)
    assert isinstance(senders.get_email_sender(Settings(env="test")), senders.LogEmailSender)
    smtp = senders.get_email_sender(Settings(env="test", email_provider="smtp", smtp_port=2525))
    assert isinstance(smtp, senders.SmtpEmailSender) and smtp.port == 2525
    with pytest.raises(ValueError):
        Settings(env="test", sms_provider="carrier-pigeon")


class _Sink:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, sink
    finally:
        controller.stop()


def test_smtp_sender_delivers_to_a_loopback_server(smtp_server):
    controller, sink = smtp_server
    sender = senders.SmtpEmailSender(
        host="127.0.0.1", port=controller.port, sender="Marque <no-reply@marque.test>", starttls=False
    )
    sender.send("sam@example.com", "Reset your Marque password", "Open https://x/reset?token=abc")
    (envelope,) = sink.messages
    assert envelope.mail_from == "no-reply@marque.test"
    assert envelope.rcpt_tos == ["sam@example.com"]
    text = envelope.content.decode()
    assert "Subject: Reset your Marque password" in text and "token=abc" in text


def test_smtp_sender_reports_an_unreachable_server():
    port = _free_port()  # nothing listens there
    sender = senders.SmtpEmailSender(host="127.0.0.1", port=port, sender="a@b.co", starttls=False, timeout=2)
    with pytest.raises(senders.DeliveryError, match=f"127.0.0.1:{port}"):
        sender.send("sam@example.com", "s", "b")
