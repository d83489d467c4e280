"""Where a contact counts and as what (``reports.history.fate``), and the service figures
of an interval: a wait of exactly T, abandons of exactly S, AHT with the wrap-up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reports.history import Counted, QueuedContact, fate, service_figures
from reports.service_level import Definition, Rule

AT = datetime(2025, 10, 24, 7, tzinfo=UTC)


def contact(path: tuple[str, ...], outcome: str, answered_in: str | None = None,
            answered: bool | None = None) -> QueuedContact:  # fmt: skip
    was_answered = answered_in is not None if answered is None else answered
    return QueuedContact(AT, path, path[-1], outcome, was_answered, answered_in, 10)


@pytest.mark.parametrize(
    ("c", "expected"),
    [
        (contact(("urp",), "answered", "urp"), "answered"),
        (contact(("urp",), "abandoned"), "abandoned"),
        (contact(("urp",), "voicemail"), "voicemail"),
        (contact(("urp",), "overflow"), "overflowed"),  # to a message
        (contact(("urp",), "failed", "urp"), "failed"),  # answered, never bridged
        # overflowed to another service: whatever came of it there
        (contact(("urp", "demo"), "answered", "demo"), "overflowed"),
        (contact(("urp", "demo"), "abandoned"), "overflowed"),
        (contact(("urp", "demo"), "voicemail"), "overflowed"),
        # answered, then transferred: answered where it first queued, however it ended
        (contact(("urp", "demo"), "answered", "urp"), "answered"),
        (contact(("urp", "demo"), "abandoned", "urp"), "answered"),
        (contact(("urp", "demo"), "overflow", "urp"), "answered"),
        (contact(("urp", "urp"), "answered", "urp"), "answered"),  # back to its own queue
        # a row from before answered_in was recorded
        (contact(("urp",), "answered", None, answered=True), "answered"),
    ],
)
def test_each_contact_has_one_fate_in_the_service_it_first_reached(
    c: QueuedContact, expected: str
) -> None:
    assert c.first_service == "urp"
    assert fate(c) == expected


def test_a_wait_of_exactly_t_is_within_and_an_abandon_of_exactly_s_is_not_short() -> None:
    calls = [Counted("urp", 20, "answered", 100, 10), Counted("urp", 20.001, "answered", 200, 30),
             Counted("urp", 4.999, "abandoned", 0, 0), Counted("urp", 5, "abandoned", 0, 0),
             Counted("urp", 3, "overflowed", 0, 0), Counted("urp", 600, "voicemail", 0, 0),
             Counted("urp", 1, "failed", 0, 0)]  # fmt: skip
    f = service_figures(calls, Rule(20, 5))
    assert (f.offered, f.answered, f.answered_within) == (7, 2, 1)
    assert (f.abandoned, f.short_abandons, f.overflowed, f.voicemail, f.other) == (2, 1, 1, 1, 1)
    assert f.service_level == pytest.approx(1 / (2 + 1))
    assert f.aht_seconds == pytest.approx((100 + 10 + 200 + 30) / 2)
    assert f.longest_wait_seconds == 600
    assert service_figures(calls, Rule(20, 5, Definition.ANSWERED_ONLY)).service_level == 0.5


def test_an_empty_interval_has_counts_of_zero_and_no_ratios() -> None:
    f = service_figures([], Rule(20))
    assert (f.offered, f.service_level, f.asa_seconds, f.aht_seconds) == (0, None, None, None)
