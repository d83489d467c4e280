"""Password policy and argon2id hashes (no database)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from acd.access.passwords import WeakPassword, check_policy, hash_password, needs_rehash, verify

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # older, weaker parameters


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-one", "at least 12"),
        ("xx-mario.rossi-xx", "user name"),
        ("twelve chars\nx", "one line"),
    ],
)
def test_the_policy_says_why_it_refuses(password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why):
        check_policy(password, "mario.rossi")


def test_a_good_password_passes_the_policy() -> None:
    check_policy("correct horse battery", "mario.rossi")


def test_a_hash_is_argon2id_and_verifies_only_its_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify(stored, "correct horse battery")
    assert not verify(stored, "correct horse batterY")
    assert not verify("not a hash", "correct horse battery")


def test_a_hash_with_older_parameters_needs_a_rehash() -> None:
    assert needs_rehash(hash_password("correct horse battery", CHEAP))
    assert not needs_rehash(hash_password("correct horse battery"))
