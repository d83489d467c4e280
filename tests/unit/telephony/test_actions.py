"""TelephonyActions through a real AmiClient to the fake Asterisk, which records the actions."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from acd.core.commands import (
    Connect,
    HangUpChannel,
    HoldCall,
    NoteBoost,
    RedirectCaller,
    RequeueCaller,
    RingAgent,
    SpyOnAgent,
    StopRinging,
    SwitchSpyMode,
)
from acd.core.events import ConnectFailed, Event, HoldFailed, RingFailed, TelephonyLost
from acd.core.model import SpyMode
from acd.telephony.actions import TelephonyActions
from acd.telephony.ami import AmiClient, AmiMessage
from acd.telephony.translate import ChannelDirectory
from tests.unit.telephony.fakes import (
    BRIDGE_FAILED,
    CALLER_NEWCHANNEL,
    HANGUP_AGENT,
    HANGUP_OK,
    NEWCHANNEL_AGENT,
    NO_SUCH_CHANNEL,
    PERMISSION_DENIED,
    FakeAmiServer,
    ami_pair,
    run,
    until,
    wire,
)

pytestmark = pytest.mark.timeout(20)

RING = RingAgent(
    ring_id="ring-7",
    agent_id="a1",
    endpoint="agent1",
    call_id="1732806000.3",
    caller_channel="PJSIP/trunk-00000003",
    caller_number="3331234567",
    timeout_seconds=20,
)
CALLER, AGENT = "PJSIP/trunk-00000003", "PJSIP/agent1-00000004"


@dataclass
class Rig:
    server: FakeAmiServer
    actions: TelephonyActions
    directory: ChannelDirectory
    reported: list[Event] = field(default_factory=list)

    def sent(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.server.all_actions() if a["Action"] == name]


@asynccontextmanager
async def rig(**tuning: Any) -> AsyncIterator[Rig]:
    """The runtime's wiring in small: every AMI event feeds the directory, in order."""
    directory, reported = ChannelDirectory(), list[Event]()

    def on_event(ev: AmiMessage) -> None:
        directory.feed(ev)

    async with ami_pair(on_event=on_event, **tuning) as (server, client, _):
        actions = TelephonyActions(client, directory, reported.append)
        try:
            yield Rig(server, actions, directory, reported)
        finally:
            await actions.close()


def run_rig(body: Callable[[Rig], Coroutine[Any, Any, None]], **tuning: Any) -> None:
    async def main() -> None:
        async with rig(**tuning) as r:
            await body(r)

    run(main)


def test_ring_agent_originates_asynchronously_into_the_connect_context() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(RING)
        [originate] = r.sent("Originate")
        assert originate == {
            "Action": "Originate",
            "ActionID": "centralino-ring/ring-7",
            "Async": "true",
            "CallerID": "3331234567",
            "Channel": "PJSIP/agent1",
            "ChannelId": "ring-7",
            "Context": "centralino-connect",
            "Exten": "s",
            "Priority": "1",
            "Timeout": "25000",
            "Variable": [
                "CENTRALINO_RING=ring-7",
                "CENTRALINO_CALL=1732806000.3",
                "CALLER=PJSIP/trunk-00000003",
            ],
        }
        assert r.reported == []

    run_rig(body)


def test_a_callbacks_ring_answers_into_the_longer_wait() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(dataclasses.replace(RING, callback=True, caller_channel=""))
        [originate] = r.sent("Originate")
        assert (originate["Context"], originate["Exten"]) == ("centralino-connect", "callback")

    run_rig(body)


@pytest.mark.parametrize(("mode", "options"), [(SpyMode.LISTEN, "uqESd"),
                                               (SpyMode.WHISPER, "uqESdw"),
                                               (SpyMode.BARGE, "uqESdB")])  # fmt: skip
def test_a_spy_rings_the_supervisors_phone_into_chanspy_on_the_agents_leg(
    mode: SpyMode, options: str
) -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(SpyOnAgent("spy-9", "sup", "sup-web", "a1", "ring-7", mode))
        [originate] = r.sent("Originate")
        assert originate == {
            "Action": "Originate",
            "ActionID": "centralino-ring/spy-9",
            "Async": "true",
            "Channel": "PJSIP/sup-web",
            "Application": "ChanSpy",
            "Data": f"ring-7,{options}",
            "ChannelId": "spy-9",
            "Timeout": "30000",
            "CallerID": f'"{mode.value} a1" <a1>',
        }
        assert r.reported == []

    run_rig(body)


def test_a_spy_asterisk_refuses_is_reported_as_its_ring_failed() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["originate"] = PERMISSION_DENIED
        await r.actions.execute(SpyOnAgent("spy-9", "sup", "sup", "a1", "ring-7", SpyMode.LISTEN))
        assert r.reported == [RingFailed("spy-9", "Originate: Permission denied")]

    run_rig(body)


