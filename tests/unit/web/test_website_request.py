"""The website's callback requests, pure (acd/web/website_request.py): each field's checks
and its reason, the slot against the service's openings (holidays, closures), the soonest
time, the idempotency key, the daily limits' arithmetic, what the website is told."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.core import events as e
from acd.core.callback import CallbackOrigin, CallbackOutcome, CallbackRules, CallbackState
from acd.core.model import ServiceRules
from acd.web import website_request as wr
from ivr.calendar import build_calendar
from ivr.model import Closure, Holidays, Weekday
from tests.unit.core.helpers import Desk

ROME = ZoneInfo("Europe/Rome")
WEEK: dict[Weekday, tuple[str, ...]] = {"mon": ("08:30-13:00", "14:00-18:00"),
                                        "thu": ("08:30-18:00",)}  # fmt: skip
CAL = build_calendar(WEEK, Holidays(country="IT", closures=(Closure(date=date(2026, 12, 3)),)),
                     "Europe/Rome")  # fmt: skip
OPEN_NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Modena
CLOSED_NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday: no hours
ITALIAN = re.compile(r"0[1-9][0-9]{5,9}|3[0-9]{8,9}")
CENTER = wr.Center(
    {"urp": wr.CallbackDesk(lambda n: bool(ITALIAN.fullmatch(n)), CAL),
     "tributi": wr.CallbackDesk(lambda n: True, None)},
    ("it", "en"), "it", ROME,
)  # fmt: skip


def read(now: datetime = OPEN_NOW, **body: Any) -> wr.Ask:
    return wr.read_request({"number": "059 203 2032", "service": "urp", **body}, CENTER, now)


def refused(now: datetime = OPEN_NOW, **body: Any) -> dict[str, str]:
    with pytest.raises(wr.InvalidRequest) as caught:
        wr.read_request(body, CENTER, now)
    return caught.value.fields


def test_a_plain_request_is_called_back_now_in_the_centers_language() -> None:
    assert read() == wr.Ask("0592032032", "urp", OPEN_NOW, "", "it")
    ask = read(number="+39 333 123 4567", note="  carta d'identità  ", language="en")
    assert (ask.number, ask.note, ask.language) == ("3331234567", "carta d'identità", "en")


def test_numbers_are_valid_italian_or_international_ones_the_trunk_dials() -> None:
    assert read(number="(059) 20.32-032").number == "0592032032"
    assert read(number="0039 059 2032032").number == "0592032032"
    assert read(service="tributi", number="+44 20 7946 0018").number == "+442079460018"
    for bad in ("12", "059", "abc", "+99 1234", "3" * 30):
        assert refused(number=bad, service="urp") == {
            "number": "not a valid Italian or international telephone number"
        }
    assert refused(number="+44 20 7946 0018", service="urp") == {
        "number": "the center does not call numbers like this one (see its trunk's rules)"
    }
    assert "required" in refused(service="urp")["number"]
    assert "required" in refused(number=3331234567, service="urp")["number"]


def test_every_bad_field_is_named_at_once() -> None:
    fields = refused(number="12", service="sport", note="x" * 201, language="de", phone="1")
    assert set(fields) == {"number", "service", "note", "language", "phone"}
    assert fields["service"] == "no service 'sport' takes callbacks (those that do: tributi, urp)"
    assert fields["note"] == "at most 200 characters (201 given)"
    assert fields["language"] == "one of it, en"
    assert fields["phone"] == "unknown field"
    assert refused()["service"].startswith("required")


@pytest.mark.parametrize("note", ["line\nbreak", "tab\there", "bell\a", "rtl\u202eoverride", 7])
def test_a_note_is_one_line_of_plain_text(note: object) -> None:
    assert "note" in refused(number="0592032032", service="urp", note=note)


def test_no_slot_is_now_when_open_else_the_next_opening() -> None:
    assert read().at == OPEN_NOW
    # Tuesday: no hours; Wednesday none; Thursday 3 a closure: Monday 7 December 08:30
    assert read(now=CLOSED_NOW).at == datetime(2026, 12, 7, 8, 30, tzinfo=ROME)
    assert read(service="tributi", now=CLOSED_NOW).at == CLOSED_NOW  # no hours: any time


def test_a_slot_is_inside_an_opening_from_now_to_thirty_days() -> None:
    start = datetime(2026, 11, 30, 14, 0, tzinfo=ROME)  # this afternoon's slot
    assert read(slot="2026-11-30T14:00").at == start  # the center's time without an offset
    assert read(slot="2026-11-30T13:00:00+00:00").at == start  # with one
    assert read(slot="2026-11-30T16:45").at == datetime(2026, 11, 30, 16, 45, tzinfo=ROME)
    assert read(slot=(OPEN_NOW - timedelta(seconds=30)).isoformat()).at == OPEN_NOW  # slack


@pytest.mark.parametrize(
    ("slot", "why"),
    [
        ("2026-11-30T09:00", "in the past"),
        ("2026-11-30T13:30", "the service is closed then"),  # lunch
        ("2026-12-03T09:30", "the service is closed then"),  # a Thursday, closed (closure)
        ("2026-12-08T09:30", "the service is closed then"),  # Immacolata, a Tuesday anyway
        ("2027-01-11T09:30", "more than 30 days ahead"),
        ("tomorrow morning", "an ISO 8601 time"),
        ("2026-13-01T09:00", "an ISO 8601 time"),
    ],
)
def test_a_slot_out_of_the_services_openings_is_refused_saying_why(slot: str, why: str) -> None:
    fields = refused(number="0592032032", service="urp", slot=slot)
    assert fields["slot"].startswith(why), fields


def test_a_closed_slot_names_the_next_openings() -> None:
    why = refused(number="0592032032", service="urp", slot="2026-12-03T09:30")["slot"]
    assert why.endswith("its next openings: 2026-11-30T14:00:00+01:00, "
                        "2026-12-07T08:30:00+01:00, 2026-12-07T14:00:00+01:00")  # fmt: skip


def test_the_idempotency_key_is_required_and_plain() -> None:
    assert wr.idempotency_key("8e5b6c1a-1c1f-4d9b-9d41-3b8c1fb9b1a0") == (
        "8e5b6c1a-1c1f-4d9b-9d41-3b8c1fb9b1a0")  # fmt: skip
    assert wr.idempotency_key(' "abc" ') == "abc"  # a structured-field string
    for bad in (None, "", "has space", "x" * 256, "è"):
        with pytest.raises(wr.InvalidRequest) as caught:
            wr.idempotency_key(bad)
        assert set(caught.value.fields) == {"Idempotency-Key"}


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(), max_size=5))
def test_a_body_reads_the_same_whatever_the_order_of_its_fields(body: dict[str, Any]) -> None:
    assert wr.canonical(dict(reversed(body.items()))) == wr.canonical(body)


def test_a_limit_has_room_again_when_its_oldest_leaves_the_day() -> None:
    assert wr.over_limit(2, OPEN_NOW - timedelta(hours=5), 3, OPEN_NOW) is None
    assert wr.over_limit(3, OPEN_NOW - timedelta(hours=5), 3, OPEN_NOW) == timedelta(hours=19)
    assert wr.over_limit(4, OPEN_NOW - timedelta(days=1), 3, OPEN_NOW) == timedelta(seconds=1)
    assert wr.LimitReached("x", timedelta(seconds=0.2)).retry_seconds == 1


RULES = CallbackRules("citizens", offer_after_seconds=60)


def scheduled_desk() -> Desk:
    desk = Desk({"a1": {"urp"}}, rules={"urp": ServiceRules("urp", callback=RULES)})
    desk.send(e.CallbackScheduled("web-1", "urp", "0592032032", desk.now, CallbackOrigin.WEB,
                                  note="n"))  # fmt: skip
    return desk


def test_a_pending_twin_is_found_by_number_and_service() -> None:
    view = scheduled_desk().engine.view()
    assert wr.pending_twin(view, "0592032032", "urp") == "web-1"
    assert wr.pending_twin(view, "0592032033", "urp") is None
    assert wr.pending_twin(view, "0592032032", "tributi") is None


def test_the_website_is_told_the_state_the_place_and_the_outcome() -> None:
    desk = scheduled_desk()
    call = desk.engine.call_view("web-1")
    assert call is not None
    seen = wr.Seen.of_call(call)
    assert seen is not None
    assert seen.answer(ROME) == {"id": "web-1", "service": "urp", "state": "waiting",
                                 "attempts": 0, "scheduled_for": "2026-11-30T10:00:00+01:00",
                                 "position": 1}  # fmt: skip
    over = wr.Seen("web-1", "urp", CallbackState.DONE, 2, None, None, CallbackOutcome.FAILED)
    assert over.answer(ROME) == {"id": "web-1", "service": "urp", "state": "done",
                                 "attempts": 2, "scheduled_for": None,
                                 "outcome": "callback-failed"}  # fmt: skip
    ringing = wr.Seen("web-1", "urp", CallbackState.DIALLING, 0, OPEN_NOW, 3)
    assert ringing.answer(ROME)["state"] == "in-progress"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                   max_size=3),
    max_leaves=8,
)  # fmt: skip


@given(st.dictionaries(st.sampled_from(sorted(wr.FIELDS)) | st.text(max_size=6), JSONISH,
                       max_size=6))  # fmt: skip
def test_any_body_is_read_or_refused_by_field(body: dict[str, Any]) -> None:
    try:
        ask = wr.read_request(body, CENTER, OPEN_NOW)
    except wr.InvalidRequest as refused:
        fields = refused.fields
    else:
        fields = {}
        assert ask.service in CENTER.services
        assert ask.number.lstrip("+").isdigit()
        assert OPEN_NOW <= ask.at <= OPEN_NOW + timedelta(days=30)
    assert set(fields) <= set(body) | {"number", "service"}
