"""Waiting callers found in CoreShowChannels, and the CallerResumed that takes each back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from acd.core.contact import Contact
from acd.runtime import _payload
from acd.telephony.resume import NotResumable, resumed, waiting_callers

ENTERED = datetime(2026, 11, 30, 9, 0, 5, 250000, tzinfo=UTC)
QUEUED = {
    "CENTRALINO_QUEUED": "1",
    "CENTRALINO_SERVICE": "urp",
    "CENTRALINO_PRIORITY": "2",
    "CENTRALINO_REQUIREMENT": "lang.en >= 1",
    "CENTRALINO_ENTERED": f"{ENTERED.timestamp():.3f}",
}


def channel(uniqueid: str = "1764493205.7", **variables: str) -> dict[str, str]:
    """A CoreShowChannel event as AmiClient delivers it (ChanVariable lines joined)."""
    return {
        "Event": "CoreShowChannel",
        "Channel": f"PJSIP/citizens-{uniqueid}",
        "Uniqueid": uniqueid,
        "Context": "centralino-citizens",
        "Exten": "0592032032",
        "CallerIDNum": "3331234567",
        "Language": "en",
        "BridgeId": "",
        "Application": "MusicOnHold",
        "ChanVariable": "\n".join(f"{k}={v}" for k, v in (QUEUED | variables).items()),
    }


def test_only_callers_waiting_in_the_queue_loop_are_picked() -> None:
    waiting = channel("1")
    in_ivr = channel("2", CENTRALINO_QUEUED="")
    done = channel("3", CENTRALINO_DONE="1")
    bridged = channel("4") | {"BridgeId": "b-1"}
    agent_leg = channel("5") | {"Context": "centralino-connect"}
    complete = {"Event": "CoreShowChannelsComplete", "ListItems": "5"}
    found = waiting_callers([{"Response": "Success"}, waiting, in_ivr, done, bridged,
                             agent_leg, complete])  # fmt: skip
    assert found == [waiting]


def test_a_caller_is_resumed_from_its_channel_alone() -> None:
    event = resumed(channel(), record=None)
    assert (event.call_id, event.channel) == ("1764493205.7", "PJSIP/citizens-1764493205.7")
    assert (event.caller_number, event.dialled_number) == ("3331234567", "0592032032")
    assert (event.service, event.priority, event.requirement) == ("urp", 2, "lang.en >= 1")
    assert (event.language, event.entered_at, event.record) == ("en", ENTERED, None)


def test_the_stored_contact_wins_for_entry_time_and_numbers() -> None:
    first = datetime(2026, 11, 30, 9, 0, 5, 251234, tzinfo=UTC)
    record = Contact("1764493205.7", "333", "059", first, ("1",), "urp", first,
                     service_path=("urp",))  # fmt: skip
    event = resumed(channel(), record)
    assert (event.entered_at, event.caller_number, event.dialled_number) == (first, "333", "059")
    assert event.record == record


def test_an_old_channel_without_service_is_resumed_from_its_stored_contact() -> None:
    old = channel() | {"ChanVariable": "CENTRALINO_QUEUED=1"}
    start = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    record = Contact("1764493205.7", "333", "059", start, (), "english", ENTERED,
                     service_path=("urp", "english"))  # fmt: skip
    event = resumed(old, record)
    assert (event.service, event.priority, event.entered_at) == ("urp", 0, ENTERED)


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"CENTRALINO_SERVICE": ""}, "no CENTRALINO_SERVICE"),
        ({"CENTRALINO_ENTERED": ""}, "not epoch seconds"),
        ({"CENTRALINO_ENTERED": "yesterday"}, "not epoch seconds"),
        ({"CENTRALINO_ENTERED": "nan"}, "not a time"),
        ({"CENTRALINO_ENTERED": "1e30"}, "not a time"),
        ({"CENTRALINO_ENTERED": "-5"}, "not a time"),
        ({"CENTRALINO_PRIORITY": "high"}, "not a whole number"),
    ],
)
def test_bad_or_missing_variables_say_why(variables: dict[str, str], reason: str) -> None:
    with pytest.raises(NotResumable, match=reason):
        resumed(channel(**variables), record=None)


def test_the_resumed_event_goes_to_the_event_log_as_json() -> None:
    record = Contact("1764493205.7", "333", "059", ENTERED, ("1",), "urp", ENTERED)
    payload = json.loads(json.dumps(_payload(resumed(channel(), record))))
    assert payload["entered_at"] == ENTERED.isoformat()
    assert payload["record"]["ivr_path"] == ["1"]


BOOSTS = [("3", 3.0), ("2.5", 2.5), ("", 0.0), ("lots", 0.0), ("nan", 0.0), ("-4", 0.0)]


@pytest.mark.parametrize(("text", "points"), BOOSTS)
def test_a_supervisors_points_on_the_channel_come_back_and_garbage_counts_none(
    text: str, points: float
) -> None:
    event = resumed(channel(CENTRALINO_BOOST=text), None)
    assert event.boost == points
    assert event.priority == 2  # the IVR's, apart
