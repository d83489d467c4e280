"""The live meter: which saved contacts it counts, its histograms, the day it keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from acd.core.callback import CallbackOutcome, CallbackRecord, CallbackState
from acd.core.contact import Contact, Outcome
from acd.meter import WAIT_BUCKETS, Histogram, Meter, Thresholds, Trend
from agents.states import AgentState
from reports.history import QueuedContact, fate
from reports.service_level import Definition

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


def answered(call_id: str, agent: str, entered: datetime, wait: float, talk: float,
             service: str = "urp") -> Contact:  # fmt: skip
    answer = entered + timedelta(seconds=wait)
    contact = queued(call_id, service, entered).answered_by(agent, answer)
    return contact.ended(answer + timedelta(seconds=talk), "answered")


def test_asa_and_aht_of_the_day_with_the_agents_wrap_up_after_the_call() -> None:
    meter = Meter({"urp": Thresholds(20, 5)})
    call = answered("k1", "a1", T0, wait=10, talk=120)
    end = call.ended_at
    assert end is not None
    meter.agent_state("a1", AgentState.ON_CALL, T0 + timedelta(seconds=10))
    meter.agent_state("a1", AgentState.WRAP_UP, end)  # the core says this before the save
    meter.contact_saved(call)
    meter.agent_state("a1", AgentState.READY, end + timedelta(seconds=30))
    tally = meter.today(end)["urp"]
    assert (tally.asa_seconds(), tally.aht_seconds()) == (10, 150)
    # a transfer's wrap-up (the call goes on with a colleague) is no call's
    meter.agent_state("a1", AgentState.WRAP_UP, end + timedelta(seconds=500))
    meter.agent_state("a1", AgentState.READY, end + timedelta(seconds=560))
    assert tally.aht_seconds() == 150
    # the slot of the call's entry counts it too
    slot = meter.trend.slot(T0)
    assert slot is not None
    assert slot.tallies["urp"].aht_seconds() == 150


def test_the_service_level_by_the_services_definition() -> None:
    meter = Meter({"urp": Thresholds(20, 5, Definition.ANSWERED_ONLY)})
    assert meter.of("urp").definition is Definition.ANSWERED_ONLY
    assert meter.of("other").definition is Definition.WITH_ABANDONS  # the center's default


def test_slots_are_the_centers_quarter_hours_and_only_the_last_ones_are_kept() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45: quarter hours are not UTC's
    trend = Trend(kathmandu, size=4)
    at = datetime(2026, 11, 30, 4, 20, 10, tzinfo=UTC)  # 10:05:10 in Kathmandu
    assert trend.start_of(at) == datetime(2026, 11, 30, 4, 15, tzinfo=UTC)
    trend.queues_now({"urp": 2}, at)
    trend.queues_now({"urp": 5}, at + timedelta(minutes=1))
    trend.queues_now({"urp": 1}, at + timedelta(minutes=2))
    assert trend.slots[trend.start_of(at)].waiting == {"urp": 5}  # the most at once
    later = at + timedelta(hours=1)
    trend.queues_now({"urp": 0}, later)
    assert trend.start_of(at) not in trend.slots  # 4 slots kept: the first is gone
    assert trend.slot(at) is None  # and is not made again
    window = trend.window(later)
    assert [start for start, _ in window][-1] == trend.start_of(later)
    assert [slot is not None for _, slot in window] == [False, False, False, True]


def test_a_restart_restores_the_day_its_wrap_ups_and_the_calls_waiting_per_slot() -> None:
    now = T0 + timedelta(minutes=40)  # 09:40 UTC: slots 09:00, 09:15, 09:30
    calls = [
        answered("k1", "a1", T0, wait=10, talk=50),  # waits 09:00:00-09:00:10
        answered("k2", "a2", T0 + timedelta(seconds=5), wait=20, talk=60),
        queued("k3", at=T0 + timedelta(minutes=14)).ended(
            T0 + timedelta(minutes=17), "abandoned"),  # waits across two slots
        queued("k4", at=T0 + timedelta(minutes=35)),  # still waiting at the restart
    ]  # fmt: skip
    k1_end = calls[0].ended_at
    assert k1_end is not None
    wraps = [("a1", k1_end, k1_end + timedelta(seconds=20))]
    meter = Meter({"urp": Thresholds(20, 5)})
    meter.restore(calls, wraps, T0 - timedelta(hours=1), now)  # (08:00: nothing then)
    tally = meter.today(now)["urp"]
    assert (tally.offered, tally.answered, tally.abandoned) == (3, 2, 1)
    assert tally.aht_seconds() == (50 + 20 + 60) / 2
    window = {start.strftime("%H:%M"): slot for start, slot in meter.trend.window(now) if slot}
    waited = {at: s.waiting["urp"] for at, s in window.items()}
    assert waited == {"08:00": 0, "08:15": 0, "08:30": 0, "08:45": 0, "09:00": 2, "09:15": 1,
                      "09:30": 1}  # fmt: skip
    assert window["09:00"].tallies["urp"].offered == 3
    assert "urp" not in window["09:15"].tallies


def test_the_day_counts_an_overflowed_call_where_it_first_queued_as_the_reports_do() -> None:
    meter = Meter({"urp": Thresholds(20, 5), "info": Thresholds(30, 10)})
    moved = queued("k1", "urp").queued("info")  # overflowed from the URP to Informagiovani
    talked = moved.answered_by("a1", T0 + timedelta(seconds=50))
    done = talked.ended(T0 + timedelta(seconds=110), "answered")
    meter.contact_saved(done)
    stays = queued("k2", "info", T0 + timedelta(seconds=5)).ended(T0 + timedelta(seconds=40),
                                                                  "abandoned")  # fmt: skip
    meter.contact_saved(stays)
    day = meter.today(T0)
    # the URP offered it and lost it to the overflow: offered, neither answered nor abandoned
    urp = day["urp"]
    assert (urp.offered, urp.answered, urp.abandoned) == (1, 0, 0)
    assert day["info"].offered == 1  # k2 only: k1 was not offered to Informagiovani first
    contacts = [QueuedContact(c.entered_queue_at or T0, c.service_path, c.service or "",
                              c.outcome, c.answered_at is not None, c.answered_in,
                              c.wait_seconds() or 0.0) for c in (done, stays)]  # fmt: skip
    assert [(c.first_service, fate(c)) for c in contacts] == [("urp", "overflowed"),
                                                              ("info", "abandoned")]  # fmt: skip
    # /metrics keeps counting by the last service
    assert (meter.services["info"].offered, meter.services["info"].answered) == (2, 1)


def callback(call_id: str, outcome: CallbackOutcome | None, ended: datetime | None,
             service: str = "urp") -> CallbackRecord:  # fmt: skip
    state = CallbackState.DONE if outcome else CallbackState.WAITING
    return CallbackRecord(call_id, service, "3331234567", "it", 0.0, "", T0 - timedelta(hours=1),
                          state, 1, None, "a1", outcome, ended)  # fmt: skip


def test_the_days_callbacks_count_once_when_they_end_completed_or_failed() -> None:
    meter = Meter({"urp": Thresholds()}, ROME)
    end = T0 + timedelta(minutes=5)
    meter.callback_saved(callback("k1", None, None))  # pending: nothing yet
    assert meter.callbacks_today(T0) == {}
    ended = [callback("k1", CallbackOutcome.ANSWERED, end),
             callback("k2", CallbackOutcome.FAILED, end),
             callback("k3", CallbackOutcome.MESSAGE_LEFT, end),
             callback("k4", CallbackOutcome.REFUSED, end),
             callback("k5", CallbackOutcome.CANCELLED, end),  # a choice: neither
             callback("k6", CallbackOutcome.ANSWERED, end, "info")]  # fmt: skip
    for record in (*ended, ended[0], ended[1]):  # saved again (a restart's read): once
        meter.callback_saved(record)
    today = meter.callbacks_today(end)
    assert (today["urp"].completed, today["urp"].failed) == (1, 3)
    assert (today["info"].completed, today["info"].failed) == (1, 0)
    yesterday = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # 23:00 in Rome: a past day
    meter.callback_saved(callback("k7", CallbackOutcome.ANSWERED, yesterday))
    assert meter.callbacks_today(end)["urp"].completed == 1
    midnight = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert meter.callbacks_today(midnight) == {}  # a new day starts at none
