"""When a service's figures turn amber or red on the supervisors' wallboard.

    services.<name>.wallboard:
      service_level: {amber: 0.85, red: 0.80}   # under these (fractions 0-1)
      waiting: {amber: 3, red: 10}              # calls in the queue, more than these
      longest_wait_seconds: {amber: 20, red: 60}  # default: over T, over 3 T
      abandon_rate: {amber: 0.05, red: 0.10}    # abandoned after S / (offered - short)
      asa_seconds: {amber: 20, red: 40}         # default: over T, over 2 T
      aht_seconds: {amber: 300, red: 600}       # default: never coloured

Every figure has a default, so a service without ``wallboard:`` is coloured sensibly; a
threshold left out (or ``null``) never colours. The service level is coloured when it is
*under* a threshold, every other figure when it is *over* one; amber must come before red.
AHT has no default: a long handle time is not in itself a problem (a difficult case takes
time), so a center colours it only where it has a norm.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from acd.config.base import Strict


class Band(Strict):
    """A figure's amber and red thresholds (None: that colour never)."""

    amber: Annotated[float, Field(ge=0)] | None = None
    red: Annotated[float, Field(ge=0)] | None = None


def _lower_is_worse(band: Band) -> Band:
    if band.amber is not None and band.red is not None and band.red > band.amber:
        raise ValueError(f"red ({band.red}) must not be above amber ({band.amber}): "
                         "this figure is worse when lower")  # fmt: skip
    return band


def _higher_is_worse(band: Band | None) -> Band | None:
    if band is None or band.amber is None or band.red is None or band.red >= band.amber:
        return band
    raise ValueError(f"red ({band.red}) must not be under amber ({band.amber}): "
                     "this figure is worse when higher")  # fmt: skip


def _fraction(band: Band) -> Band:
    for value in (band.amber, band.red):
        if value is not None and value > 1:
            raise ValueError(f"a fraction from 0 to 1 (0.8 for 80 %), got {value}")
    return band


class WallboardLimits(Strict):
    """A service's colours on the wallboard (docs/wallboard.md)."""

    service_level: Band = Field(default_factory=lambda: Band(amber=0.85, red=0.80))
    waiting: Band = Field(default_factory=lambda: Band(amber=3, red=10))
    longest_wait_seconds: Band | None = None  # None: over the service's T, over 3 T
    abandon_rate: Band = Field(default_factory=lambda: Band(amber=0.05, red=0.10))
    asa_seconds: Band | None = None  # None: over the service's T, over 2 T
    aht_seconds: Band = Field(default_factory=Band)

    @field_validator("service_level")
    @classmethod
    def _level(cls, band: Band) -> Band:
        return _lower_is_worse(_fraction(band))

    @field_validator("abandon_rate")
    @classmethod
    def _rate(cls, band: Band) -> Band:
        return _fraction(band)

    @field_validator("waiting", "longest_wait_seconds", "abandon_rate", "asa_seconds",
                     "aht_seconds")  # fmt: skip
    @classmethod
    def _over(cls, band: Band | None) -> Band | None:
        return _higher_is_worse(band)
