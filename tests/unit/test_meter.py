"""The live meter: which saved contacts it counts, its histograms, the day it keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from acd.core.contact import Contact, Outcome
from acd.meter import WAIT_BUCKETS, Histogram, Meter, Thresholds

ROME = ZoneInfo("Europe/Rome")
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def queued(call_id: str, service: str = "urp", at: datetime = T0) -> Contact:
    return Contact(call_id, "3331234567", "0590000000", at).queued(service, ("1",), at)


def test_only_a_finished_contact_that_queued_is_counted_once() -> None:
    meter = Meter({"urp": Thresholds(20, 5)})
    contact = queued("k1")
    meter.contact_saved(Contact("k0", "333", "059", T0).left_ivr((), "self-service"))
    meter.contact_saved(contact)  # saved as it queues ...
    answered = contact.answered_by("a1", T0 + timedelta(seconds=12))
    meter.contact_saved(answered)  # ... and answers: not over yet
    ivr_only = Contact("k2", "333", "059", T0).ended(T0, "self-service")
    meter.contact_saved(ivr_only)  # no service: not offered to a queue
    meter.contact_saved(answered.ended(T0 + timedelta(seconds=90), "answered"))
    counts = meter.services["urp"]
    assert (counts.offered, counts.answered, counts.abandoned) == (1, 1, 0)
    assert counts.waits[Outcome.ANSWERED].total == 12
    assert meter.today(T0)["urp"].answered_within == 1


def test_short_abandons_by_the_services_threshold_and_other_outcomes() -> None:
    meter = Meter({"urp": Thresholds(20, 5), "info": Thresholds(30, 10)})
    for call_id, service, wait, outcome in (("k1", "urp", 6, "abandoned"),
                                            ("k2", "info", 6, "abandoned"),
                                            ("k3", "info", 0, "overflow")):  # fmt: skip
        meter.contact_saved(queued(call_id, service).ended(T0 + timedelta(seconds=wait), outcome))
    assert (meter.services["urp"].abandoned, meter.services["urp"].short_abandons) == (1, 0)
    assert (meter.services["info"].abandoned, meter.services["info"].short_abandons) == (1, 1)
    assert meter.services["info"].offered == 2  # the overflow was offered, not abandoned
    assert sum(meter.services["info"].waits[Outcome.ABANDONED].counts) == 1


def test_an_unknown_service_gets_the_center_defaults() -> None:
    meter = Meter()
    assert meter.of("nowhere") == Thresholds(20.0, 5.0)


def test_histogram_bounds_hold_their_own_value_and_include_the_thresholds() -> None:
    hist = Histogram([1, 2])
    for v in (0.5, 1.0, 1.5, 7):
        hist.observe(v)
    assert hist.cumulative() == [(1.0, 2), (2.0, 3), (float("inf"), 4)]
    assert hist.total == 10
    meter = Meter({"urp": Thresholds(25, 8)})
    assert {25.0, 8.0, *WAIT_BUCKETS} == set(meter.wait_bounds)


def test_the_day_is_the_centers_and_a_contact_counts_on_its_entry_day() -> None:
    meter = Meter({"urp": Thresholds()}, ROME)
    late = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 in Rome
    meter.contact_saved(queued("k1", at=late).ended(late + timedelta(seconds=30), "abandoned"))
    assert meter.today(late + timedelta(seconds=30))["urp"].abandoned == 1
    midnight = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert meter.today(midnight) == {}
    # entered yesterday, ended today: counted (offered), but in neither day's gauge
    meter.contact_saved(queued("k2", at=late).ended(midnight + timedelta(seconds=5), "answered"))
    assert meter.today(midnight) == {}
    assert meter.services["urp"].offered == 2


def test_ivr_sessions_in_progress_however_they_end() -> None:
    meter = Meter()
    try:
        with meter.ivr_session():
            assert meter.ivr_sessions == 1
            raise ConnectionError("hung up")
    except ConnectionError:
        pass
    assert meter.ivr_sessions == 0
