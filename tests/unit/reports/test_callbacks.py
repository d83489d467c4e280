"""The callbacks' figures (``reports.callbacks``): requested, completed, failed by cause,
attempts, the time to completion and its percentiles, kept place against on the line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.core.callback import AttemptResult, CallbackOrigin, CallbackOutcome
from reports.callbacks import (
    ORIGINS,
    OUTCOMES,
    RESULTS,
    CallbackRow,
    callback_figures,
    callback_reports,
    nearest_rank,
)

AT = datetime(2025, 10, 28, 9, tzinfo=UTC)


def row(outcome: str | None, *results: str, minutes: float | None = None,
        service: str = "urp") -> CallbackRow:  # fmt: skip
    reached = AT + timedelta(minutes=minutes) if minutes is not None else None
    return CallbackRow(service, AT, outcome, results, reached)


def test_the_names_are_the_cores() -> None:
    assert set(OUTCOMES) == {o.value for o in CallbackOutcome}
    assert set(RESULTS) == {r.value for r in AttemptResult}
    assert tuple(o.value for o in CallbackOrigin) == ORIGINS


def test_only_the_callbacks_asked_for_in_the_queue_kept_a_place() -> None:
    rows = [CallbackRow("urp", AT, None, (), None, origin)
            for origin in ("queue", "queue", "ivr", "web", "agent")]  # fmt: skip
    figures = callback_figures(rows, on_the_line=6)
    assert figures.requested == 5
    assert figures.origins == {"queue": 2, "ivr": 1, "agent": 1, "web": 1}
    assert figures.kept_place == 2
    assert figures.kept_place_share == 0.25


def test_each_callback_counts_once_by_its_end_and_each_call_out_by_its_result() -> None:
    rows = [
        row("answered", "answered", minutes=10),
        row("answered", "busy", "no-answer", "answered", minutes=40),
        row("answered", "agent-left", "answered", minutes=20),
        row("callback-failed", "busy", "busy", "failed"),
        row("callback-message", "no-answer", "no-answer", "message"),
        row("callback-refused", "not-allowed"),
        row("callback-cancelled", "busy"),
        row(None, "no-answer"),  # pending: waits for its next attempt
        row(None),
    ]
    f = callback_figures(rows, on_the_line=27)
    assert (f.requested, f.completed, f.failed, f.cancelled, f.pending) == (9, 3, 3, 1, 2)
    assert f.outcomes == {"answered": 3, "callback-failed": 1, "callback-message": 1,
                          "callback-refused": 1, "callback-cancelled": 1}  # fmt: skip
    assert f.results == {"answered": 3, "no-answer": 4, "busy": 4, "failed": 1,
                         "not-allowed": 1, "agent-left": 1, "message": 1}  # fmt: skip
    assert f.attempts == 15
    assert (f.completed_attempts, f.attempts_per_completed) == (6, 2.0)
    assert f.mean_to_completion == pytest.approx(70 * 60 / 3)
    assert (f.p50_to_completion, f.p90_to_completion) == (20 * 60, 40 * 60)
    assert (f.kept_place, f.on_the_line) == (9, 27)
    assert f.kept_place_share == pytest.approx(9 / 36)


def test_nothing_to_count_is_none_not_zero() -> None:
    f = callback_figures([])
    assert (f.requested, f.attempts, f.failed) == (0, 0, 0)
    assert f.attempts_per_completed is None
    assert (f.mean_to_completion, f.p50_to_completion, f.p90_to_completion) == (None,) * 3
    assert f.kept_place_share is None
    assert list(f.outcomes) == list(OUTCOMES)  # every cause named, at 0
    assert set(f.outcomes.values()) == {0}


def test_an_unknown_name_still_counts_after_the_known_ones() -> None:
    f = callback_figures([row("callback-expired", "lost")])
    assert list(f.outcomes)[-1] == "callback-expired"
    assert f.failed == 1  # over, not answered, not cancelled
    assert f.results["lost"] == 1


def test_a_completed_callback_without_its_answered_attempt_has_no_time() -> None:
    f = callback_figures([row("answered", "answered"), row("answered", minutes=5)])
    assert (f.completed, f.mean_to_completion, f.p90_to_completion) == (2, 300, 300)


def test_the_nearest_rank_is_always_one_of_the_values() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert (nearest_rank(values, 0.5), nearest_rank(values, 0.9)) == (5.0, 9.0)
    assert nearest_rank([7.0], 0.9) == 7.0
    assert nearest_rank(values, 0.0) == 1.0
    assert nearest_rank([], 0.5) is None


def test_services_in_order_then_their_total_from_every_callback() -> None:
    rows = [row("answered", "answered", minutes=1), row("answered", "answered", minutes=3),
            row("answered", "answered", minutes=100, service="giovani"),
            row("answered", minutes=2, service="other")]  # fmt: skip
    urp, giovani, total = callback_reports(rows, ["urp", "giovani"], {"urp": 5, "giovani": 1})
    assert (urp.service, giovani.service, total.service) == ("urp", "giovani", "")
    assert (urp.figures.requested, giovani.figures.requested, total.figures.requested) == (2, 1, 3)
    assert total.figures.on_the_line == 6
    assert total.figures.p50_to_completion == 3 * 60  # of 1, 3, 100 minutes
    (only,) = callback_reports(rows, ["giovani"], {})
    assert (only.service, only.figures.on_the_line) == ("giovani", 0)


def after(seconds: int) -> datetime:
    return AT + timedelta(seconds=seconds)


OUTCOME = st.sampled_from([None, *OUTCOMES])
ROWS = st.lists(
    st.builds(
        CallbackRow,
        service=st.sampled_from(["urp", "giovani"]),
        requested_at=st.just(AT),
        outcome=OUTCOME,
        results=st.lists(st.sampled_from(RESULTS), max_size=5).map(tuple),
        reached_at=st.one_of(st.none(), st.integers(0, 10**6).map(after)),
    ),
    max_size=40,
)


@given(ROWS, st.integers(0, 100))
def test_every_callback_and_call_out_is_counted_once(rows: list[CallbackRow], live: int) -> None:
    f = callback_figures(rows, live)
    assert f.requested == len(rows) == f.completed + f.failed + f.cancelled + f.pending
    assert sum(f.outcomes.values()) == f.requested - f.pending
    assert f.attempts == sum(len(r.results) for r in rows) == sum(f.results.values())
    assert 0 <= f.completed_attempts <= f.attempts
    share = f.kept_place_share
    assert share is None or 0 <= share <= 1


@given(ROWS)
def test_the_percentiles_are_ordered_within_the_times(rows: list[CallbackRow]) -> None:
    f = callback_figures(rows)
    times = [(r.reached_at - r.requested_at).total_seconds() for r in rows
             if r.outcome == "answered" and r.reached_at is not None]  # fmt: skip
    if not times:
        assert (f.p50_to_completion, f.mean_to_completion) == (None, None)
        return
    p50, p90, mean = f.p50_to_completion, f.p90_to_completion, f.mean_to_completion
    assert p50 is not None
    assert p90 is not None
    assert mean is not None
    assert min(times) <= p50 <= p90 <= max(times)
    assert min(times) - 1e-6 <= mean <= max(times) + 1e-6
    assert sum(t <= p50 for t in times) * 2 >= len(times)  # at least half within the median
    assert sum(t <= p90 for t in times) * 10 >= 9 * len(times)
    assert sum(t < p90 for t in times) * 10 < 9 * len(times)  # the smallest such value


@given(ROWS)
def test_the_total_is_the_sum_of_the_services(rows: list[CallbackRow]) -> None:
    urp, giovani, total = callback_reports(rows, ["urp", "giovani"], {"urp": 2, "giovani": 3})
    for name in ("requested", "completed", "failed", "cancelled", "pending", "attempts",
                 "completed_attempts", "on_the_line"):  # fmt: skip
        parts = getattr(urp.figures, name) + getattr(giovani.figures, name)
        assert getattr(total.figures, name) == parts
