"""The service-level definitions of metrics.md on a handful of hand-made contacts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reports.service_level import Definition, Rule, Tally, figures, occupancy


@dataclass(frozen=True)
class Done:
    service: str
    wait: float
    outcome: str
    talk: float = 60.0


CALLS = [
    Done("urp", 5, "answered"),
    Done("urp", 15, "answered"),
    Done("urp", 40, "answered"),  # answered late
    Done("urp", 3, "abandoned"),  # short abandon (S = 5) and early (T = 20)
    Done("urp", 30, "abandoned"),  # long abandon
    Done("urp", 10, "overflow"),
]


def test_each_definition_counts_what_metrics_md_says() -> None:
    got = figures(CALLS, short=5, target=lambda service: 20)
    assert (got["offered"], got["answered"], got["abandoned"]) == (6, 3, 2)
    assert got["short_abandons"] == 1
    assert got["service_level"] == pytest.approx(2 / 3)  # answered only (Asterisk SL)
    assert got["service_level_incl_abandons"] == pytest.approx(2 / 4)  # + long abandons
    assert got["service_level_incl_early"] == pytest.approx(3 / 5)  # Asterisk SL2
    assert got["asa_seconds"] == pytest.approx(20)
    assert got["abandon_rate"] == pytest.approx(2 / 6)
    assert got["abandon_rate_excl_short"] == pytest.approx(1 / 5)
    assert got["other_outcomes"] == {"overflow": 1}
    # left the queue within T: 2 answered, 1 abandoned, of the 6 that queued (Amazon Connect)
    assert got["service_level_queue_removal"] == pytest.approx(3 / 6)
    assert got["answered_within"] == 2


@pytest.mark.parametrize(
    ("definition", "expected"),
    [(Definition.ANSWERED_ONLY, 2 / 3), (Definition.WITH_ABANDONS, 2 / 4),
     (Definition.WITH_EARLY_ABANDONS, 3 / 5), (Definition.QUEUE_REMOVAL, 3 / 6)],
)  # fmt: skip
def test_a_rule_reads_the_service_level_of_its_definition(
    definition: Definition, expected: float
) -> None:
    rule = Rule(20, 5, definition)
    assert rule.service_level(figures(CALLS, 5, lambda _: 20)) == pytest.approx(expected)


def test_occupancy_is_handling_over_handling_and_ready() -> None:
    seconds = {"ringing": 10, "on_call": 80, "wrap_up": 10, "ready": 100, "paused": 500}
    assert occupancy(seconds) == pytest.approx(100 / 200)  # a pause is neither
    assert occupancy({"paused": 60}) is None


def test_no_calls_give_no_ratios() -> None:
    got = figures([], short=5, target=lambda service: 20)
    assert got["service_level"] is None
    assert got["asa_seconds"] is None


def test_the_running_tally_agrees_with_the_figures() -> None:
    tally = Tally()
    for call in CALLS:
        tally.add(call.outcome, call.wait, short=5, target=20)
    got = figures(CALLS, short=5, target=lambda service: 20)
    assert (tally.offered, tally.answered, tally.abandoned) == (6, 3, 2)
    assert tally.service_level() == got["service_level"]
    assert tally.service_level_incl_abandons() == got["service_level_incl_abandons"]
    assert tally.service_level_incl_early() == got["service_level_incl_early"]
    assert Tally().service_level() is None


def test_each_chosen_definition_is_one_of_the_tallys_ratios() -> None:
    tally = Tally()
    for call in CALLS:
        tally.add(call.outcome, call.wait, short=5, target=20, talk=call.talk)
    assert tally.level(Definition.ANSWERED_ONLY) == pytest.approx(2 / 3)
    assert tally.level(Definition.WITH_ABANDONS) == pytest.approx(2 / 4)
    assert tally.level(Definition.WITH_EARLY_ABANDONS) == pytest.approx(3 / 5)
    assert tally.level(Definition.QUEUE_REMOVAL) == pytest.approx(3 / 6)  # left within T
    got = figures(CALLS, short=5, target=lambda service: 20)
    assert got["service_level_queue_removal"] == tally.level(Definition.QUEUE_REMOVAL)
    assert all(Tally().level(d) is None for d in Definition)


def test_asa_and_aht_are_per_answered_contact_with_the_wrap_up_after_it() -> None:
    tally = Tally()
    for call in CALLS:
        tally.add(call.outcome, call.wait, short=5, target=20, talk=call.talk)
    assert tally.asa_seconds() == pytest.approx(20)  # (5 + 15 + 40) / 3
    assert tally.aht_seconds() == pytest.approx(60)  # the abandons' talk is not counted
    tally.wrap_up += 30
    assert tally.aht_seconds() == pytest.approx(70)
    assert tally.abandon_rate_excl_short() == pytest.approx(1 / 5)
    assert Tally().asa_seconds() is None
    assert Tally().aht_seconds() is None
