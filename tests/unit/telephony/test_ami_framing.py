"""The AMI framing: messages a caller's value wrote are refused, Asterisk's own are read.

The forged messages are Asterisk 22.10's own bytes, recorded on the real stack with sipp
callers whose From or request-URI user held %0D%0A (tests/e2e/test_caller_values.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.telephony.ami_framing import Framer, Headers, ListGuard, Refused, damage, parse, shown


def crlf(*lines: str) -> str:
    """Lines as Asterisk writes them, CR LF after each (no blank line)."""
    return "".join(f"{line}\r\n" for line in lines)


HEAD = crlf(
    "Event: Newchannel",
    "Privilege: call,all",
    "SystemName: centralino",
    "Channel: PJSIP/citizens-00000000",
    "ChannelState: 4",
    "ChannelStateDesc: Ring",
)
TAIL = crlf(
    "CallerIDName: plain",
    "ConnectedLineNum: <unknown>",
    "ConnectedLineName: <unknown>",
    "Language: en",
    "AccountCode: ",
    "Context: centralino-trunk-citizens",
    "Exten: 0592032032",
    "Priority: 1",
    "Uniqueid: centralino-1795992119.0",
    "Linkedid: centralino-1795992119.0",
    "ChanVariable: CENTRALINO_CALL=",
    "ChanVariable: CENTRALINO_QUEUED=",
)
NEWCHANNEL = HEAD + "CallerIDNum: 3330000031\r\n" + TAIL + "\r\n"


def newchannel_with_number(number: str) -> str:
    """The Newchannel Asterisk writes for a caller whose From user decodes to ``number``."""
    return HEAD + f"CallerIDNum: {number}\r\n" + TAIL + "\r\n"


def frames(wire: str) -> list[Headers | Refused]:
    return Framer().feed(wire)


def test_asterisks_own_newchannel_is_read_in_order_with_its_repeated_variables() -> None:
    [headers] = frames("Asterisk Call Manager/11.0.0\r\n" + NEWCHANNEL)
    assert isinstance(headers, tuple)
    assert headers[0] == ("Event", "Newchannel")
    assert ("CallerIDNum", "3330000031") in headers
    variables = [value for name, value in headers if name == "ChanVariable"]
    assert variables == ["CENTRALINO_CALL=", "CENTRALINO_QUEUED="]
    assert ("AccountCode", "") in headers


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        # recorded: From user 3330000031%0D%0AEvent%3A%20Hangup%0D%0AUniqueid%3A%20999.1
        ("3330000031\r\nEvent: Hangup\r\nUniqueid: 999.1", "Event comes twice"),
        # an added header that repeats none: it still sits right after the caller's value
        ("3330000031\r\nActionID: action/host/1/7", "CallerIDNum is not followed by CallerIDName"),
        ("3330000031\r\nCallerIDName: x\r\nActionID: a/1", "CallerIDName comes twice"),
        ("3330000031\n\n200 result=49", "a value holds a line break"),
        ("3330000031\rX", "a value holds a line break"),
        ("3330000031\r\nnot a header", "a line is not 'Name: value'"),
    ],
    ids=["crlf-event-uniqueid", "crlf-actionid", "crlf-fake-successor", "lf", "cr", "garbage"],
)
def test_a_callers_line_break_gets_the_whole_message_refused(number: str, reason: str) -> None:
    assert frames(newchannel_with_number(number)) == [Refused("Newchannel", reason)]


def test_a_line_break_in_the_request_uri_user_is_refused_too() -> None:
    """Recorded: request-URI user 0592032032%0D%0AEvent%3A%20Hangup (Exten)."""
    wire = NEWCHANNEL.replace("Exten: 0592032032\r\n", "Exten: 0592032032\r\nEvent: Hangup\r\n")
    assert frames(wire) == [Refused("Newchannel", "Event comes twice")]
    for added in ("Ring: r-1", "Reason: 4"):  # (Reason follows Exten in OriginateResponse)
        wire = NEWCHANNEL.replace("Exten: 0592032032\r\n", f"Exten: 0592032032\r\n{added}\r\n")
        assert frames(wire) == [Refused("Newchannel", "Exten is not followed by Priority")]


def test_a_forged_blank_line_cuts_the_message_and_only_the_head_is_caught() -> None:
    """Why manager.conf keeps such events from the engine (three control characters in a
    row): the forged Hangup after the blank line is well formed, and the tail has no Event."""
    number = "1\r\n\r\nEvent: Hangup\r\nUniqueid: centralino-1.1\r\n\r\nX: "
    head, forged, tail = frames(newchannel_with_number(number))
    assert head == Refused("Newchannel", "CallerIDNum is not followed by CallerIDName")
    assert forged == (("Event", "Hangup"), ("Uniqueid", "centralino-1.1"))
    assert isinstance(tail, tuple)
    assert tail[0] == ("X", "")


def test_asterisks_other_events_are_read() -> None:
    originate = crlf(
        "Event: OriginateResponse",
        "Privilege: call,all",
        "ActionID: centralino-ring/r-9",
        "Response: Failure",
        "Channel: PJSIP/agent2",
        "Context: centralino-connect",
        "Exten: s",
        "Reason: 5",
        "Uniqueid: r-9",
        "CallerIDNum: 3331234567",
        "CallerIDName: <unknown>",
        "ChanVariable(PJSIP/agent2-00000009): CENTRALINO_CALL=c-1",  # (manager.c's
        "ChanVariable(PJSIP/agent2-00000009): CENTRALINO_RING=r-9",  #  append_channel_vars)
    )
    user_event = (
        HEAD.replace("Newchannel", "UserEvent")
        + crlf("CallerIDNum: 1")
        + TAIL
        + crlf("UserEvent: CentralinoAgentAnswered", "Ring: r-9", "Call: c-1")
    )
    for wire in (originate + "\r\n", user_event + "\r\n"):
        [headers] = frames(wire)
        assert isinstance(headers, tuple), headers


def test_stray_line_ends_between_messages_are_tolerated() -> None:
    assert len(frames("\r\n" + NEWCHANNEL + "\r\n" + NEWCHANNEL)) == 2


@given(st.lists(st.integers(min_value=0, max_value=len(NEWCHANNEL) * 2), max_size=8))
def test_the_same_messages_whatever_the_reads(cuts: list[int]) -> None:
    wire = "Asterisk Call Manager/11.0.0\r\n" + NEWCHANNEL + newchannel_with_number("1\r\nX: y")
    framer, got = Framer(), []
    start = 0
    for cut in [*sorted(cuts), len(wire)]:
        got += framer.feed(wire[start:cut])
        start = max(start, cut)
    assert got == frames(wire)
    assert isinstance(got[0], tuple)
    assert isinstance(got[1], Refused)


def test_the_log_is_never_shown_a_name_with_digits() -> None:
    assert shown("Cause-txt") == "Cause-txt"
    assert shown("3330000031") == "?"
    forged = (("Event", "Newchannel"), ("3331234567", "a"), ("3331234567", "b"))
    assert damage(forged) == "? comes twice"
    assert parse("Event: 3331234567\r\nbad") == Refused("?", "a line is not 'Name: value'")


# -- list answers -------------------------------------------------------------------------


def listed(*messages: dict[str, str]) -> list[str | None]:
    guard = ListGuard()
    return [guard.check(message) for message in messages]


START = {"Response": "Success", "ActionID": "a/1", "EventList": "start"}
ENTRY = {"Event": "CoreShowChannel", "ActionID": "a/1", "Uniqueid": "u-1"}
COMPLETE = {"Event": "CoreShowChannelsComplete", "ActionID": "a/1", "EventList": "Complete"}


def test_a_list_answer_in_one_piece_is_read() -> None:
    after = ENTRY | {"ActionID": "a/2"}  # another list's
    assert listed(START, ENTRY, ENTRY, {**COMPLETE, "ListItems": "2"}, after) == [None] * 5
    assert listed(START, {**COMPLETE, "ListItems": "0"}) == [None, None]


def test_an_event_inside_a_list_answer_is_a_callers() -> None:
    """Asterisk sends queued events between actions only: a Hangup in there was forged."""
    hangup = {"Event": "Hangup", "Uniqueid": "centralino-1.1"}
    inside = "a message inside a list answer that is not part of it"
    assert listed(START, ENTRY, hangup)[-1] == inside


def test_a_list_cut_short_by_a_forged_end_is_caught() -> None:
    early_end = {**COMPLETE, "ListItems": "1"}
    assert listed(START, ENTRY, ENTRY, early_end)[-1] == (
        "a list answer whose ListItems does not count its items"
    )
    assert listed(START, ENTRY, {**COMPLETE, "ListItems": "1"}, ENTRY)[-1] == (
        "a message of a list answer after its end"
    )
