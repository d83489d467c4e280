"""translate() and ChannelDirectory: pure, fed with recorded AMI events."""

from __future__ import annotations

import pytest

from acd.bounds import BoundHits
from acd.core.callback import AttemptResult
from acd.core.events import (
    AgentAnswered,
    AsteriskStopping,
    Bridged,
    ChannelsListed,
    CitizenAnswered,
    CitizenNotReached,
    ConnectFailed,
    HungUp,
    RingFailed,
)
from acd.telephony.translate import (
    EVENTS_NARROWED,
    EVENTS_USED,
    ChannelDirectory,
    channel_variables,
    channels_listed,
    translate,
)
from tests.unit.telephony.fakes import (
    AGENT_ANSWERED,
    BRIDGE_ENTER_CALLER,
    CALLER_NEWCHANNEL,
    FULLY_BOOTED,
    HANGUP_AGENT,
    NEWCHANNEL_AGENT,
    ORIGINATE_BUSY,
    event,
)

RENAME_AGENT = """
    Event: Rename
    Privilege: call,all
    Channel: PJSIP/agent1-00000004
    Newname: PJSIP/agent1-00000004<ZOMBIE>
    Uniqueid: ring-7
    Linkedid: ring-7
"""


def test_translate_maps_the_events_the_core_cares_about() -> None:
    assert translate(event(HANGUP_AGENT)) == HungUp("ring-7", "Normal Clearing")
    assert translate(event(AGENT_ANSWERED)) == AgentAnswered("ring-7")
    assert translate(event(BRIDGE_ENTER_CALLER)) == Bridged("1732806000.3")
    assert translate(event(ORIGINATE_BUSY)) == RingFailed("ring-9", "busy")


def test_a_leg_bridging_itself_and_its_failure() -> None:
    """centralino-connect's UserEvents when the agent's leg bridges itself with its
    caller, and when that Bridge fails (BRIDGERESULT)."""
    bridging = {"Event": "UserEvent", "UserEvent": "CentralinoAgentAnswered", "Ring": "r-1",
                "Call": "1732806000.3", "Bridging": "1", "Uniqueid": "r-1"}  # fmt: skip
    assert translate(bridging) == AgentAnswered("r-1", True, "1732806000.3")
    failed = {"Event": "UserEvent", "UserEvent": "CentralinoBridgeFailed", "Ring": "r-1",
              "Call": "1732806000.3", "Result": "FAILURE"}  # fmt: skip
    assert translate(failed) == ConnectFailed("r-1", False, "Bridge: FAILURE")
    gone = {**failed, "Result": "NONEXISTENT"}
    assert translate(gone) == ConnectFailed("r-1", True, "Bridge: NONEXISTENT")
    assert translate({**failed, "Ring": ""}) is None
    assert translate({**failed, "UserEvent": "SomethingElse"}) is None


def test_a_hang_up_of_asterisk_stopping_says_so_and_no_other_does() -> None:
    """Asterisk 22 as it stops (`core restart now`, seen on the real stack): a
    SoftHangupRequest with Cause 4 (AST_SOFTHANGUP_SHUTDOWN) for each channel before its
    Hangup; a SoftHangupRequest for another reason (16: an application unloaded) is not it."""
    stopping = {"Event": "SoftHangupRequest", "Uniqueid": "1732806000.3", "Cause": "4"}
    assert translate(stopping) == AsteriskStopping("1732806000.3")
    assert translate({**stopping, "Cause": "16"}) is None
    assert translate({**stopping, "Uniqueid": ""}) is None
    assert EVENTS_NARROWED == {"SoftHangupRequest": ("Cause", "4"),
                               "OriginateResponse": ("Response", "Failure")}  # fmt: skip


def test_translate_ignores_the_rest() -> None:
    other_user_event = AGENT_ANSWERED.replace("CentralinoAgentAnswered", "SomethingElse")
    ours_succeeded = ORIGINATE_BUSY.replace("Failure", "Success").replace("5", "4")
    not_ours = ORIGINATE_BUSY.replace("centralino-ring/", "someone-else/")
    for text in (FULLY_BOOTED, NEWCHANNEL_AGENT, other_user_event, ours_succeeded, not_ours):
        assert translate(event(text)) is None
    assert translate({"Event": "Hangup"}) is None  # no Uniqueid: nothing to report


def test_the_events_used_are_those_the_engine_reads() -> None:
    """manager.conf lets only these reach the engine: one missing here is never delivered."""
    read = {
        "Hangup", "UserEvent", "BridgeEnter", "OriginateResponse",  # translate
        "SoftHangupRequest",  # translate, only Cause 4 (manager.conf lets no other through)
        "Newchannel", "Rename",  # ChannelDirectory (and Hangup)
        "Shutdown",  # the AMI client's early notice of a stopping Asterisk
        "ContactStatus",  # the agents' phones registering and going (acd.telephony.phones)
    }  # fmt: skip
    assert read == EVENTS_USED


def test_the_directory_needs_no_event_beyond_those_used() -> None:
    directory = ChannelDirectory()
    for text in (NEWCHANNEL_AGENT, RENAME_AGENT, HANGUP_AGENT):
        assert event(text)["Event"] in EVENTS_USED
        directory.feed(event(text))
    assert directory.hung_up("ring-7")


def test_channel_variables_of_a_channel_event() -> None:
    ev = event(NEWCHANNEL_AGENT + "ChanVariable: CENTRALINO_CALL=1732806000.3\nChanVariable: X=")
    assert channel_variables(ev) == {"CENTRALINO_CALL": "1732806000.3", "X": ""}


