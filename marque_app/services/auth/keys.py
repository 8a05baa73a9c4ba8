"""Shared plumbing of the auth services: derived secrets, the Redis client and its key names."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from marque_app.settings import Settings, get_settings


def derived_key(purpose: str, *, settings: Settings | None = None) -> bytes:
    """A 32-byte key for one ``purpose`` ("jwt", "otp", "reset") derived from the secret key.

    Each use gets its own key, so a hash of a code can never be replayed as a signature.
    """
    settings = settings or get_settings()
    return hmac.new(settings.secret_key.encode(), f"marque:{purpose}:v1".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, message: str, *, settings: Settings | None = None) -> str:
    """HMAC-SHA256 of ``message`` under the ``purpose`` key, as 64 hex characters."""
    return hmac.new(derived_key(purpose, settings=settings), message.encode(), hashlib.sha256).hexdigest()


def redis_key(*parts: str, settings: Settings | None = None) -> str:
    """A Redis key under the configured prefix (``MARQUE_REDIS_PREFIX``): ``marque:otp:+1555...``."""
    return (settings or get_settings()).redis_prefix + ":".join(parts)


@lru_cache(maxsize=4)
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5)


def get_redis(settings: Settings | None = None):
    """The Redis client for ``REFLEX_REDIS_URL`` (responses decoded to str), or None without it."""
    url = (settings or get_settings()).redis_url
    return _client(url) if url else None
