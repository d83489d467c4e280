"""The core's telephony commands, carried out with AMI actions.

    RingAgent      -> Originate (Async) of PJSIP/<endpoint> into the connect context (a kiosk
                      call with video: Codecs), with ChannelId = ring_id so every event of
                      the leg carries the core's id; a callback's ring (callback=True)
                      answers into its 'callback' extension, which waits long enough for
                      the citizen's phone to ring
    StopRinging    -> Hangup of the ring's leg (deferred until Newchannel if not created yet)
    Connect        -> (an answered ring's leg normally bridges itself: centralino-connect;
                      Connect is for a resume after a hold, or when that failed)
                      Setvar CENTRALINO_DONE=1 on the caller (no return to the wait loop
                      after the talk) and Bridge caller and agent leg, both sent at once; a
                      failed Bridge is ConnectFailed to the core (caller_gone when Asterisk
                      has no caller channel any more), which ends the call or tries again,
                      and the mark undone (DONE=0) for a caller still there; a failed
                      Setvar of a bridged caller is sent once more
    RedirectCaller -> Setvar CENTRALINO_DONE and CENTRALINO_PROMPT (the file, in the call's
                      language), Redirect the caller to the overflow context's 'message'
                      (play, hang up); for a voice message, Setvar CENTRALINO_VOICEMAIL (the
                      prompt's name: the FastAGI voicemail plays it in the channel's language)
                      and CENTRALINO_VOICEMAIL_SECONDS, Redirect to its 'voicemail'
    HangUpChannel  -> Hangup
    HoldCall       -> one Redirect of both legs out of their bridge (ExtraChannel: Asterisk
                      keeps the bridge from dissolving between the two): the caller to
                      centralino-hold,caller (music), the agent's leg to centralino-hold,agent
                      (a silent wait); if it fails, HoldFailed. Resume is a Connect again.
    RequeueCaller  -> Setvar CENTRALINO_DONE=0 and CENTRALINO_SERVICE (a restarted engine
                      takes the caller back in that service), then Redirect the caller to the
                      queue's wait loop, centralino-citizens,s,queued (music, announcements)

A consult transfer (``acd.core.consult``); the caller is on hold all along:

    RingAgent(consult=True) -> the same Originate into centralino-consult, whose leg,
                      after its bridge with the agent, waits a little for the engine to
                      hand the caller over when the agent hung up (CENTRALINO_DONE unset)
    JoinConsult    -> Setvar CENTRALINO_CONSULT=1 on the agent's leg (back from this
                      bridge, centralino-hold waits again rather than hang up), Bridge the
                      agent's leg with the colleague's; a failure is ConnectFailed of the
                      colleague's ring
    CompleteTransfer -> Setvar CENTRALINO_DONE=1 on the colleague's leg (it hangs up when
                      the caller's bridge ends), Bridge the caller with it (Asterisk moves it
                      out of the agents' bridge), Hangup of the agent's leg; a failed Bridge
                      is ConnectFailed of the colleague's ring, now the call's
    ReturnFromConsult -> Setvar CENTRALINO_CONSULT=0 on the agent's leg, Bridge the caller
                      with it, Hangup of the colleague's leg

A supervisor on an agent's call (``acd.core.supervision``):

    SpyOnAgent     -> Originate (Async) of PJSIP/<supervisor's endpoint> running the
                      application ChanSpy on the agent's leg, named by its uniqueid (option
                      u), quiet (q: no beep, no name spoken), ending when that leg hangs up
                      (E) or is not there (S); w: the agent hears the supervisor, B: both
                      do. ChannelId = the spy's id, so its Hangup ends it in the core; a
                      failure is ``RingFailed`` of that id, as for a ring

    SwitchSpyMode  -> PlayDTMF with Receive on the spy's channel: ChanSpy (option d) reads
                      4, 5 or 6 as if the supervisor keyed it and changes mode, the phone
                      call going on
    NoteBoost      -> Setvar CENTRALINO_BOOST (the supervisors' points) on the waiting caller:
                      a restarted engine resumes the call with them (acd.telephony.resume)

A callback's call out (``acd.core.callbacks``):

    DialCitizen    -> ``dial_out``: Originate (Async) of PJSIP/<number>@<trunk> into
                      centralino-outbound with ChannelId = the leg's id (CENTRALINO_PROMPT
                      set for the last call's message); a number the trunk may not dial is
                      ``CitizenNotReached(not-allowed)`` and nothing is sent, an AMI error
                      ``CitizenNotReached(failed)``

``dial_out`` calls a number over a trunk (``acd.telephony.outbound``); a number the trunk
may not dial raises ``OutboundNotAllowed`` before anything is sent.

Nothing raises out of ``execute``: failures are logged, and reported as events where the
core needs them (``RingFailed``, ``ConnectFailed``). A ring that cannot be sent because AMI
is not connected is reported as ``TelephonyLost`` then ``RingFailed(missed=False)``: the core
stops offering calls at once (the AMI client's own report may still be on its way) and does
not count the ring against the agent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, assert_never

from acd.config.kiosk_model import KIOSK_CODECS, KIOSK_ORIGIN
from acd.core.callback import AttemptResult
from acd.core.commands import (
    CompleteTransfer,
    Connect,
    DialCitizen,
    HangUpChannel,
    HoldCall,
    JoinConsult,
    NoteBoost,
    RedirectCaller,
    RequeueCaller,
    ReturnFromConsult,
    RingAgent,
    SpyOnAgent,
    StopRinging,
    SwitchSpyMode,
    TelephonyCommand,
)
from acd.core.events import (
    CitizenNotReached,
    ConnectFailed,
    Event,
    HoldFailed,
    RingFailed,
    TelephonyLost,
)
from acd.core.model import SpyMode
from acd.redact import describe
from acd.telephony.ami import AmiAction, AmiMessage
from acd.telephony.errors import AmiActionError, AmiError, AmiNotConnected, OutboundNotAllowed
from acd.telephony.outbound import DialOut, OutboundPolicy, dial_out_action
from acd.telephony.translate import ChannelDirectory, ring_action_id

log = logging.getLogger(__name__)

_NORMAL_CLEARING = "16"
HOLD_CONTEXT = "centralino-hold"  # exten 'caller': music; exten 'agent': a silent wait
QUEUE_LOOP = ("centralino-citizens", "s", "queued")  # the IVR's wait loop, by its label
CONSULT_CONTEXT = "centralino-consult"  # a consulted colleague's leg
CALLBACK_EXTEN = "callback"  # the connect context's extension for a callback's agent leg
_RING_BACKSTOP_SECONDS = 5  # Asterisk gives up by itself shortly after the core's ring timer
SPY_RING_SECONDS = 30  # how long a supervisor's phone rings for a ChanSpy
# ChanSpy's options (Asterisk 22): u the spied channel named by its uniqueid, q quiet, E end
# when it hangs up, S end when there is nothing to spy on, d the digits 4, 5 and 6 switch to
# listening, whispering and barging (SwitchSpyMode, or the supervisor's own keypad); then
# the mode's own
SPY_OPTIONS = "uqESd"
SPY_MODES = {SpyMode.LISTEN: "", SpyMode.WHISPER: "w", SpyMode.BARGE: "B"}
SPY_DIGITS = {SpyMode.LISTEN: "4", SpyMode.WHISPER: "5", SpyMode.BARGE: "6"}


class Ami(Protocol):
    """What the actions need of acd.telephony.ami.AmiClient."""

    async def send(self, action: AmiAction, timeout: float | None = None) -> list[AmiMessage]: ...

    def begin(
        self, action: AmiAction, timeout: float | None = None
    ) -> Coroutine[Any, Any, list[AmiMessage]]: ...


def originate(command: RingAgent, context: str) -> dict[str, str | list[str]]:
    """The Originate that rings the agent for ``command``."""
    timeout_ms = int((command.timeout_seconds + _RING_BACKSTOP_SECONDS) * 1000)
    action: dict[str, str | list[str]] = {
        "Action": "Originate",
        "ActionID": ring_action_id(command.ring_id),  # echoed by OriginateResponse
        "Async": "true",
        "Channel": f"PJSIP/{command.endpoint}",
        "Context": context,
        "Exten": CALLBACK_EXTEN if command.callback else "s",
        "Priority": "1",
        "ChannelId": command.ring_id,
        "Timeout": str(timeout_ms),
        "Variable": [  # a list: panoramisk writes one Variable header per item
            f"CENTRALINO_RING={command.ring_id}",
            f"CENTRALINO_CALL={command.call_id}",
            f"CALLER={command.caller_channel}",
        ],
    }
    caller = "".join(ch for ch in command.caller_number if ch.isprintable())
    if caller:  # (the caller chose it: no line break may reach the AMI header)
        action["CallerID"] = caller
    if command.caller_number.startswith(KIOSK_ORIGIN):  # a district totem: with video
        action["Codecs"] = KIOSK_CODECS
    return action


def spy_originate(command: SpyOnAgent) -> dict[str, str | list[str]]:
    """The Originate that rings the supervisor's phone into ChanSpy on the agent's leg."""
    return {
        "Action": "Originate",
        "ActionID": ring_action_id(command.spy_id),  # a failure: RingFailed of the spy
        "Async": "true",
        "Channel": f"PJSIP/{command.endpoint}",
        "Application": "ChanSpy",
        "Data": f"{command.agent_leg},{SPY_OPTIONS}{SPY_MODES[command.mode]}",
        "ChannelId": command.spy_id,
        "Timeout": str(SPY_RING_SECONDS * 1000),
        "CallerID": f'"{command.mode.value} {command.agent_id}" <{command.agent_id}>',
    }


class TelephonyActions:
    def __init__(
        self,
        ami: Ami,
        directory: ChannelDirectory,
        report: Callable[[Event], None],
        connect_context: str = "centralino-connect",
        sound: Callable[[str, str], str] | None = None,
        language: str = "it",
        outbound: OutboundPolicy | None = None,
    ) -> None:
        """``outbound``: the numbers ``dial_out`` may call over each trunk (default: none)."""
        self._ami, self._directory, self._report = ami, directory, report
        self._outbound = outbound or OutboundPolicy()
        self._context = connect_context
        self._sound = sound or (lambda lang, prompt: prompt)  # (language, prompt) -> file
        self._language = language
        self._background: set[asyncio.Task[None]] = set()  # deferred hang-ups

    async def execute(self, command: TelephonyCommand) -> None:
        """Carry out one telephony command; never raises."""
        try:
            await self._dispatch(command)
        except Exception:
            log.exception("telephony command failed: %s", describe(command))

    def begin(self, command: TelephonyCommand) -> Coroutine[Any, Any, None] | None:
        """A ring of the caller's agent written to AMI now, in the caller's turn of the loop
        (the awaitable returned finishes it, as ``execute`` would), or None: anything else
        goes through ``execute``. Between a caller's key and its agent's ring this saves a
        wait behind whatever else the loop has ready (the p95 of that time under load)."""
        if not isinstance(command, RingAgent) or command.consult:
            return None
        try:
            answer = self._ami.begin(originate(command, self._context))
        except AmiError:
            return self.execute(command)  # tried again there, its failure handled there
        return self._finish(self._originated(answer, command.ring_id), command)

    async def _finish(self, work: Awaitable[None], command: TelephonyCommand) -> None:
        try:
            await work
        except Exception:
            log.exception("telephony command failed: %s", describe(command))

    async def dial_out(self, call: DialOut) -> None:
        """Call ``call.number`` over ``call.trunk``: ``OutboundNotAllowed`` (nothing sent)
        unless the trunk allows the number; AMI errors as ``AmiClient.send`` raises them.
        Asterisk's answer comes as events: the leg's Newchannel, then its Hangup or the
        ``centralino-outbound`` context's UserEvent."""
        self._outbound.check(call.trunk, call.number)
        await self._ami.send(dial_out_action(call))

    async def close(self) -> None:
        """Cancel the deferred hang-ups still waiting for their answer."""
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    def _dispatch(self, command: TelephonyCommand) -> Awaitable[None]:  # noqa: C901
        match command:
            case RingAgent():
                return self._ring(command)
            case StopRinging():
                return self._hang_up(command.ring_id)
            case Connect():
                return self._connect(command)
            case HangUpChannel():
                return self._hang_up(command.channel_id)
            case RedirectCaller():
                return self._redirect(command)
            case HoldCall():
                return self._hold(command)
            case RequeueCaller() | NoteBoost():
                return self._requeue(command)
            case JoinConsult() | CompleteTransfer() | ReturnFromConsult():
                return self._consult(command)
            case SpyOnAgent() | SwitchSpyMode():
                return self._spy(command)
            case DialCitizen():
                return self._dial_citizen(command)
            case _:
                assert_never(command)

    async def _dial_citizen(self, command: DialCitizen) -> None:
        variables = {"CENTRALINO_CALL": command.call_id}
        if command.prompt:
            variables["CENTRALINO_PROMPT"] = self._sound(command.language or self._language,
                                                         command.prompt)  # fmt: skip
        call = DialOut(command.trunk, command.number, command.leg, command.ring_seconds,
                       variables=variables)  # fmt: skip
        try:
            await self.dial_out(call)
        except OutboundNotAllowed as exc:
            log.warning("callback %s not dialled: %s", command.call_id, _without_number(exc))
            self._report(CitizenNotReached(command.leg, AttemptResult.NOT_ALLOWED, "not allowed"))
        except AmiError as exc:
            self._report(CitizenNotReached(command.leg, AttemptResult.FAILED, str(exc)))

    async def _ring(self, command: RingAgent) -> None:
        context = CONSULT_CONTEXT if command.consult else self._context
        await self._originate(originate(command, context), command.ring_id)

    async def _originate(self, action: AmiAction, leg: str) -> None:
        """Send an Originate of the leg ``leg``; a failure is ``RingFailed`` of ``leg``."""
        await self._originated(self._ami.send(action), leg)

    async def _originated(self, answer: Awaitable[list[AmiMessage]], leg: str) -> None:
        """The answer to the Originate of ``leg``; a failure is ``RingFailed`` of ``leg``."""
        try:
            await answer
        except AmiActionError as exc:
            self._report(RingFailed(leg, str(exc)))
        except AmiNotConnected as exc:
            self._report(TelephonyLost(str(exc)))
            self._report(RingFailed(leg, str(exc), missed=False))
        except AmiError as exc:
            # Asterisk may have queued it all the same: hang the leg up should it appear.
            self._directory.when_named(leg, self._hang_up_later)
            self._report(RingFailed(leg, str(exc), missed=False))

    async def _spy(self, command: SpyOnAgent | SwitchSpyMode) -> None:
        if isinstance(command, SpyOnAgent):
            return await self._originate(spy_originate(command), command.spy_id)
        # Asterisk takes a uniqueid where a channel's name is asked, should it be unknown yet
        channel = self._directory.name(command.spy_id) or command.spy_id
        # Async: false, which Asterisk ignores here: panoramisk 1.4 reads the answer "DTMF
        # successfully queued" as an Originate's and looks for the action's Async header
        action = {"Action": "PlayDTMF", "Channel": channel, "Digit": SPY_DIGITS[command.mode],
                  "Receive": "true", "Async": "false"}  # fmt: skip
        try:
            await self._ami.send(action)
        except AmiError as exc:  # the supervisor hung up meanwhile, most likely
            log.warning("PlayDTMF on the spy %s failed: %s", command.spy_id, exc)

    async def _hang_up(self, uniqueid: str) -> None:
        name = self._directory.name(uniqueid)
        if name is not None:
            await self._send_hangup(name)
            return
        # Not seen yet: an Originate still on its way. Hang it up as soon as it shows; and
        # try the uniqueid now, which Asterisk also accepts, in case the directory missed it.
        self._directory.when_named(uniqueid, self._hang_up_later)
        if await self._send_hangup(uniqueid):
            self._directory.forget_waiters(uniqueid)

    async def _connect(self, command: Connect) -> None:
        agent = self._directory.name(command.ring_id) or command.ring_id
        # A citizen called back is its leg's uniqueid (Asterisk 22 takes it for a name):
        # whether it is gone is that leg's news, not the first call's.
        caller_id = command.caller_channel if self._known(command.caller_channel) else (
            command.call_id)  # fmt: skip
        done = {"Action": "Setvar", "Channel": command.caller_channel,
                "Variable": "CENTRALINO_DONE", "Value": "1"}  # fmt: skip
        bridge = {
            "Action": "Bridge",
            "Channel1": command.caller_channel,
            "Channel2": agent,
            "Tone": "no",
        }
        # Both in flight at once (Asterisk takes one session's actions in order): one round
        # trip from the agent's answer to the bridge, not two.
        marked, bridged = await asyncio.gather(self._ami.send(done), self._ami.send(bridge),
                                               return_exceptions=True)  # fmt: skip
        failed = _failure(bridged) or _failure(marked, only_gone=True)
        if failed is not None:
            gone = _caller_gone(failed) or self._directory.hung_up(caller_id)
            log.warning("Connect %s with %s failed: %s%s", command.caller_channel, agent,
                        failed, " (the caller is gone)" if gone else "")  # fmt: skip
            if not gone and not isinstance(marked, BaseException):
                # back to the wait loop, which must not take the mark for the talk's end
                await self._setvar(command.caller_channel, "CENTRALINO_DONE", "0")
            self._report(ConnectFailed(command.ring_id, gone, str(failed)))
            return
        if isinstance(marked, BaseException):  # bridged, not marked: once more, or after
            log.warning("Setvar CENTRALINO_DONE on %s failed: %s; again", command.caller_channel,
                        marked)  # fmt: skip  # the talk the caller would hear the music again
            await self._setvar(command.caller_channel, "CENTRALINO_DONE", "1")

    def _consult(
        self, command: JoinConsult | CompleteTransfer | ReturnFromConsult
    ) -> Awaitable[None]:
        match command:
            case JoinConsult():
                return self._join_consult(command)
            case CompleteTransfer():
                return self._complete_transfer(command)
            case ReturnFromConsult():
                return self._return_from_consult(command)
            case _:
                assert_never(command)

    async def _join_consult(self, command: JoinConsult) -> None:
        agent = self._name(command.agent_leg)
        await self._setvar(agent, "CENTRALINO_CONSULT", "1")
        await self._bridge(agent, command.colleague_leg, command.call_id)

    async def _complete_transfer(self, command: CompleteTransfer) -> None:
        colleague = self._name(command.colleague_leg)
        await self._setvar(colleague, "CENTRALINO_DONE", "1")
        await self._bridge(command.caller_channel, command.colleague_leg, command.call_id)
        await self._hang_up(command.agent_leg)  # its part is over, bridged or not

    async def _return_from_consult(self, command: ReturnFromConsult) -> None:
        agent = self._name(command.agent_leg)
        await self._setvar(agent, "CENTRALINO_CONSULT", "0")
        await self._bridge(command.caller_channel, command.agent_leg, command.call_id)
        await self._hang_up(command.colleague_leg)

    async def _bridge(self, channel: str, leg: str, call_id: str) -> bool:
        """Bridge ``channel`` with the leg ``leg`` (a ring id); a failure is reported as
        ``ConnectFailed`` of ``leg``. True when Asterisk did it."""
        bridge = {"Action": "Bridge", "Channel1": channel, "Channel2": self._name(leg),
                  "Tone": "no"}  # fmt: skip
        try:
            await self._ami.send(bridge)
        except AmiError as exc:
            gone = _caller_gone(exc) or self._directory.hung_up(call_id)
            log.warning("Bridge %s with %s failed: %s", channel, leg, exc)
            self._report(ConnectFailed(leg, gone, str(exc)))
            return False
        return True

    def _known(self, uniqueid: str) -> bool:
        """Whether ``uniqueid`` is a channel's uniqueid the directory saw (live or gone)."""
        return self._directory.name(uniqueid) is not None or self._directory.hung_up(uniqueid)

    def _name(self, uniqueid: str) -> str:
        """A channel's name for an action (its uniqueid, which Asterisk also takes, if the
        directory has not seen it)."""
        return self._directory.name(uniqueid) or uniqueid

    async def _redirect(self, command: RedirectCaller) -> None:
        channel = command.caller_channel
        exten, variables = self._overflow_variables(command)
        for name, value in {"CENTRALINO_DONE": "1", **variables}.items():
            await self._setvar(channel, name, value)
        redirect = {"Action": "Redirect", "Channel": channel, "Context": "centralino-overflow",
                    "Exten": exten, "Priority": "1"}  # fmt: skip
        try:
            await self._ami.send(redirect)
        except AmiError as exc:  # the caller hung up meanwhile, most likely
            log.warning("Redirect %s failed: %s", channel, exc)

    async def _hold(self, command: HoldCall) -> None:
        agent = self._directory.name(command.ring_id) or command.ring_id
        redirect = {"Action": "Redirect", "Channel": command.caller_channel,
                    "Context": HOLD_CONTEXT, "Exten": "caller", "Priority": "1",
                    "ExtraChannel": agent, "ExtraContext": HOLD_CONTEXT,
                    "ExtraExten": "agent", "ExtraPriority": "1"}  # fmt: skip
        try:
            await self._ami.send(redirect)
        except AmiError as exc:
            log.warning("hold of %s with %s failed: %s", command.caller_channel, agent, exc)
            self._report(HoldFailed(command.call_id, str(exc)))

    async def _requeue(self, command: RequeueCaller | NoteBoost) -> None:
        channel = command.caller_channel
        if isinstance(command, NoteBoost):  # the caller waits on: only the points noted
            return await self._setvar(channel, "CENTRALINO_BOOST", f"{command.points:g}")
        await self._setvar(channel, "CENTRALINO_DONE", "0")
        await self._setvar(channel, "CENTRALINO_SERVICE", command.service)
        context, exten, label = QUEUE_LOOP
        redirect = {"Action": "Redirect", "Channel": channel, "Context": context,
                    "Exten": exten, "Priority": label}  # fmt: skip
        try:
            await self._ami.send(redirect)
        except AmiError as exc:  # the caller hung up meanwhile, most likely
            log.warning("Redirect %s back to the queue failed: %s", channel, exc)

    def _overflow_variables(self, command: RedirectCaller) -> tuple[str, dict[str, str]]:
        """The overflow context's extension for ``command`` and the variables it reads."""
        if command.voicemail_seconds:
            seconds = str(command.voicemail_seconds)
            return "voicemail", {"CENTRALINO_VOICEMAIL": command.prompt,
                                 "CENTRALINO_VOICEMAIL_SECONDS": seconds}  # fmt: skip
        prompt = self._sound(command.language or self._language, command.prompt)
        return "message", {"CENTRALINO_PROMPT": prompt}

    async def _setvar(self, channel: str, name: str, value: str) -> None:
        action = {"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value}
        try:
            await self._ami.send(action)
        except AmiError as exc:
            log.warning("Setvar %s on %s failed: %s", name, channel, exc)

    async def _send_hangup(self, channel: str) -> bool:
        """Hang ``channel`` up; True when Asterisk did it."""
        try:
            await self._ami.send(
                {"Action": "Hangup", "Channel": channel, "Cause": _NORMAL_CLEARING}
            )
        except AmiActionError as exc:
            log.debug("Hangup %s: %s", channel, exc)  # mostly "No such channel": gone already
            return False
        except AmiError as exc:
            log.warning("Hangup %s failed: %s", channel, exc)
            return False
        return True

    def _hang_up_later(self, channel: str) -> None:
        """A directory waiter: synchronous, so the hang-up runs as a task of its own."""
        task = asyncio.get_running_loop().create_task(self._send_hangup_quietly(channel))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_hangup_quietly(self, channel: str) -> None:
        await self._send_hangup(channel)


def _failure(result: object, only_gone: bool = False) -> AmiError | None:
    """An action's failure among ``gather``'s results (``only_gone``: only one that says the
    caller's channel is gone); anything else raised is a bug, raised again."""
    if not isinstance(result, BaseException):
        return None
    if not isinstance(result, AmiError):
        raise result
    return result if not only_gone or _caller_gone(result) else None


def _caller_gone(exc: AmiError) -> bool:
    """Whether Asterisk refused because the caller's channel (Setvar's, Bridge's Channel1)
    no longer exists: ``No such channel``, ``Channel1 does not exist: ...``."""
    if not isinstance(exc, AmiActionError):
        return False
    message = exc.response.get("Message", "")
    return message.startswith(("No such channel", "Channel1 does not exist"))


def _without_number(exc: OutboundNotAllowed) -> str:
    """The refusal's reason without the citizen's number (never at WARNING)."""
    return "the trunk does not allow the number" if "allow" in str(exc) else "not a number"
