from marque_app.services.passwords import hash_password, verify_password


def test_hash_is_salted_and_verifies():
    first, second = hash_password("Secret#123"), hash_password("Secret#123")
    assert first != second and "Secret#123" not in first
    assert first.startswith("$argon2id$")
    assert verify_password(first, "Secret#123")
    assert not verify_password(first, "secret#123")
    assert not verify_password(None, "Secret#123")
    assert not verify_password("not-a-hash", "Secret#123")
