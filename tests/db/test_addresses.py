"""Saved addresses (the account page's list) against a real database."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from marque_app.domain.auth import InvalidInput
from marque_app.models import Address, User
from marque_app.services.addresses import (
    AddressNotFound,
    delete_address,
    list_addresses,
    save_address,
    set_default_address,
)

HOME = {
    "first_name": "Sam",
    "last_name": "Lee",
    "address_line_1": "1 Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "us",
}


def _user(session) -> User:
    user = User(email=f"addr-{uuid.uuid4().hex[:8]}@example.com")
    session.add(user)
    session.flush()
    return user


def test_first_address_is_the_default_and_values_are_cleaned(session):
    user = _user(session)
    saved = save_address(session=session, user_id=user.id, data={**HOME, "city": "  Springfield "})
    assert saved.is_default and saved.city == "Springfield" and saved.country == "US"
    assert saved.company == "" and saved.type == "shipping"
    row = session.get(Address, uuid.UUID(saved.id))
    assert row.company is None and row.user_id == user.id


def test_default_moves_and_deleting_it_promotes_another(session):
    user = _user(session)
    first = save_address(session=session, user_id=user.id, data=HOME)
    second = save_address(session=session, user_id=user.id, data={**HOME, "city": "Chicago"})
    assert not second.is_default
    set_default_address(session=session, user_id=user.id, address_id=second.id)
    listed = list_addresses(session=session, user_id=user.id)
    assert [a.id for a in listed] == [second.id, first.id]
    assert [a.is_default for a in listed] == [True, False]
    delete_address(session=session, user_id=user.id, address_id=second.id)
    (left,) = list_addresses(session=session, user_id=user.id)
    assert left.id == first.id and left.is_default
    # a billing address has its own default
    billing = save_address(session=session, user_id=user.id, data={**HOME, "type": "billing"})
    assert billing.is_default
    defaults = session.exec(select(Address).where(Address.user_id == user.id, Address.is_default)).all()
    assert len(defaults) == 2


def test_edit_changes_only_own_address(session):
    user, other = _user(session), _user(session)
    mine = save_address(session=session, user_id=user.id, data=HOME)
    edited = save_address(
        session=session,
        user_id=user.id,
        address_id=mine.id,
        data={**HOME, "address_line_2": "Apt 4", "is_default": True},
    )
    assert edited.id == mine.id and edited.address_line_2 == "Apt 4"
    with pytest.raises(AddressNotFound):
        save_address(session=session, user_id=other.id, address_id=mine.id, data=HOME)
    with pytest.raises(AddressNotFound):
        delete_address(session=session, user_id=other.id, address_id=mine.id)
    with pytest.raises(AddressNotFound):
        set_default_address(session=session, user_id=user.id, address_id="not-a-uuid")
    assert list_addresses(session=session, user_id=other.id) == []
    assert session.get(Address, uuid.UUID(mine.id)).address_line_2 == "Apt 4"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"city": "  "}, "city"),
        ({"postal_code": "1" * 21}, "postal_code"),
        ({"country": "USA"}, "country"),
        ({"country": "1!"}, "country"),
        ({"type": "home"}, "type"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(session, change, field):
    user = _user(session)
    with pytest.raises(InvalidInput) as err:
        save_address(session=session, user_id=user.id, data={**HOME, **change})
    assert err.value.field == field and err.value.message
    assert list_addresses(session=session, user_id=user.id) == []
