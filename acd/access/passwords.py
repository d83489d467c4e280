"""Passwords: argon2id hashes (argon2-cffi), a rehash when the parameters change, a policy.

The hash carries its own parameters, so raising them later only needs ``needs_rehash``: the
next successful login stores a new hash. Verifying costs about 50 ms on purpose (memory-hard
against guessing offline); the web's login throttling is what limits guessing online.

Errors::

    WeakPassword    the policy refuses it (the message says why)
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


class WeakPassword(ValueError):
    pass


def check_policy(password: str, user_name: str) -> None:
    """Long enough, not the user name, no line breaks (it came from one terminal line)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if user_name.lower() in password.lower():
        raise WeakPassword("a password may not contain the user name")
    if "\n" in password or "\r" in password:
        raise WeakPassword("a password is one line")


def hash_password(password: str, hasher: PasswordHasher = _HASHER) -> str:
    return hasher.hash(password)


def verify(stored: str, password: str, hasher: PasswordHasher = _HASHER) -> bool:
    """Whether ``password`` matches ``stored`` (a malformed hash never matches)."""
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, hasher: PasswordHasher = _HASHER) -> bool:
    return hasher.check_needs_rehash(stored)
