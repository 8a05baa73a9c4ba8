"""Application settings, read from the environment (``MARQUE_*``) and ``.env``.

Reflex's own settings (``REFLEX_DB_URL``, ``REFLEX_REDIS_URL``, ...) are read by ``rxconfig.py``;
the database and Redis URLs are mirrored here so services never import Reflex to find them.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "change-me-in-production"


def default_db_url() -> str:
    """The database URL: ``REFLEX_DB_URL`` when set, else a SQLite file in the project."""
    return os.environ.get("REFLEX_DB_URL") or f"sqlite:///{PROJECT_ROOT / 'marque.db'}"


class Settings(BaseSettings):
    """Marque's own settings. Every field is documented in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_prefix="MARQUE_",
        # Test runs never read the developer's .env.
        env_file=None if os.environ.get("MARQUE_ENV") == "test" else PROJECT_ROOT / ".env",
        extra="ignore",
    )

    env: str = Field("development", description="development, test or production")
    port: int = 3000
    secret_key: str = PLACEHOLDER_SECRET
    db_url: str = Field(default_factory=default_db_url)
    redis_url: str | None = Field(default_factory=lambda: os.environ.get("REFLEX_REDIS_URL") or None)
    currency: str = "USD"
    tax_rate: Decimal = Decimal("0.0800")
    shipping_flat: Decimal = Decimal("5.99")
    shipping_express: Decimal = Field(Decimal("14.99"), ge=0)  # MARQUE_SHIPPING_EXPRESS
    free_shipping_over: Decimal = Decimal("75.00")
    # How long after placing it a shopper (or the admin) may change an order's items while it
    # is pending or processing (services/order_changes.py); 0 turns changing items off.
    order_modify_window_minutes: int = Field(120, ge=0)
    demo_seed: int = 20261121
    seed_demo: bool = True
    # ~90 days of demo orders, returns, reviews and analytics events with the demo store.
    # Empty: on in development (make run), off when MARQUE_ENV=test (tests want a clean store).
    demo_history: bool | None = None
    # Catalog cache in Redis (only when a Redis URL is set): the seed's TTLs, in seconds.
    cache_products_ttl: int = Field(3600, ge=1)
    cache_categories_ttl: int = Field(21600, ge=1)

    # --- log-in (marque_app/services/auth) ---
    # 24 hours: the seed's session life. The token sits in the browser's local storage, so it
    # is kept short; logging out revokes it at once.
    jwt_ttl_seconds: int = Field(86400, ge=60)
    otp_length: int = Field(6, ge=4, le=10)
    otp_ttl_seconds: int = Field(300, ge=30)
    otp_max_attempts: int = Field(5, ge=1)
    otp_resend_seconds: int = Field(60, ge=0)
    password_reset_ttl_seconds: int = Field(3600, ge=60)
    # E-mail verification links (services/auth/verification.py): valid this long; a new link at
    # most once per resend interval, and MARQUE_RATE_LIMIT_VERIFY_EMAIL per account.
    email_verification_ttl_seconds: int = Field(86400, ge=60)
    email_verification_resend_seconds: int = Field(60, ge=0)
    phone_region: str = "US"  # numbers typed without +country code are read as this region's
    redis_prefix: str = "marque:"  # keys of codes, revoked tokens and rate limits in Redis
    sms_provider: str = "log"  # log | twilio
    # Production refuses the log senders (codes and reset links would land in the server log)
    # unless this is set, for a staging box whose log only its operators read.
    allow_log_senders: bool = False
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    email_provider: str = "log"  # log | smtp
    email_from: str = "Marque <no-reply@marque.test>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = 10.0
    # The site's address as shoppers type it: links in e-mails (password reset), HSTS when it is
    # https, and the default allowed origin below. Empty: http://localhost:<MARQUE_PORT>.
    public_url: str = ""
    # Origins (scheme://host[:port], comma-separated) allowed to call the API and open the
    # websocket /_event from a browser with credentials: Reflex's CORSMiddleware and socket.io
    # both get this list (rxconfig.py). Empty: the public URL's origin. Production refuses `*`.
    cors_origins: str = ""
    # Names this process in an ``X-Marque-Instance`` header on every answer (and on the
    # websocket's handshake) when several instances serve one store behind a load balancer;
    # empty: no header. Letters, digits, '.', '_' and '-' only.
    instance_id: str = Field("", pattern=r"^[A-Za-z0-9._-]{0,64}$")
    # Reverse proxies in front of the instances (nginx: 1) whose X-Forwarded-For entries are
    # trusted for the client's address (rate limits, log-in budgets, the activity log); 0 (no
    # proxy) ignores the header, which a client could otherwise forge. domain/network.py.
    trusted_proxy_hops: int = Field(0, ge=0, le=8)
    # Rate limits, in the `limits` library's notation ("5/15minutes", "100 per 15 minutes").
    rate_limit_login: str = "5/15minutes"  # per phone or e-mail from one address, and per address
    rate_limit_api: str = "100/15minutes"  # the whole API, per client address
    rate_limit_cart: str = "50/5minutes"  # cart and wishlist changes through the API, per user
    rate_limit_checkout: str = "10/hour"  # placing an order (API and page), per user or guest address
    rate_limit_verify_email: str = "5/hour"  # verification e-mails asked again, per account
    rate_limit_enabled: bool = True
    # Failed log-ins per account from all addresses together (password and phone code apart):
    # past the budget each failure pauses that log-in for 30 s, 60 s, 120 s, ... up to 15 min.
    login_failure_budget: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(3600, ge=60)
    login_backoff_seconds: int = Field(30, ge=1)
    login_backoff_max_seconds: int = Field(900, ge=1)

    # --- analytics (marque_app/services/analytics.py) ---
    # Shopper events (page and product views, searches, cart adds, checkouts, purchases) are kept
    # in memory and written in batches every few seconds; DNT / Sec-GPC requests are never kept.
    analytics_enabled: bool = True
    analytics_flush_seconds: float = Field(5.0, gt=0)
    # Back-in-stock alerts: a restock marks them due; a task sends the due ones this often.
    stock_alert_flush_seconds: float = Field(30.0, gt=0)
    analytics_buffer_max: int = Field(50_000, ge=100)  # past this the oldest unwritten events go
    analytics_retention_days: int = Field(395, ge=1)  # pruned by housekeeping

    # --- operations ---
    # Seconds a SIGTERM'd instance drains (events and requests in flight finish, websockets are
    # closed cleanly) before it stops anyway (api/shutdown.py); keep the supervisor's kill later.
    shutdown_timeout: float = Field(20.0, ge=0)
    # Where `cli backup` writes its archives (a folder on another disk or a mounted bucket).
    backup_dir: str = "backups"
    # A read-only streaming replica for catalog, search and listing reads (services/replica.py).
    database_read_url: str | None = None
    database_read_max_lag_seconds: float = Field(5.0, ge=0)
    database_read_check_seconds: float = Field(3.0, ge=0)

    # --- payments (marque_app/services/payments) ---
    payment_providers: str = "cod"  # enabled providers, comma-separated: cod, stripe, paypal
    stripe_secret_key: str = ""  # sk_test_... / sk_live_...
    stripe_webhook_secret: str = ""  # whsec_...: verifies Stripe-Signature on the webhook
    stripe_api_base: str = "https://api.stripe.com"  # tests point this at a local fake
    # PayPal (Orders v2): offered when listed in payment_providers and the client id and secret
    # are set; the webhook id (from PayPal's developer dashboard) lets the webhook be verified.
    paypal_client_id: str = ""
    paypal_secret: str = ""
    paypal_api_base: str = "https://api-m.paypal.com"  # sandbox: https://api-m.sandbox.paypal.com
    paypal_webhook_id: str = ""
    # A staging box on Stripe's test keys or PayPal's sandbox (production refuses them otherwise).
    allow_test_payments: bool = False

    @field_validator("env")
    @classmethod
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("MARQUE_ENV must be development, test or production")
        return value

    @field_validator("database_read_url")
    @classmethod
    def _replica_url(cls, value: str | None) -> str | None:
        if value and not value.startswith("postgresql"):
            raise ValueError(
                "MARQUE_DATABASE_READ_URL must be a PostgreSQL replica's URL "
                "(postgresql+psycopg://user@host:5432/db), or empty"
            )
        return value or None

    @field_validator("sms_provider")
    @classmethod
    def _known_sms(cls, value: str) -> str:
        if value not in {"log", "twilio"}:
            raise ValueError("MARQUE_SMS_PROVIDER must be log or twilio")
        return value

    @field_validator("email_provider")
    @classmethod
    def _known_email(cls, value: str) -> str:
        if value not in {"log", "smtp"}:
            raise ValueError("MARQUE_EMAIL_PROVIDER must be log or smtp")
        return value

    @field_validator(
        "rate_limit_login", "rate_limit_api", "rate_limit_cart", "rate_limit_checkout", "rate_limit_verify_email"
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as '5/15minutes'") from None
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        origins = []
        for origin in _split(value):
            parts = urlsplit(origin)
            if origin != "*" and (
                parts.scheme not in {"http", "https"} or not parts.netloc or parts.path or parts.query or parts.fragment
            ):
                raise ValueError(
                    f"MARQUE_CORS_ORIGINS: {origin!r} is not an origin such as "
                    "https://shop.example.com (scheme, host and port only, no path or slash)"
                )
            origins.append(origin if origin == "*" else _origin(origin))
        return ",".join(origins)

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        return self

    def wants_demo_history(self) -> bool:
        """Whether the demo store comes with its history (``MARQUE_DEMO_HISTORY``, else not in tests)."""
        return self.env != "test" if self.demo_history is None else self.demo_history

    def site_origins(self) -> list[str]:
        """The public URL's origin; a loopback one (the development default) with its other
        spelling too (``localhost`` and ``127.0.0.1``, same port), so either address works."""
        origin = _origin(self.public_url)
        for one, other in (("://localhost:", "://127.0.0.1:"), ("://127.0.0.1:", "://localhost:")):
            if one in origin:
                return [origin, origin.replace(one, other)]
        return [origin]

    def allowed_origins(self) -> list[str]:
        """The origins of ``MARQUE_CORS_ORIGINS``, else :meth:`site_origins`."""
        return _split(self.cors_origins) or self.site_origins()

    def check_cors(self) -> None:
        """Refuse ``*`` (any site may call the API as the shopper) outside development and test."""
        if self.env not in {"development", "test"} and "*" in _split(self.cors_origins):
            raise ValueError(
                "MARQUE_CORS_ORIGINS=* lets any website use a shopper's session; list the store's "
                "origins (https://shop.example.com) or leave it empty for MARQUE_PUBLIC_URL's"
            )

    def check_secret(self) -> None:
        """Refuse the placeholder (or an empty) secret outside development and test."""
        if self.env not in {"development", "test"} and self.secret_key in {PLACEHOLDER_SECRET, ""}:
            raise ValueError("MARQUE_SECRET_KEY is the placeholder; set a long random value in production")

    def check_senders(self, *kinds: str) -> None:
        """Refuse the ``log`` SMS or e-mail sender in production (unless explicitly allowed).

        A log sender writes log-in codes and password-reset links into the server log, where
        anyone who reads the log can log in as anyone. ``kinds``: "sms", "email" (default both).
        """
        kinds = kinds or ("sms", "email")
        if self.env != "production" or self.allow_log_senders:
            return
        if "sms" in kinds and self.sms_provider == "log":
            raise ValueError(
                "MARQUE_SMS_PROVIDER is log: log-in codes would be written to the server log; set "
                "MARQUE_SMS_PROVIDER=twilio in production (MARQUE_ALLOW_LOG_SENDERS=true for a staging box)"
            )
        if "email" in kinds and self.email_provider == "log":
            raise ValueError(
                "MARQUE_EMAIL_PROVIDER is log: password-reset links would be written to the server log; "
                "set MARQUE_EMAIL_PROVIDER=smtp in production (MARQUE_ALLOW_LOG_SENDERS=true for a "
                "staging box)"
            )

    def check_payments(self) -> None:
        """Refuse, in production, payments that would take no real money or could be forged:
        Stripe's test key, PayPal's sandbox (or a plain-http API), a provider without the
        secret its webhook is verified with (unless ``MARQUE_ALLOW_TEST_PAYMENTS`` for staging)."""
        if self.env != "production" or self.allow_test_payments:
            return
        providers = set(_split(self.payment_providers))
        if "stripe" in providers:
            if self.stripe_secret_key.startswith(("sk_test_", "rk_test_")):
                raise ValueError(
                    "MARQUE_STRIPE_SECRET_KEY is a test key: no card would be charged; set the live key "
                    "in production (MARQUE_ALLOW_TEST_PAYMENTS=true for a staging box)"
                )
            if not self.stripe_webhook_secret:
                raise ValueError(
                    "MARQUE_STRIPE_WEBHOOK_SECRET is empty: Stripe's payment events could not be verified; "
                    "set the endpoint's whsec_ secret"
                )
        if "paypal" in providers and self.paypal_client_id:
            base = urlsplit(self.paypal_api_base)
            if base.scheme != "https" or "sandbox" in base.netloc:
                raise ValueError(
                    f"MARQUE_PAYPAL_API_BASE is {self.paypal_api_base}: PayPal's sandbox takes no money; set "
                    "https://api-m.paypal.com in production (MARQUE_ALLOW_TEST_PAYMENTS=true for a staging box)"
                )
            if not self.paypal_webhook_id:
                raise ValueError(
                    "MARQUE_PAYPAL_WEBHOOK_ID is empty: PayPal's payment events could not be verified; "
                    "set the webhook's id from PayPal's dashboard"
                )

    def check_production(self) -> None:
        """Every setting production refuses: the placeholder secret, the log senders, test payments."""
        self.check_secret()
        self.check_senders()
        self.check_payments()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-case, the port only when given."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
