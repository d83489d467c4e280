"""Waiting callers found in CoreShowChannels, and the CallerResumed that takes each back."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.core.contact import Contact
from acd.runtime import _payload
from acd.telephony.resume import NotResumable, conversation, resumed, talks, waiting_callers
from acd.telephony.translate import channels_listed, ring_in_flight

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


# -- conversations ------------------------------------------------------------------------

AGENTS = {"agent1": "agent1", "agent1-web": "agent1"}


def caller_leg(uniqueid: str = "1.7", bridge: str = "b-1", **extra: str) -> dict[str, str]:
    return channel(uniqueid, CENTRALINO_DONE="1") | {"BridgeId": bridge, "Application": ""} | extra


def agent_leg(
    uniqueid: str = "czab-3", call: str = "1.7", bridge: str = "b-1", **extra: str
) -> dict[str, str]:
    return {
        "Event": "CoreShowChannel",
        "Channel": "PJSIP/agent1-00000004",
        "Uniqueid": uniqueid,
        "Context": "centralino-connect",
        "ChannelStateDesc": "Up",
        "BridgeId": bridge,
        "Duration": "00:01:05",
        "ChanVariable": f"CENTRALINO_RING={uniqueid}\nCENTRALINO_CALL={call}",
    } | extra


def test_a_caller_bridged_with_an_agents_leg_is_a_talk() -> None:
    found, problems = talks([caller_leg(), agent_leg(), channel("9")], AGENTS)
    assert problems == []
    (talk,) = found
    assert (talk.caller["Uniqueid"], talk.agent_leg["Uniqueid"]) == ("1.7", "czab-3")
    assert (talk.agent_id, talk.held) == ("agent1", False)


def test_a_call_on_hold_is_a_talk_held() -> None:
    held_caller = caller_leg(bridge="", Context="centralino-hold")
    held_agent = agent_leg(bridge="", Context="centralino-hold")
    (talk,), _ = talks([held_caller, held_agent], AGENTS)
    assert talk.held


@pytest.mark.parametrize(
    ("legs", "reason"),
    [
        ([caller_leg(), agent_leg(call="nope")], "CENTRALINO_CALL is 'nope'"),
        ([caller_leg(), agent_leg(Channel="PJSIP/stranger-01")], "not an agent's phone"),
        ([caller_leg(bridge="b-2"), agent_leg()], "neither in its bridge nor on hold"),
        ([caller_leg(), agent_leg(), agent_leg("czab-4")], "has another agent's leg too"),
    ],
)
def test_a_leg_whose_variables_do_not_add_up_is_reported_not_taken(
    legs: list[dict[str, str]], reason: str
) -> None:
    found, problems = talks(legs, AGENTS)
    assert found == []
    assert problems
    assert all(reason in p for p in problems)


def test_rings_in_flight_and_consult_ringing_are_not_talks() -> None:
    ringing = agent_leg(bridge="", ChannelStateDesc="Ringing", Context="centralino-agents")
    waiting = agent_leg("czab-5", bridge="")  # answered, never bridged
    found, problems = talks([caller_leg(bridge=""), ringing, waiting], AGENTS)
    assert (found, problems) == ([], [])
    assert ring_in_flight(ringing)
    assert ring_in_flight(waiting)
    assert not ring_in_flight(agent_leg())  # talking
    assert not ring_in_flight(agent_leg(bridge="", Context="centralino-hold"))  # on hold
    assert not ring_in_flight(caller_leg(bridge=""))  # a caller: no CENTRALINO_RING
    listed = channels_listed([caller_leg(bridge=""), ringing, agent_leg("czab-6")])
    assert listed.agent_legs == {"czab-3"}


def test_a_talk_is_taken_back_from_its_stored_contact_or_its_channels() -> None:
    now = datetime(2026, 11, 30, 9, 10, tzinfo=UTC)
    (talk,), _ = talks([caller_leg(), agent_leg()], AGENTS)
    alone = conversation(talk, None, now)
    assert (alone.call_id, alone.agent_leg, alone.agent_id) == ("1.7", "czab-3", "agent1")
    assert (alone.service, alone.caller_number, alone.held) == ("urp", "3331234567", False)
    assert alone.answered_at == datetime(2026, 11, 30, 9, 8, 55, tzinfo=UTC)  # Duration back
    answered = datetime(2026, 11, 30, 9, 9, 30, 120000, tzinfo=UTC)
    record = Contact("1.7", "333", "059", ENTERED, ("2",), "english", ENTERED, answered,
                     service_path=("urp", "english"))  # fmt: skip
    stored = conversation(talk, record, now)
    assert (stored.service, stored.answered_at, stored.caller_number) == (
        "english",
        answered,
        "333",
    )


def test_a_talk_with_no_service_anywhere_is_not_taken_back() -> None:
    bare = caller_leg() | {"ChanVariable": "CENTRALINO_DONE=1"}
    (talk,), _ = talks([bare, agent_leg()], AGENTS)
    with pytest.raises(NotResumable, match="no CENTRALINO_SERVICE"):
        conversation(talk, None, ENTERED)


@given(st.dictionaries(st.sampled_from(["Uniqueid", "Channel", "Context", "BridgeId",
                                        "ChannelStateDesc", "ChanVariable", "Duration"]),
                       st.text(max_size=30)), st.lists(st.booleans(), max_size=3))  # fmt: skip
def test_any_channel_list_gives_talks_or_reasons_never_an_error(
    garbage: dict[str, str], flags: list[bool]
) -> None:
    legs: list[dict[str, str]] = [{"Event": "CoreShowChannel", **garbage}, caller_leg()]
    legs += [agent_leg(f"czab-{i}") for i, _ in enumerate(flags)]
    found, _ = talks(legs, AGENTS)
    for talk in found:
        with contextlib.suppress(NotResumable):
            conversation(talk, None, ENTERED)
    assert len(found) <= 1


BOOSTS = [("3", 3.0), ("2.5", 2.5), ("", 0.0), ("lots", 0.0), ("nan", 0.0), ("-4", 0.0)]


@pytest.mark.parametrize(("text", "points"), BOOSTS)
def test_a_supervisors_points_on_the_channel_come_back_and_garbage_counts_none(
    text: str, points: float
) -> None:
    event = resumed(channel(CENTRALINO_BOOST=text), None)
    assert event.boost == points
    assert event.priority == 2  # the IVR's, apart


def test_a_consultation_is_its_agents_call_on_hold_and_the_colleagues_leg_to_end() -> None:
    held_caller = caller_leg(bridge="", Context="centralino-hold")
    agent = agent_leg(bridge="b-9", Context="centralino-hold")
    colleague = agent_leg("czab-8", bridge="b-9", Context="centralino-consult",
                          Channel="PJSIP/agent3-0000000a")  # fmt: skip
    found, problems = talks([held_caller, agent, colleague], AGENTS | {"agent3": "agent3"})
    assert problems == []
    (talk,) = found
    assert (talk.agent_id, talk.held, talk.colleague_leg) == ("agent1", True,
                                                              "PJSIP/agent3-0000000a")  # fmt: skip
    # A colleague's leg for another call is not one.
    colleague["ChanVariable"] = colleague["ChanVariable"].replace("CALL=1.7", "CALL=1.8")
    found, problems = talks([held_caller, agent, colleague], AGENTS | {"agent3": "agent3"})
    assert found == []
    assert len(problems) == 2
