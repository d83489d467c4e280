"""How long the center keeps a citizen's personal data, and who sees numbers in full.

    privacy:
      recordings_days: 30          # voice messages' audio files, then deleted
      numbers_in_clear_days: 90    # callers' numbers, then replaced by a keyed hash
      ivr_digits_days: 30          # what callers keyed in the IVR (act numbers ...), deleted
      history_days: 730            # the contact event log and agents' notes, then deleted
      audit_days: 1825             # the audit trail of who read or changed personal data
      purge_at: "03:30"            # the daily purge, in the center's time
      batch: 500                   # rows per purge transaction (a short lock each)
      full_numbers_for: [admin]    # roles that see callers' numbers unmasked on the wallboard

Every value has a default (docs/privacy.md says why each). The contacts themselves stay,
their numbers pseudonymised, so the reports' counts never change with a purge. A number
must stay in clear as long as the engine may still need to dial it or recognise it
(``acd.config.privacy_checks``): a shorter retention is refused at load.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from acd.config.base import Strict

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Privacy(Strict):
    recordings_days: int = Field(30, ge=1, le=3650)
    numbers_in_clear_days: int = Field(90, ge=1, le=3650)
    ivr_digits_days: int = Field(30, ge=1, le=3650)
    history_days: int = Field(730, ge=1, le=3650)
    audit_days: int = Field(1825, ge=30, le=3650)
    purge_at: str = "03:30"
    batch: int = Field(500, ge=10, le=10_000)
    full_numbers_for: tuple[Literal["supervisor", "admin"], ...] = ("admin",)

    @field_validator("purge_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"purge_at must look like '03:30', got {value!r}")
        return value
