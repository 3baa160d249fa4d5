"""Passwords: Argon2id hashes with the declared parameters, and the NIST-style policy."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher

from services.identity.domain import passwords
from services.identity.domain.passwords import policy_violations

GOOD = "cây đa giếng nước sân đình"


def test_hashes_are_argon2id_with_the_declared_parameters() -> None:
    hashed = passwords.hash_password(GOOD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=2$")
    assert (passwords.TIME_COST, passwords.MEMORY_COST_KIB, passwords.PARALLELISM) == (3, 65536, 2)
    assert passwords.hash_password(GOOD) != hashed  # salted
    assert passwords.verify_password(hashed, GOOD)
    assert not passwords.verify_password(hashed, GOOD + " ")
    assert not passwords.needs_rehash(hashed)


def test_verify_without_a_hash_or_with_a_broken_one_is_false() -> None:
    assert passwords.verify_password(None, GOOD) is False
    assert passwords.verify_password("", GOOD) is False
    assert passwords.verify_password("$argon2id$garbage", GOOD) is False
    assert passwords.verify_password("plain-text-from-somewhere", GOOD) is False


def test_unknown_user_costs_a_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no hash a dummy hash of the same cost is verified: timing reveals nothing."""
    calls: list[str] = []
    real = passwords.HASHER

    class Spy(PasswordHasher):
        def verify(self, hash, password):  # type: ignore[no-untyped-def]
            calls.append(hash)
            return real.verify(hash, password)

    spy = Spy(time_cost=3, memory_cost=65536, parallelism=2)
    monkeypatch.setattr(passwords, "HASHER", spy)
    assert passwords.verify_password(None, GOOD) is False
    [dummy] = calls
    assert dummy.startswith("$argon2id$v=19$m=65536,t=3,p=2$")


def test_vietnamese_passwords_match_whatever_the_unicode_form() -> None:
    composed = unicodedata.normalize("NFC", GOOD)
    decomposed = unicodedata.normalize("NFD", GOOD)
    assert composed != decomposed
    assert passwords.verify_password(passwords.hash_password(composed), decomposed)


def test_rehash_is_needed_for_other_parameters_or_foreign_hashes() -> None:
    weaker = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD)
    assert passwords.needs_rehash(weaker)
    assert passwords.verify_password(weaker, GOOD)  # still verifies until re-hashed
    assert passwords.needs_rehash("$2b$12$notargon")
    assert not passwords.needs_rehash(None)


def test_a_good_password_passes() -> None:
    assert policy_violations(GOOD, "nguyen.van.an") == []
    # No composition rules (NIST SP 800-63B): lowercase letters and spaces only are fine.
    assert policy_violations("correct horse battery staple", "an") == []


def _english(password: str, username: str = "nguyen.van.an") -> list[str]:
    return [en for _, en in policy_violations(password, username)]


def test_length_is_12_to_128_characters() -> None:
    assert _english("a1b2c3d4e5f") == ["The password must be at least 12 characters long."]
    assert _english("a1b2c3d4e5f6") == []
    assert _english("xy" * 64) == []
    assert _english("xy" * 64 + "z") == ["The password must be at most 128 characters long."]
    # Characters, not bytes: 12 Vietnamese letters are enough.
    assert _english("ệễếềểộỗốồổữự"[:12]) == []


def test_the_username_may_not_be_in_it() -> None:
    assert _english("my-Nguyen.Van.An-pass") == ["The password must not contain the username."]


def test_one_repeated_character_is_refused() -> None:
    assert _english("aaaaaaaaaaaaaaa") == ["The password must not be a single repeated character."]


@pytest.mark.parametrize(
    "common", ["matkhau123456", "MatKhau123456", "Password1234", "qwerty123456"]
)
def test_common_passwords_are_refused(common: str) -> None:
    assert _english(common) == ["This password is too common and easily guessed; choose another."]


def test_messages_come_in_vietnamese_and_english() -> None:
    [(vi, en)] = policy_violations("ngắn", "an")
    assert vi == "Mật khẩu phải có ít nhất 12 ký tự."
    assert en == "The password must be at least 12 characters long."
    assert len(policy_violations("aaaa", "aaa")) == 3  # short, contains the username, repeated