def test_directory_follows_newchannel_rename_and_hangup() -> None:
    directory = ChannelDirectory()
    for text in (NEWCHANNEL_AGENT, CALLER_NEWCHANNEL):
        directory.feed(event(text))
    assert directory.name("ring-7") == "PJSIP/agent1-00000004"
    directory.feed(event(RENAME_AGENT))
    assert directory.name("ring-7") == "PJSIP/agent1-00000004<ZOMBIE>"
    directory.feed(event(HANGUP_AGENT))
    assert directory.name("ring-7") is None
    assert directory.name("1732806000.3") == "PJSIP/trunk-00000003"
    assert len(directory) == 1


def test_waiter_runs_now_when_known_later_when_created_never_when_gone() -> None:
    directory, named = ChannelDirectory(), list[str]()
    directory.feed(event(CALLER_NEWCHANNEL))
    directory.when_named("1732806000.3", named.append)
    assert named == ["PJSIP/trunk-00000003"]
    directory.when_named("ring-7", named.append)  # Originate still on its way
    assert directory.waiting == 1
    directory.feed(event(NEWCHANNEL_AGENT))
    assert named[-1] == "PJSIP/agent1-00000004"
    assert directory.waiting == 0
    directory.feed(event(HANGUP_AGENT))
    directory.when_named("ring-7", named.append)  # hung up already: will never come back
    assert directory.waiting == 0
    assert len(named) == 2


def test_directory_is_bounded() -> None:
    bounds, named = BoundHits(), list[str]()
    directory = ChannelDirectory(max_channels=3, max_waiting=2, bounds=bounds)
    for n in range(5):  # Hangups missed: the oldest go first
        directory.feed({"Event": "Newchannel", "Uniqueid": f"u{n}", "Channel": f"PJSIP/a-{n}"})
    assert len(directory) == 3
    assert directory.name("u0") is None
    assert directory.name("u4")
    for n in range(5):  # Originates that never produced a channel
        directory.when_named(f"r{n}", named.append)
    assert directory.waiting == 2
    for n in range(5):
        directory.feed({"Event": "Hangup", "Uniqueid": f"gone{n}"})
    directory.feed({"Event": "Newchannel", "Uniqueid": "r4", "Channel": "PJSIP/a-r4"})
    assert named == ["PJSIP/a-r4"]
    assert bounds.counts == {"channels": 3, "channel_waiters": 3}  # (the hung up: no hit)


def test_directory_can_be_rebuilt_from_core_show_channels() -> None:
    directory = ChannelDirectory()
    directory.feed(event(NEWCHANNEL_AGENT))
    directory.clear()
    directory.feed(
        {"Event": "CoreShowChannel", "Uniqueid": "1732806000.3", "Channel": "PJSIP/trunk-3"}
    )
    assert directory.name("ring-7") is None
    assert directory.name("1732806000.3") == "PJSIP/trunk-3"


def test_directory_remembers_hung_up_channels_until_cleared() -> None:
    directory = ChannelDirectory()
    directory.feed({"Event": "Newchannel", "Uniqueid": "1.1", "Channel": "PJSIP/c-1"})
    directory.feed({"Event": "Hangup", "Uniqueid": "1.1"})
    assert directory.hung_up("1.1")
    assert not directory.hung_up("1.2")
    directory.clear()
    assert not directory.hung_up("1.1")


def test_channels_listed_from_core_show_channels() -> None:
    listed = channels_listed([
        {"Event": "CoreShowChannel", "Uniqueid": "k1", "ChannelStateDesc": "Up",
         "BridgeId": "b-1"},
        {"Event": "CoreShowChannel", "Uniqueid": "cz-3", "ChannelStateDesc": "Ringing"},
        {"Event": "CoreShowChannel", "Uniqueid": "cz-4", "ChannelStateDesc": "Up"},
        {"Event": "CoreShowChannelsComplete", "ListItems": "3"},
        {"Response": "Success", "EventList": "start"},
    ])  # fmt: skip
    assert listed == ChannelsListed(
        live=frozenset({"k1", "cz-3", "cz-4"}),
        answered=frozenset({"k1", "cz-4"}),
        bridged=frozenset({"k1"}),
    )


OUTBOUND_ANSWERED = """
    Event: UserEvent
    Privilege: user,all
    Channel: PJSIP/citizens-00000009
    Uniqueid: ring-12
    UserEvent: CentralinoOutboundAnswered
    Call: 1732806000.3
"""


def test_a_citizens_leg_answering_is_citizen_answered() -> None:
    assert translate(event(OUTBOUND_ANSWERED)) == CitizenAnswered("ring-12")


@pytest.mark.parametrize(
    ("reason", "result"),
    [("5", AttemptResult.BUSY), ("3", AttemptResult.NO_ANSWER), ("0", AttemptResult.FAILED),
     ("8", AttemptResult.FAILED)],
)  # fmt: skip
def test_a_call_out_that_failed_is_citizen_not_reached(reason: str, result: AttemptResult) -> None:
    text = ORIGINATE_BUSY.replace("centralino-ring/ring-9", "centralino-dial/ring-12")
    text = text.replace("Reason: 5", f"Reason: {reason}")
    translated = translate(event(text))
    assert isinstance(translated, CitizenNotReached)
    assert (translated.leg, translated.result) == ("ring-12", result)


def test_an_uninformative_failure_of_a_leg_that_existed_is_left_to_its_hang_up() -> None:
    """A 486 Busy Here: OriginateResponse Reason 0, then the leg's Hangup "User busy"."""
    text = ORIGINATE_BUSY.replace("centralino-ring/ring-9", "centralino-dial/ring-12")
    text = text.replace("Reason: 5", "Reason: 0")
    assert translate(event(text), seen=lambda leg: leg == "ring-12") is None
    assert isinstance(translate(event(text), seen=lambda leg: False), CitizenNotReached)
