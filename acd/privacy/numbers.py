"""A citizen's number: as a person types it (checked), as the store keeps it after its
retention (a keyed pseudonym), and as a supervisor sees it on the wallboard (masked).

The pseudonym is HMAC-SHA-256 of the number under a secret key kept in the data directory
(``privacy.key``, 0600, made at first use): the same number always gives the same pseudonym,
so repeat callers can still be counted, but without the key nobody can go back from the
pseudonym to the number by trying every number (there are few enough to try them all, which
is why a plain hash would not do). Losing the key only stops new pseudonyms matching old
ones; a copy of the database without the key tells nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from acd.config.kiosk_model import KIOSK_ORIGIN

KEY_FILE = "privacy.key"
PSEUDONYM = "p:"  # a number past its retention: p: and its keyed hash
ERASED = "x:"  # a number its citizen asked to erase: x: and a random value
_SEPARATORS = re.compile(r"[\s().\-/]")
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


class InvalidNumber(ValueError):
    """What a person typed is not a phone number."""


def citizen_number(text: str) -> str:
    """The number ``text`` means (spaces, dots, dashes, brackets dropped), or InvalidNumber."""
    number = _SEPARATORS.sub("", text.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _NUMBER.match(number):
        raise InvalidNumber(f"{text!r} is not a phone number (3 to 20 digits, an optional +)")
    return number


def is_in_clear(number: str) -> bool:
    return not (number.startswith(PSEUDONYM) or number.startswith(ERASED))


def is_device(origin: str) -> bool:
    """A district totem's call (``kiosk:ID``): a device of the center, no citizen's number,
    so shown, kept and reported as it is (docs/kiosk.md)."""
    return origin.startswith(KIOSK_ORIGIN)


class Pseudonyms:
    """The keyed hash of numbers (see the module docstring)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the pseudonym key must be at least 32 bytes")
        self._key = key

    @classmethod
    def of_data_dir(cls, data_dir: Path) -> Pseudonyms:
        return cls(load_key(data_dir / KEY_FILE))

    def of(self, number: str) -> str:
        return PSEUDONYM + self.digest(number)[:32]  # 128 bits: no two numbers collide

    def digest(self, text: str) -> str:
        """The keyed hash of any text holding a number (a request's body, to compare it
        with a retry's): equal texts, equal digests; the text never comes back out."""
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


def erased_marker() -> str:
    """What an erased number becomes: random, so nothing links it to the citizen."""
    return ERASED + secrets.token_hex(8)


def load_key(path: Path) -> bytes:
    """The key in ``path``, made (32 random bytes, 0600) if there is none yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_bytes(32))
    return path.read_bytes()


def masked(number: str) -> str:
    """``+39 059 *** **67``-like: the first four and last two characters, stars between;
    a totem's origin as it is (the live page names the kiosk)."""
    if is_device(number):
        return number
    if not is_in_clear(number) or len(number) <= 6:
        return "*" * len(number) if is_in_clear(number) else "***"
    return number[:4] + "*" * (len(number) - 6) + number[-2:]
