"""Application settings, read from the environment (``MARQUE_*``) and ``.env``.

Reflex's own settings (``REFLEX_DB_URL``, ``REFLEX_REDIS_URL``, ...) are read by ``rxconfig.py``;
the database and Redis URLs are mirrored here so services never import Reflex to find them.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
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
    free_shipping_over: Decimal = Decimal("75.00")
    demo_seed: int = 20261121
    seed_demo: bool = True

    @field_validator("env")
    @classmethod
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("MARQUE_ENV must be development, test or production")
        return value

    def check_secret(self) -> None:
        """Refuse the placeholder secret anywhere but development and test."""
        if self.env == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError(
                "MARQUE_SECRET_KEY is the placeholder; set a long random value in production"
            )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
