"""Contacts by district totem (kiosk): how many calls each kiosk made in a period, how many
an agent answered, how many turned voice, how long visitors waited and talked.

A kiosk's contact is a contact whose caller is ``kiosk:ID`` (``acd.kiosk_entry``): the store
reads those (``acd.store.reports.ReportStore.kiosk_contacts``), this module counts them,
purely. A kiosk that made no call in the period is listed with zeros, so a totem out of
order shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KioskContact:
    kiosk_id: str
    outcome: str
    answered: bool
    wait_seconds: float | None
    talk_seconds: float | None


@dataclass(frozen=True, slots=True)
class KioskFigures:
    kiosk_id: str
    place: str
    contacts: int
    answered: int
    abandoned: int  # the visitor hung up while waiting
    average_wait: float | None  # of the answered ones, seconds
    talk_seconds: float

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.contacts if self.contacts else None


def kiosk_figures(
    contacts: Iterable[KioskContact], places: Mapping[str, str]
) -> list[KioskFigures]:
    """One row per kiosk of ``places`` (id -> place, the configuration's order), then any
    kiosk the configuration no longer has but the contacts name."""
    mine: dict[str, list[KioskContact]] = {kiosk: [] for kiosk in places}
    for contact in contacts:
        mine.setdefault(contact.kiosk_id, []).append(contact)
    return [_figures(kiosk, places.get(kiosk, ""), calls) for kiosk, calls in mine.items()]


def _figures(kiosk: str, place: str, calls: list[KioskContact]) -> KioskFigures:
    answered = [c for c in calls if c.answered]
    waits = [c.wait_seconds for c in answered if c.wait_seconds is not None]
    return KioskFigures(
        kiosk_id=kiosk,
        place=place,
        contacts=len(calls),
        answered=len(answered),
        abandoned=sum(1 for c in calls if c.outcome == "abandoned"),
        average_wait=sum(waits) / len(waits) if waits else None,
        talk_seconds=sum(c.talk_seconds or 0 for c in answered),
    )