def test_a_caller_id_with_line_breaks_rings_the_agent_without_them() -> None:
    async def body(r: Rig) -> None:
        sly = dataclasses.replace(RING, caller_number="3331234567\r\nAction: Hangup")
        await r.actions.execute(sly)
        (originate,) = r.sent("Originate")
        assert originate["CallerID"] == "3331234567Action: Hangup"
        assert r.sent("Hangup") == []
        assert r.reported == []

    run_rig(body)


def test_a_kiosk_call_rings_the_agent_with_video_codecs() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(RING)
        await r.actions.execute(dataclasses.replace(RING, ring_id="ring-8",
                                                    caller_number="kiosk:q1-centro"))  # fmt: skip
        citizen, kiosk = r.sent("Originate")
        assert "Codecs" not in citizen  # a citizen's call: the endpoint's own
        assert (kiosk["Codecs"], kiosk["CallerID"]) == (
            "opus,ulaw,alaw,vp8,h264",
            "kiosk:q1-centro",
        )

    run_rig(body)


def test_refused_originate_is_reported_as_ring_failed() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["originate"] = PERMISSION_DENIED
        await r.actions.execute(RING)
        assert r.reported == [RingFailed("ring-7", "Originate: Permission denied")]

    run_rig(body)


def test_a_ring_begun_at_once_is_the_same_originate_and_its_refusal_the_same() -> None:
    """``begin``: the Originate written in the caller's turn, its answer awaited after,
    with what ``execute`` sends and reports; any other command is left to ``execute``."""

    async def body(r: Rig) -> None:
        work = r.actions.begin(RING)
        assert work is not None
        assert r.actions.begin(StopRinging("ring-7")) is None
        await work
        r.server.replies["originate"] = PERMISSION_DENIED
        refused = r.actions.begin(dataclasses.replace(RING, ring_id="ring-8"))
        assert refused is not None
        await refused
        await r.actions.execute(RING)
        first, second, third = r.sent("Originate")
        assert first == third
        assert second["ChannelId"] == "ring-8"
        assert r.reported == [RingFailed("ring-8", "Originate: Permission denied"),
                              RingFailed("ring-7", "Originate: Permission denied")]  # fmt: skip

    run_rig(body)


def test_unanswered_originate_is_reported_and_its_leg_hung_up_if_it_shows() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["originate"] = None
        await r.actions.execute(RING)
        [failed] = r.reported
        assert isinstance(failed, RingFailed)
        assert "no answer" in failed.reason
        await r.server.push(wire(NEWCHANNEL_AGENT))  # it rang after all
        await until(lambda: bool(r.sent("Hangup")))
        assert r.sent("Hangup")[0]["Channel"] == AGENT

    run_rig(body, action_timeout=0.1)


def test_stop_ringing_hangs_up_the_known_leg() -> None:
    async def body(r: Rig) -> None:
        await r.server.push(wire(NEWCHANNEL_AGENT))
        await until(lambda: r.directory.name("ring-7") is not None)
        await r.actions.execute(StopRinging("ring-7"))
        assert [(a["Channel"], a["Cause"]) for a in r.sent("Hangup")] == [(AGENT, "16")]

    run_rig(body)


def test_stop_ringing_before_the_leg_exists_hangs_it_up_when_it_appears() -> None:
    def hangup(action: dict[str, Any]) -> str:
        exists = action["Channel"] == AGENT
        return HANGUP_OK if exists else NO_SUCH_CHANNEL

    async def body(r: Rig) -> None:
        r.server.replies["hangup"] = hangup
        await r.actions.execute(StopRinging("ring-7"))
        assert [a["Channel"] for a in r.sent("Hangup")] == ["ring-7"]  # not there yet
        await r.server.push(wire(NEWCHANNEL_AGENT))
        await until(lambda: len(r.sent("Hangup")) == 2)
        assert r.sent("Hangup")[1]["Channel"] == AGENT

    run_rig(body)


def test_connect_bridges_caller_and_agent_leg() -> None:
    async def body(r: Rig) -> None:
        await r.server.push(wire(CALLER_NEWCHANNEL, NEWCHANNEL_AGENT))
        await until(lambda: r.directory.name("ring-7") is not None)
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        [bridge] = r.sent("Bridge")
        assert (bridge["Channel1"], bridge["Channel2"], bridge["Tone"]) == (CALLER, AGENT, "no")
        assert r.sent("Hangup") == []

    run_rig(body)


def test_a_bridge_refused_for_a_gone_caller_is_reported_not_retried_here() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["bridge"] = BRIDGE_FAILED  # "Channel1 does not exist"
        await r.server.push(wire(NEWCHANNEL_AGENT))
        await until(lambda: r.directory.name("ring-7") is not None)
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        assert r.reported == [
            ConnectFailed("ring-7", True, "Bridge: Channel1 does not exist: " + CALLER)
        ]
        assert r.sent("Hangup") == []  # the core decides what to hang up

    run_rig(body)


