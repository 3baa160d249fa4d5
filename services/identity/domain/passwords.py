"""Passwords: how they are hashed, checked, and which ones are refused.

Hashing is Argon2id (RFC 9106) through argon2-cffi, tuned for identity's 2-core servers:
``time_cost=3`` passes over ``memory_cost=64 MiB`` with ``parallelism=2`` lanes, a 16-byte
random salt and a 32-byte tag. One hash or verification costs about 0.1 s of one core and
64 MiB of memory; a login burst is bounded by the gunicorn workers, not by this module. When
these parameters change, ``needs_rehash`` tells the login path to re-hash at the next success.

Passwords are normalised to Unicode NFKC before hashing and before the length check (NIST SP
800-63B §5.1.1.2): Vietnamese keyboards (Telex, VNI) may send "ệ" precomposed or as "e" plus
combining marks, and both must be the same password.

The policy follows NIST SP 800-63B: length matters, composition rules do not. A password must
be 12 to 128 characters, must not contain the username, must not be one character repeated,
and must not be on a list of commonly used passwords (English and Vietnamese ones). It is
deliberately NOT required to mix character classes (upper, lower, digit, symbol): such rules
make passwords harder to remember without making them much harder to guess (800-63B
§5.1.1.2: "Verifiers SHOULD NOT impose other composition rules").
"""

from __future__ import annotations

import contextlib
import secrets
import unicodedata
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3  # passes over memory
MEMORY_COST_KIB = 64 * 1024  # 64 MiB
PARALLELISM = 2  # lanes: the servers have 2 cores
HASH_LENGTH = 32
SALT_LENGTH = 16

HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LENGTH,
    salt_len=SALT_LENGTH,
    type=Type.ID,
)

MIN_LENGTH = 12
MAX_LENGTH = 128

# Commonly used passwords of 12+ characters (shorter ones fail the length rule anyway),
# compared case-insensitively. Not exhaustive: a breach corpus check can be added later.
COMMON_PASSWORDS = frozenset(
    {
        # English and keyboard patterns
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "1234567890qwerty",
        "000000000000",
        "111111111111",
        "123123123123",
        "147258369000",
        "987654321000",
        "password1234",
        "password12345",
        "password123456",
        "passw0rd1234",
        "p@ssw0rd1234",
        "p@ssword1234",
        "password@123",
        "password!123",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwerty123456",
        "qwertyuiopasdf",
        "1qaz2wsx3edc",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5y6",
        "asdfghjkl123",
        "zxcvbnm12345",
        "abc123456789",
        "abcd12345678",
        "abcdef123456",
        "admin1234567",
        "admin@123456",
        "administrator",
        "administrator1",
        "welcome12345",
        "welcome@1234",
        "iloveyou1234",
        "letmein12345",
        "changeme1234",
        "trustno12345",
        "football1234",
        "baseball1234",
        "superman1234",
        "sunshine1234",
        "princess1234",
        # Vietnamese
        "matkhau123456",
        "matkhau12345",
        "matkhau@123456",
        "matkhau@1234",
        "matkhaumoi123",
        "matkhaucuatoi",
        "matkhaucuaban",
        "123456matkhau",
        "anhyeuem1234",
        "anhyeuem123456",
        "emyeuanh1234",
        "emyeuanh123456",
        "toiyeuvietnam",
        "vietnam123456",
        "vietnam@1234",
        "vietnamvodich",
        "hanoi1234567",
        "hanoi@123456",
        "saigon123456",
        "hochiminh1234",
        "xinchao12345",
        "xinchao123456",
        "123456abcdef",
        "tuphap123456",
        "tuphap@12345",
        "botuphap1234",
        "botuphap@123",
        "thidua123456",
        "thidua@12345",
        "khenthuong123",
        "thiduakhenthuong",
        "sotuphap1234",
        "thihanhan123",
        "quantri123456",
        "quantrivien123",
        "nguoidung1234",
    }
)


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` in PHC format (``$argon2id$v=19$m=65536,t=3,p=2$…``)."""
    return HASHER.hash(_normalise(password))


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``.

    With no hash (an unknown user, a user without a password) a dummy hash of the same cost is
    verified anyway, so the answer takes as long as for a real account: response times do not
    tell which usernames exist. A malformed stored hash counts as no match.
    """
    candidate = _normalise(password)
    if password_hash is None:
        with contextlib.suppress(VerificationError):
            HASHER.verify(_dummy_hash(HASHER), candidate)
        return False
    try:
        return HASHER.verify(password_hash, candidate)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str | None) -> bool:
    """True when the hash was made with other parameters (or is not an Argon2 hash at all)."""
    if not password_hash:
        return False
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def policy_violations(password: str, username: str) -> list[tuple[str, str]]:
    """Why ``password`` is refused for ``username``, as (Vietnamese, English) messages.

    An empty list means it is acceptable.
    """
    normalised = _normalise(password)
    folded = normalised.casefold()
    problems: list[tuple[str, str]] = []
    if len(normalised) < MIN_LENGTH:
        problems.append(
            (
                f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.",
                f"The password must be at least {MIN_LENGTH} characters long.",
            )
        )
    if len(normalised) > MAX_LENGTH:
        problems.append(
            (
                f"Mật khẩu không được dài quá {MAX_LENGTH} ký tự.",
                f"The password must be at most {MAX_LENGTH} characters long.",
            )
        )
    name = username.strip().casefold()
    if name and name in folded:
        problems.append(
            (
                "Mật khẩu không được chứa tên đăng nhập.",
                "The password must not contain the username.",
            )
        )
    if normalised and len(set(normalised)) == 1:
        problems.append(
            (
                "Mật khẩu không được chỉ gồm một ký tự lặp lại.",
                "The password must not be a single repeated character.",
            )
        )
    if folded in COMMON_PASSWORDS:
        problems.append(
            (
                "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.",
                "This password is too common and easily guessed; choose another.",
            )
        )
    return problems
