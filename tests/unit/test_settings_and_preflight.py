"""Settings validation and the start-up checks, without a server."""

from __future__ import annotations

import socket

import pytest

from marque_app.services import preflight
from marque_app.settings import PLACEHOLDER_SECRET, Settings


def test_placeholder_secret_is_refused_in_production():
    with pytest.raises(ValueError, match="MARQUE_SECRET_KEY"):
        Settings(env="production", secret_key=PLACEHOLDER_SECRET).check_secret()
    Settings(env="production", secret_key="x" * 48).check_secret()
    Settings(env="development").check_secret()


def test_log_senders_are_refused_in_production_unless_allowed():
    secret = "x" * 48
    with pytest.raises(ValueError, match=r"MARQUE_SMS_PROVIDER is log.*MARQUE_ALLOW_LOG_SENDERS"):
        Settings(env="production", secret_key=secret).check_production()
    with pytest.raises(ValueError, match=r"MARQUE_EMAIL_PROVIDER is log.*MARQUE_ALLOW_LOG_SENDERS"):
        Settings(env="production", secret_key=secret, sms_provider="twilio").check_production()
    with pytest.raises(ValueError, match="MARQUE_SECRET_KEY"):  # the secret is checked first
        Settings(
            env="production", secret_key=PLACEHOLDER_SECRET, sms_provider="twilio", email_provider="smtp"
        ).check_production()
    Settings(env="production", secret_key=secret, sms_provider="twilio", email_provider="smtp").check_production()
    Settings(env="production", secret_key=secret, allow_log_senders=True).check_production()
    Settings(env="development").check_production()
    Settings(env="test").check_production()


_LIVE = {"env": "production", "secret_key": "x" * 48, "sms_provider": "twilio", "email_provider": "smtp"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"payment_providers": "cod,stripe", "stripe_secret_key": "sk_test_1", "stripe_webhook_secret": "w"},
            "test key",
        ),
        ({"payment_providers": "stripe", "stripe_secret_key": "sk_live_1"}, "MARQUE_STRIPE_WEBHOOK_SECRET is empty"),
        (
            {
                "payment_providers": "paypal",
                "paypal_client_id": "id",
                "paypal_api_base": "https://api-m.sandbox.paypal.com",
                "paypal_webhook_id": "WH",
            },
            "sandbox",
        ),
        (
            {"payment_providers": "paypal", "paypal_client_id": "id", "paypal_api_base": "http://127.0.0.1:9"},
            "MARQUE_PAYPAL_API_BASE",
        ),
        ({"payment_providers": "paypal", "paypal_client_id": "id"}, "MARQUE_PAYPAL_WEBHOOK_ID is empty"),
    ],
)
def test_test_payments_are_refused_in_production_unless_allowed(settings, message):
    with pytest.raises(ValueError, match=message):
        Settings(**_LIVE, **settings).check_production()
    Settings(**_LIVE, **settings, allow_test_payments=True).check_production()  # a staging box
    Settings(**{**_LIVE, "env": "test"}, **settings).check_production()


def test_live_payments_pass_in_production():
    Settings(
        **_LIVE,
        payment_providers="cod,stripe,paypal",
        stripe_secret_key="sk_live_1",
        stripe_webhook_secret="whsec_1",
        paypal_client_id="id",
        paypal_webhook_id="WH",
    ).check_production()
    Settings(**_LIVE, payment_providers="cod").check_production()


def test_log_senders_are_not_built_in_production(monkeypatch):
    from marque_app.services.auth import senders

    prod = Settings(env="production", secret_key="x" * 48)
    with pytest.raises(ValueError, match="MARQUE_SMS_PROVIDER"):
        senders.get_sms_sender(prod)
    with pytest.raises(ValueError, match="MARQUE_EMAIL_PROVIDER"):
        senders.get_email_sender(prod)
    staging = Settings(env="production", secret_key="x" * 48, allow_log_senders=True)
    assert isinstance(senders.get_sms_sender(staging), senders.LogSmsSender)
    assert isinstance(senders.get_email_sender(staging), senders.LogEmailSender)