def test_a_setvar_on_a_gone_caller_is_reported_gone() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["setvar"] = NO_SUCH_CHANNEL
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        assert r.reported == [ConnectFailed("ring-7", True, "Setvar: No such channel")]
        assert [a["Action"] for a in r.server.all_actions()][-2:] == ["Setvar", "Bridge"]

    run_rig(body)


def test_a_bridge_refused_with_the_caller_there_undoes_the_mark() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["bridge"] = PERMISSION_DENIED
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        marks = [a["Value"] for a in r.sent("Setvar") if a["Variable"] == "CENTRALINO_DONE"]
        assert marks == ["1", "0"]  # the caller waits on: the loop must not end its call

    run_rig(body)


def test_a_bridge_refused_for_another_reason_is_reported_with_the_caller_there() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["bridge"] = PERMISSION_DENIED
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        assert r.reported == [ConnectFailed("ring-7", False, "Bridge: Permission denied")]

    run_rig(body)


def test_a_callbacks_bridge_failing_asks_about_the_citizens_leg_not_the_first_call() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["bridge"] = PERMISSION_DENIED
        caller_gone = HANGUP_AGENT.replace("ring-7", "1732806000.3")
        await r.server.push(wire(CALLER_NEWCHANNEL, NEWCHANNEL_AGENT, caller_gone))
        await until(lambda: r.directory.hung_up("1732806000.3"))
        await r.server.push(wire(NEWCHANNEL_AGENT.replace("ring-7", "ring-12")
                                 .replace("agent1-00000004", "citizens-00000009")))  # fmt: skip
        await until(lambda: r.directory.name("ring-12") is not None)
        await r.actions.execute(Connect("1732806000.3", "ring-12", "ring-7"))
        [bridge] = r.sent("Bridge")
        assert bridge["Channel1"] == "ring-12"  # Asterisk 22 takes a uniqueid for a name
        assert r.reported == [ConnectFailed("ring-7", False, "Bridge: Permission denied")]

    run_rig(body)


def test_hang_up_channel_by_uniqueid() -> None:
    async def body(r: Rig) -> None:
        await r.server.push(wire(CALLER_NEWCHANNEL))
        await until(lambda: r.directory.name("1732806000.3") is not None)
        await r.actions.execute(HangUpChannel("1732806000.3"))
        assert [a["Channel"] for a in r.sent("Hangup")] == [CALLER]

    run_rig(body)


def test_nothing_raises_out_of_execute_without_asterisk() -> None:
    async def main() -> None:
        directory, reported = ChannelDirectory(), list[Event]()
        client = AmiClient("127.0.0.1", 1, "u", "s", directory.feed)  # never started
        actions = TelephonyActions(client, directory, reported.append)
        for command in (
            RING,
            StopRinging("ring-7"),
            Connect("c", CALLER, "ring-7"),
            HangUpChannel("c"),
        ):
            await actions.execute(command)
        begun = actions.begin(dataclasses.replace(RING, ring_id="ring-8"))  # as execute
        assert begun is not None
        await begun
        lost = "not connected to AMI"
        assert reported == [
            TelephonyLost(lost),  # said first: the core stops offering calls at once
            RingFailed("ring-7", lost, missed=False),  # no miss for the agent
            ConnectFailed("ring-7", False, lost),
            TelephonyLost(lost),
            RingFailed("ring-8", lost, missed=False),
        ]
        await actions.close()

    run(main)


def test_close_cancels_deferred_hangups() -> None:
    def hangup(action: dict[str, Any]) -> str | None:
        return None if action["Channel"] == AGENT else NO_SUCH_CHANNEL  # the deferred one hangs

    async def body(r: Rig) -> None:
        r.server.replies["hangup"] = hangup
        await r.actions.execute(StopRinging("ring-7"))
        await r.server.push(wire(NEWCHANNEL_AGENT))
        await until(lambda: len(r.sent("Hangup")) == 2)
        await asyncio.wait_for(r.actions.close(), 1.0)

    run_rig(body)


def test_connect_marks_the_caller_done_before_the_bridge() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(Connect("1732806000.3", CALLER, "ring-7"))
        names = [a["Action"] for a in r.server.all_actions() if a["Action"] != "Login"]
        assert names[-2:] == ["Setvar", "Bridge"]
        [setvar] = r.sent("Setvar")
        assert (setvar["Channel"], setvar["Variable"], setvar["Value"]) == (
            CALLER, "CENTRALINO_DONE", "1",
        )  # fmt: skip

    run_rig(body)


