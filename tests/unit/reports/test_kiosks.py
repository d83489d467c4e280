"""Contacts by district totem: counted per kiosk, the configuration's kiosks first (with
zeros when they made no call), then any other the contacts name."""

from __future__ import annotations

from reports.kiosks import KioskContact, kiosk_figures


def test_contacts_are_counted_by_kiosk_with_zeros_for_a_silent_one() -> None:
    contacts = [
        KioskContact("q1-centro", "answered", True, 20.0, 180.0),
        KioskContact("q1-centro", "answered", True, 40.0, 60.0),
        KioskContact("q1-centro", "abandoned", False, None, None),
        KioskContact("q9-old", "answered", True, 5.0, 30.0),
    ]
    places = {"q1-centro": "Quartiere 1", "q2-crocetta": "Quartiere 2"}
    q1, q2, old = kiosk_figures(contacts, places)
    assert (q1.kiosk_id, q1.place, q1.contacts, q1.answered, q1.abandoned) == (
        "q1-centro", "Quartiere 1", 3, 2, 1)  # fmt: skip
    assert (q1.average_wait, q1.talk_seconds, q1.answered_share) == (30.0, 240.0, 2 / 3)
    assert (q2.contacts, q2.average_wait, q2.answered_share) == (0, None, None)
    assert (old.kiosk_id, old.place, old.contacts) == ("q9-old", "", 1)