def test_unknown_environment_is_refused():
    with pytest.raises(ValueError, match="MARQUE_ENV"):
        Settings(env="staging")


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MARQUE_PORT", "3111")
    monkeypatch.setenv("REFLEX_DB_URL", "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("MARQUE_TAX_RATE", "0.2")
    settings = Settings()
    assert settings.port == 3111
    assert settings.db_url == "sqlite:////tmp/elsewhere.db"
    assert str(settings.tax_rate) == "0.2"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://root@localhost/x", "sqlite and postgresql"),
        ("sqlite://", "in-memory"),
        ("sqlite:////no/such/folder/marque.db", "folder /no/such/folder does not exist"),
    ],
)
def test_bad_database_urls_give_one_clear_line(url, message):
    with pytest.raises(preflight.StartupError, match=message) as err:
        preflight.check_database(url)
    assert "\n" not in str(err.value)
    assert "REFLEX_DB_URL" in str(err.value)


def test_unreachable_postgres_names_the_setting_and_hides_the_password():
    with pytest.raises(preflight.StartupError) as err:
        preflight.check_database("postgresql+psycopg://bob:s3cret@127.0.0.1:1/shop")
    text = str(err.value)
    assert "cannot connect" in text and "REFLEX_DB_URL" in text
    assert "s3cret" not in text


def test_sqlite_file_that_can_be_written_passes(tmp_path):
    preflight.check_database(f"sqlite:///{tmp_path}/ok.db")


def test_unreachable_and_malformed_redis():
    with pytest.raises(preflight.StartupError, match="cannot reach Redis"):
        preflight.check_redis("redis://127.0.0.1:1/0")
    with pytest.raises(preflight.StartupError, match="not a Redis URL"):
        preflight.check_redis("http://example")
    preflight.check_redis(None)


def test_port_in_use_is_reported():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(preflight.StartupError, match=f"port {port} is already in use"):
            preflight.check_port(port)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MARQUE_ENV": "production"}, "MARQUE_SECRET_KEY"),
        ({"MARQUE_ENV": "production", "MARQUE_SECRET_KEY": "x" * 48}, "MARQUE_SMS_PROVIDER is log"),
        (
            {"MARQUE_ENV": "production", "MARQUE_SECRET_KEY": "x" * 48, "MARQUE_SMS_PROVIDER": "twilio"},
            "MARQUE_EMAIL_PROVIDER is log",
        ),
    ],
)
def test_reflex_itself_refuses_to_start_production_with_a_log_sender(env, expected):
    """``reflex run`` reads rxconfig first: it stops with one line, before anything is served."""
    import os
    import subprocess
    import sys

    from marque_app.settings import PROJECT_ROOT

    full = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "MARQUE_"))}
    full.update(env)
    result = subprocess.run(
        [sys.executable, "-c", "import rxconfig"],
        cwd=PROJECT_ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr
    ok = {**full, "MARQUE_SECRET_KEY": "x" * 48, "MARQUE_ALLOW_LOG_SENDERS": "true"}
    assert (
        subprocess.run(
            [sys.executable, "-c", "import rxconfig"],
            cwd=PROJECT_ROOT,
            env=ok,
            capture_output=True,
            text=True,
            timeout=60,
        ).returncode
        == 0
    )


def test_express_shipping_costs_what_marque_shipping_express_says(monkeypatch):
    from decimal import Decimal

    from marque_app.services.checkout import list_shipping_methods

    monkeypatch.setenv("MARQUE_SHIPPING_EXPRESS", "9.50")
    costs = {m.code: m.cost for m in list_shipping_methods(settings=Settings())}
    assert costs == {"standard": Decimal("5.99"), "express": Decimal("9.50")}
    monkeypatch.delenv("MARQUE_SHIPPING_EXPRESS")
    assert {m.code: m.cost for m in list_shipping_methods(settings=Settings())}["express"] == Decimal("14.99")
    with pytest.raises(ValueError, match="shipping_express"):
        Settings(shipping_express=Decimal("-1"))