def test_redirect_caller_plays_the_overflow_message_then_hangs_up() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(RedirectCaller("1732806000.3", CALLER, "busy-later", "en"))
        variables = {a["Variable"]: a["Value"] for a in r.sent("Setvar")}
        assert variables == {"CENTRALINO_DONE": "1", "CENTRALINO_PROMPT": "busy-later"}
        [redirect] = r.sent("Redirect")
        assert (redirect["Channel"], redirect["Context"], redirect["Exten"]) == (
            CALLER, "centralino-overflow", "message",
        )  # fmt: skip

    run_rig(body)


def test_redirect_caller_to_voicemail_names_the_prompt_and_the_length() -> None:
    async def body(r: Rig) -> None:
        command = RedirectCaller("1732806000.3", CALLER, "leave-message", "en", 90)
        await r.actions.execute(command)
        variables = {a["Variable"]: a["Value"] for a in r.sent("Setvar")}
        assert variables == {  # the prompt's name: the voicemail AGI plays it in the language
            "CENTRALINO_DONE": "1",  # of the channel
            "CENTRALINO_VOICEMAIL": "leave-message",
            "CENTRALINO_VOICEMAIL_SECONDS": "90",
        }
        [redirect] = r.sent("Redirect")
        assert (redirect["Channel"], redirect["Context"], redirect["Exten"]) == (
            CALLER, "centralino-overflow", "voicemail",
        )  # fmt: skip
        names = [a["Action"] for a in r.server.all_actions() if a["Action"] != "Login"]
        assert names[-1] == "Redirect"  # after every variable it needs is set

    run_rig(body)


def test_hold_redirects_both_legs_in_one_action() -> None:
    async def body(r: Rig) -> None:
        await r.server.push(wire(NEWCHANNEL_AGENT))
        await until(lambda: r.directory.name("ring-7") is not None)
        await r.actions.execute(HoldCall("1732806000.3", CALLER, "ring-7"))
        [redirect] = r.sent("Redirect")
        assert {k: v for k, v in redirect.items() if k != "ActionID"} == {
            "Action": "Redirect",
            "Channel": CALLER, "Context": "centralino-hold", "Exten": "caller", "Priority": "1",
            "ExtraChannel": AGENT, "ExtraContext": "centralino-hold", "ExtraExten": "agent",
            "ExtraPriority": "1",
        }  # fmt: skip
        assert r.reported == []

    run_rig(body)


def test_a_hold_asterisk_refuses_is_reported() -> None:
    async def body(r: Rig) -> None:
        r.server.replies["redirect"] = NO_SUCH_CHANNEL
        await r.actions.execute(HoldCall("1732806000.3", CALLER, "ring-7"))
        assert r.reported == [HoldFailed("1732806000.3", "Redirect: No such channel")]

    run_rig(body)


def test_requeue_sends_the_caller_back_to_the_wait_loop_for_its_new_service() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(RequeueCaller("1732806000.3", CALLER, "informagiovani"))
        variables = {a["Variable"]: a["Value"] for a in r.sent("Setvar")}
        assert variables == {"CENTRALINO_DONE": "0", "CENTRALINO_SERVICE": "informagiovani"}
        [redirect] = r.sent("Redirect")
        assert (redirect["Channel"], redirect["Context"], redirect["Exten"],
                redirect["Priority"]) == (CALLER, "centralino-citizens", "s", "queued")  # fmt: skip
        names = [a["Action"] for a in r.server.all_actions() if a["Action"] != "Login"]
        assert names[-1] == "Redirect"  # after the variables the loop reads
        assert r.reported == []

    run_rig(body)


def test_a_supervisors_points_are_written_on_the_waiting_caller_only() -> None:
    async def body(r: Rig) -> None:
        await r.actions.execute(NoteBoost("1732806000.3", CALLER, 3.0))
        names = [a["Action"] for a in r.server.all_actions() if a["Action"] != "Login"]
        assert names == ["Setvar"]  # no redirect: the caller waits on in its music
        [setvar] = r.sent("Setvar")
        assert (setvar["Channel"], setvar["Variable"], setvar["Value"]) == (
            CALLER, "CENTRALINO_BOOST", "3",
        )  # fmt: skip

    run_rig(body)


def test_a_spys_change_of_mode_is_a_digit_its_chanspy_receives() -> None:
    async def body(r: Rig) -> None:
        for mode, digit in ((SpyMode.BARGE, "6"), (SpyMode.WHISPER, "5"), (SpyMode.LISTEN, "4")):
            await r.actions.execute(SwitchSpyMode("spy-9", mode))
            sent = {k: v for k, v in r.sent("PlayDTMF")[-1].items() if k != "ActionID"}
            assert sent == {"Action": "PlayDTMF", "Channel": "spy-9", "Digit": digit,
                            "Receive": "true", "Async": "false"}  # fmt: skip
        assert r.reported == []

    run_rig(body)
