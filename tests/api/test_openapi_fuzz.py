"""Schemathesis over every operation of the OpenAPI document, as a guest, a customer and an admin.

Each operation gets a bounded number of generated requests (the document's examples, then
random ones, valid and invalid) with a fixed seed, so a run is the same run every time; each
request is sent by all three callers. Every answer must be no server error and must agree with
the document: a status it lists, the body, content type and headers it describes, a 405 whose
``Allow`` lists the path's methods, a refused invalid request, no ignored token. The API runs on
its own scratch database (the admin creates and deletes things the other tests would see).

Schemathesis's coverage phase (every boundary value of every schema) is left out: it takes
about twice as long on this 2-core machine. Run it by hand with ``MARQUE_FUZZ_COVERAGE=1``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from marque_app.api import create_api
from marque_app.models import User, UserRole
from marque_app.services import migrations
from marque_app.services.auth.tokens import issue_token
from marque_app.services.db import make_engine
from marque_app.settings import get_settings
from tests import paypal_fake, stripe_fake
from tests.cartutil import make_product
from tests.dbutil import scratch_database

SEED = 20261201
MAX_EXAMPLES = 10  # random requests per operation (each sent by the three callers), after the examples
COVERAGE = os.environ.get("MARQUE_FUZZ_COVERAGE") == "1"
# These end the token they are called with: the call gets a fresh account of its own.
SESSION_ENDING = {"/api/v1/auth/logout", "/api/v1/auth/delete-account", "/api/v1/auth/change-password"}


def _config(*, coverage: bool) -> schemathesis.config.SchemathesisConfig:
    return schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "deterministic": True,
                "no-shrink": True,
                # no unknown query parameters: the API ignores them, and the document does not forbid them
                "allow-extra-parameters": False,
            },
            # A 422 for a well-formed value that a rule of domain/ refuses (a phone number that cannot
            # exist, a weak password, an unknown status) is documented; JSON Schema cannot hold them all.
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory):
    with scratch_database(tmp_path_factory.mktemp("fuzz")) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="module")
def fake_stripe():
    with stripe_fake.FakeStripe() as server:
        yield server


@pytest.fixture(scope="module")
def fake_paypal():
    with paypal_fake.FakePayPal() as server:
        yield server


@pytest.fixture(scope="module")
def fuzz_app(fuzz_engine, fake_stripe, fake_paypal) -> Iterator[TestClient]:
    url, engine = fuzz_engine
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REFLEX_DB_URL", url)
        mp.delenv("REFLEX_REDIS_URL", raising=False)
        # the limits are documented (429); here they must not hide the operations behind them
        mp.setenv("MARQUE_RATE_LIMIT_API", "100000/15minutes")
        mp.setenv("MARQUE_RATE_LIMIT_CART", "100000/5minutes")
        mp.setenv("MARQUE_STRIPE_WEBHOOK_SECRET", "whsec_fuzz")  # else the webhook is a 503 (not set up)
        # Stripe and PayPal set up against the local fakes: else saved cards and the PayPal
        # webhook are 503s (not set up), which the fuzzer counts as server errors
        mp.setenv("MARQUE_PAYMENT_PROVIDERS", "cod,stripe,paypal")
        mp.setenv("MARQUE_STRIPE_SECRET_KEY", stripe_fake.API_KEY)
        mp.setenv("MARQUE_STRIPE_API_BASE", fake_stripe.url)
        mp.setenv("MARQUE_PAYPAL_CLIENT_ID", paypal_fake.CLIENT_ID)
        mp.setenv("MARQUE_PAYPAL_SECRET", paypal_fake.SECRET)
        mp.setenv("MARQUE_PAYPAL_API_BASE", fake_paypal.url)
        mp.setenv("MARQUE_PAYPAL_WEBHOOK_ID", paypal_fake.WEBHOOK_ID)
        get_settings.cache_clear()
        with Session(engine, expire_on_commit=False) as session:
            make_product(session, stock=(3, 0))  # something to list, view and put in a cart
        with TestClient(create_api(engine=lambda: engine)) as client:
            yield client
        get_settings.cache_clear()


def _new_account(engine, role: UserRole) -> dict[str, str]:
    with Session(engine, expire_on_commit=False) as session:
        user = User(email=f"fuzz-{uuid.uuid4().hex[:10]}@example.com", role=role)
        session.add(user)
        session.commit()
    token = issue_token(user_id=user.id, role=user.role, email=user.email).access_token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def callers(fuzz_engine) -> dict[str, Callable[[str], dict[str, str]]]:
    """Each caller's headers for a path: none (a guest), a customer's token or an admin's."""
    _, engine = fuzz_engine

    def caller(role: UserRole) -> Callable[[str], dict[str, str]]:
        headers = _new_account(engine, role)
        return lambda path: _new_account(engine, role) if path in SESSION_ENDING else headers

    return {"guest": lambda _path: {}, "customer": caller(UserRole.customer), "admin": caller(UserRole.admin)}


def _load_schema(*, coverage: bool):
    """The document, read at collection from an app of its own (no database is touched)."""
    try:
        return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_api(), config=_config(coverage=coverage))
    finally:
        get_settings.cache_clear()


# Loaded at import, not from a fixture: schemathesis's lazy fixture loader does not run on pytest 9.
# The requests go to the fixture's app on the scratch database (``app=``).
schema = _load_schema(coverage=COVERAGE)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_what_the_document_says(case, fuzz_app, callers):
    """Each generated request is sent as a guest, as a customer and as an admin."""
    for who, headers in callers.items():
        try:
            case.call_and_validate(app=fuzz_app.app, headers=headers(case.path))
        except BaseException as err:
            err.add_note(f"sent as: {who}")
            raise
