"""Runs an IVR flow on one FastAGI session: the only IVR module that talks AGI.

The runner tells the ACD what happened through its ``IvrReports`` port: ``arrived`` when the
session starts, then ``entered`` (queued) or ``left`` (self-service, closed, transferred,
hang-up); the composition root puts them on the inbox as the core's ``CallArrived``,
``CallerEntered`` and ``IvrLeft``. Before it reports a queued caller it sets
``CENTRALINO_QUEUED=1`` so that the dialplan takes the caller to music on hold as soon as
the AGI returns, and, before that, what a restarted engine needs to take the caller back at
its place (``acd.telephony.resume``):
``CENTRALINO_SERVICE``, ``_PRIORITY``, ``_REQUIREMENT`` (the IVR's) and ``_ENTERED`` (UTC
epoch seconds); the language is the channel's, the numbers its caller id and exten. As the
caller walks, ``CENTRALINO_DEFAULT_SERVICE`` holds the default service of the tree it is in
(``IvrTree.default_service``): should the engine go away mid-walk, the dialplan queues the
caller there rather than say "sorry". A transfer sets
``CENTRALINO_TRANSFER`` to the number the dialplan dials. However the session ends, even
when the caller hangs up mid-prompt, the walk (nodes, keys, times, the node where the
caller left) is handed to ``save_walk``. DTMF reaches AGI the same way whether it came as
RFC 2833 events or SIP INFO (the endpoints use ``dtmf_mode=auto_info``).

A voice message (``Record``) is kept at once when the caller hangs up during it: they can
no longer confirm it, and what they said must not be lost. A message kept (``KeptMessage``)
says whose agents work it: the message node's ``service``, else the tree's default service;
the IVR path is the keys pressed so far. ``serve_voicemail`` runs the message node alone
for a queue's voicemail overflow (``ivr.voicemail``); that session reports nothing to the
core (the contact is already closed), records no walk, and leaves the service to whoever
keeps the message (the call's contact says which queue it overflowed from); its recordings
are named apart (``CALL-vm1``), so that a caller who left an IVR message first keeps both.

A ``schedule_callback`` node's booking (``ScheduleCallback``) goes through the
``ScheduledCallbacks`` port (the core's ``CallbackScheduled``, with the caller's call id and
IVR keys); without the port it is refused. Which numbers a service's callbacks may dial is
the ``dialable`` port's to say (the trunk's outbound patterns).

Errors: ``channel_gone`` (the telephony layer's ChannelGone) ends the walk quietly; a
failed lookup is logged and answered as "not found"; a voicemail asked with bad arguments
(``VoicemailError``) is logged, and the dialplan hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ivr import steps as s
from ivr.center import CenterSettings
from ivr.flow import run_tree
from ivr.model import MessageNode
from ivr.nodes import handle
from ivr.voicemail import VoicemailError, voicemail_node
from ivr.walk import Clock, Dialable, SavedWalk, Walk, make_context, nothing_dialable
from ivr.wording import WORDINGS, wait

log = logging.getLogger(__name__)

DEFAULT_SERVICE = "CENTRALINO_DEFAULT_SERVICE"  # where the dialplan queues a caller it lost
Marks = Sequence[tuple[str, str]]  # channel variables: (name, value)
NO_PROMPT = "silence/1"  # GET DATA needs a file; the caller is already keying
# How RECORD FILE ended (the word in its reply's parentheses), when it did not end well:
CALLER_LEFT = ("hangup", "waitfor")  # the channel went away: the file holds what was said
NOT_RECORDED = ("randomerror", "writefile")  # a key or hang-up during the beep; no file
DATE_FORMATS = {
    "it": {"date": "AdB", "time": "HM", "datetime": "AdB 'digits/at' HM"},
    "en": {"date": "ABd", "time": "IMp", "datetime": "ABd 'digits/at' IMp"},
}


class Session(Protocol):
    """What the runner needs of an AGI session (acd.telephony.agi.AgiSession)."""

    headers: dict[str, str]

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None: ...
    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str: ...
    async def set_variable(self, name: str, value: str) -> None: ...
    async def set_variables(self, pairs: Sequence[tuple[str, str]]) -> None: ...
    async def get_variable(self, name: str) -> str | None: ...
    async def set_language(self, language: str) -> None: ...
    async def command(self, text: str, timeout: float | None = None) -> Any: ...
    async def exec(self, app: str, args: str = "", timeout: float | None = None) -> Any: ...


class IvrReports(Protocol):
    """What the runner tells the ACD of a call (acd.ivr_ports.CoreReports: the core's events)."""

    def arrived(self, call_id: str, channel: str, caller: str, dialled: str) -> None: ...

    def entered(
        self, call_id: str, queue: s.Enqueue, keys: tuple[str, ...], language: str
    ) -> None: ...

    def left(self, call_id: str, keys: tuple[str, ...], outcome: str) -> None: ...


class ScheduledCallbacks(Protocol):
    """Where a callback booked in the IVR goes (acd.ivr_ports.CoreScheduler: the core's
    ``CallbackScheduled``); the answer is one of ``ivr.steps``' BOOKED, ALREADY_BOOKED,
    BAD_TIME, REFUSED."""

    async def schedule(
        self, call_id: str, booking: s.ScheduleCallback, keys: tuple[str, ...], language: str
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class KeptMessage:
    """A voice message to hand to the back office: ``name`` is its recording's;
    ``service`` None: a queue's voicemail, whose call's contact tells the service."""

    call_id: str
    caller: str
    name: str
    at: datetime
    service: str | None
    ivr_path: tuple[str, ...]
    language: str


class MessageBox(Protocol):
    """Where voice messages are recorded and handed to the back office."""

    def path(self, name: str) -> str: ...  # as Asterisk sees it, no extension
    async def keep(self, message: KeptMessage) -> None: ...


SoundPath = Callable[[str, str], str]  # (language, prompt name) -> file path for Asterisk
LookupFn = Callable[[str, str], Awaitable[dict[str, str] | None]]
Estimate = Callable[[str], float | None]  # service -> estimated wait in seconds


async def no_lookup(query: str, key: str) -> dict[str, str] | None:
    return None


def no_estimate(service: str) -> float | None:
    return None


@dataclass(frozen=True)
class IvrPorts:
    """What the runner needs besides AGI; wired in the composition root (acd/bootstrap.py)."""

    reports: IvrReports
    sound: SoundPath
    clock: Clock
    lookup: LookupFn = no_lookup
    estimate: Estimate = no_estimate
    save_walk: Callable[[SavedWalk], None] = lambda walk: None
    messages: MessageBox | None = None
    real_clock: Clock | None = None  # the engine's (unshifted) clock; None: ``clock``
    callbacks: ScheduledCallbacks | None = None  # None: a booking is refused
    dialable: Dialable = nothing_dialable


@dataclass(slots=True)
class _Call:
    session: Session
    call_id: str
    caller: str
    walk: Walk
    gone: type[Exception]  # what the session raises once the channel is gone
    recordings: int = 0
    default_service: str | None = None  # the one set on the channel; None: not an IVR walk
    label: str = ""  # before a recording's number: "vm" for a queue's voicemail


class IvrRunner:
    def __init__(self, cfg: CenterSettings, ports: IvrPorts) -> None:
        self.cfg = cfg
        self.ports = ports
        self.context = make_context(cfg, ports.clock, ports.dialable)
        self.trees_by_number = {n.number: n.ivr for n in cfg.numbers}

    async def serve(
        self, session: Session, channel_gone: type[Exception], marks: Marks = ()
    ) -> None:
        """Walk the caller through the IVR. Its first command puts ``marks`` (the
        composition root's: the engine has the call) and the entry tree's default service
        on the channel, in one round trip."""
        h = session.headers
        dialled = h.get("agi_dnid") or h.get("agi_extension", "")
        call = self._call(session, channel_gone, self.cfg.center.language)
        tree, outcome = self._tree_for(dialled), "ivr-hangup"
        # a walk: its trees' default services go on the channel
        call.default_service = self._default_service(tree, "")
        self.ports.reports.arrived(call.call_id, h.get("agi_channel", ""), call.caller, dialled)
        try:
            await session.set_variables((*marks, (DEFAULT_SERVICE, call.default_service)))
            outcome = await self._walk(call, tree)
        except BaseException as exc:  # hang-up (channel_gone), AGI failure, server closing
            self.ports.reports.left(call.call_id, call.walk.keys(), outcome)
            if not isinstance(exc, channel_gone):
                raise
        finally:
            self._save(call, tree, outcome)

    async def serve_voicemail(self, session: Session, channel_gone: type[Exception]) -> None:
        """A voice message for a caller a queue overflowed (``ivr.voicemail``)."""
        try:
            node = voicemail_node(session.headers, self.cfg.prompts)
        except VoicemailError as exc:
            log.error("voicemail on %s not taken: %s", session.headers.get("agi_channel"), exc)
            return
        language = session.headers.get("agi_language", "")  # the channel's: the IVR set it
        if language not in self.cfg.center.languages:
            language = self.cfg.center.language
        call = self._call(session, channel_gone, language)
        call.label = "vm"
        call.walk.enter("overflow", "voicemail", self.ports.clock())  # the node notes on it
        with contextlib.suppress(channel_gone):  # hung up: what was recorded is kept already
            await self._steps(call, handle(self.context, node, call.walk))
        log.info("voicemail %s: %s", call.call_id, call.walk.visits[-1].result or "hung up")

    def _call(self, session: Session, gone: type[Exception], language: str) -> _Call:
        h = session.headers
        call = _Call(session, h.get("agi_uniqueid", ""), h.get("agi_callerid", ""), Walk(), gone)
        call.walk.language, call.walk.caller = language, call.caller
        return call

    def _tree_for(self, dialled: str) -> str:
        return self.trees_by_number.get(dialled, self.cfg.numbers[0].ivr)

    def _save(self, call: _Call, tree: str, outcome: str) -> None:
        w = call.walk
        saved = SavedWalk(call.call_id, tree, w.language, tuple(w.visits), outcome, w.where,
                          self.ports.clock())  # fmt: skip
        try:
            self.ports.save_walk(saved)
        except Exception:  # the caller's call must not suffer from the records
            log.exception("could not record the IVR walk of %s", call.call_id)

    async def _walk(self, call: _Call, tree: str) -> str:
        final = await self._steps(call, run_tree(self.context, tree, call.walk))
        if final is not None:
            return await self._finish(call, final)
        await call.session.set_variable("CENTRALINO_DONE", "1")  # (not lost: see _finish)
        self.ports.reports.left(call.call_id, call.walk.keys(), "ivr-end")
        return "ivr-end"

    async def _steps(self, call: _Call, flow: Any) -> s.Enqueue | s.Transfer | s.Hangup | None:
        """Carry out the flow's steps up to its final one (returned), or to its end."""
        try:
            step = next(flow, None)
            while step is not None:
                if isinstance(step, s.Final):
                    return step
                await self._note_default_service(call)
                result = await self._do(call, step)
                step = _send(flow, result)
        finally:
            flow.close()
        return None

    async def _note_default_service(self, call: _Call) -> None:
        """The default service of the tree the caller is in, on the channel when it changes
        (before the caller waits there: the engine may go away while it does)."""
        if call.default_service is None or not call.walk.visits:
            return
        service = self._default_service(call.walk.visits[-1].tree, call.default_service)
        if service != call.default_service:
            await call.session.set_variable(DEFAULT_SERVICE, service)
            call.default_service = service

    def _default_service(self, tree_name: str, current: str) -> str:
        """The tree's default service; else the one the caller had; else the first."""
        tree = self.cfg.ivr.get(tree_name)
        return (tree.default_service if tree else None) or current or next(iter(self.cfg.services))

    async def _finish(self, call: _Call, step: s.Enqueue | s.Transfer | s.Hangup) -> str:
        keys, session = call.walk.keys(), call.session
        if isinstance(step, s.Enqueue):
            # The channel's marks and the core's entry at once: the marks' command is sent
            # first (its task runs before the inbox is read), the agent's ring does not wait
            # for its answer. A caller gone meanwhile is the core's hang-up like any other.
            marking = asyncio.ensure_future(self._mark_queued(call, step))
            self.ports.reports.entered(call.call_id, step, keys, call.walk.language)
            await marking
            return "queued"
        if isinstance(step, s.Transfer):
            await session.set_variable("CENTRALINO_TRANSFER", step.number)
            self.ports.reports.left(call.call_id, keys, "transferred")
            return "transferred"
        # the IVR hangs up on purpose: the dialplan tells this end from a session lost (a
        # closed socket ends the AGI the same way, AGISTATUS=SUCCESS)
        await session.set_variable("CENTRALINO_DONE", "1")
        self.ports.reports.left(call.call_id, keys, step.outcome)
        return step.outcome

    async def _mark_queued(self, call: _Call, step: s.Enqueue) -> None:
        """What a restarted engine needs to take the caller back at its place, then
        ``CENTRALINO_QUEUED`` (last: a queued channel always carries the rest), all in one
        AGI command."""
        entered = (self.ports.real_clock or self.ports.clock)().timestamp()
        await call.session.set_variables((
            ("CENTRALINO_SERVICE", step.service),
            ("CENTRALINO_PRIORITY", str(step.priority)),
            ("CENTRALINO_REQUIREMENT", step.requirement),
            ("CENTRALINO_ENTERED", f"{entered:.3f}"),
            ("CENTRALINO_QUEUED", "1"),
        ))  # fmt: skip

    async def _do(self, call: _Call, step: s.Step) -> s.Result:
        handler = _STEPS[type(step)]
        result: s.Result = await handler(self, call, step)
        return result

    def _file(self, call: _Call, prompt: str | None) -> str:
        return NO_PROMPT if prompt is None else self.ports.sound(call.walk.language, prompt)

    async def _play(self, call: _Call, step: s.Play) -> s.Result:
        return await call.session.stream_file(self._file(call, step.prompt), step.interrupt_keys)

    async def _collect(self, call: _Call, step: s.Collect) -> s.Result:
        file, timeout_ms = self._file(call, step.prompt), int(step.timeout * 1000)
        if step.terminator == "#":  # GET DATA always ends on '#'
            return await call.session.get_data(file, timeout_ms, step.max_digits)
        args = f"CENTRALINO_DIGITS,{file},{step.max_digits},t({step.terminator}),1,{step.timeout:g}"
        await call.session.exec("Read", args)
        return await call.session.get_variable("CENTRALINO_DIGITS") or ""

    async def _say_digits(self, call: _Call, step: s.SayDigits) -> s.Result:
        verb = "SAY NUMBER" if step.as_number else "SAY DIGITS"
        await call.session.command(f'{verb} {step.text} ""', 30)
        return None

    async def _say_time(self, call: _Call, step: s.SayTime) -> s.Result:
        formats = DATE_FORMATS.get(call.walk.language, DATE_FORMATS["en"])
        epoch, tz = int(step.at.timestamp()), self.cfg.center.timezone
        await call.session.command(f'SAY DATETIME {epoch} "" "{formats[step.what]}" {tz}', 30)
        return None

    async def _say_wait(self, call: _Call, step: s.SayWait) -> s.Result:
        seconds = self.ports.estimate(step.service)
        if seconds is not None:  # the very sentence the queue's announcements use
            language = call.walk.language
            language = language if language in WORDINGS else self.cfg.center.language
            phrase = wait(seconds, WORDINGS[language])
            await call.session.stream_file(self.ports.sound(language, phrase.prompt))
        return None

    async def _set_language(self, call: _Call, step: s.SetLanguage) -> s.Result:
        await call.session.set_language(step.language)
        call.walk.language = step.language
        return None

    async def _lookup(self, call: _Call, step: s.Lookup) -> s.Result:
        try:
            return await self.ports.lookup(step.query, step.key)
        except Exception:  # the store is away: the caller hears "not found", not silence
            log.exception("IVR lookup %s failed on %s", step.query, call.call_id)
            return None

    async def _record(self, call: _Call, step: s.Record) -> s.Result:
        if self.ports.messages is None:
            return ""
        call.recordings += 1
        name = f"{call.call_id}-{call.label}{call.recordings}"
        beep = " BEEP" if step.beep else ""
        path, ms = self.ports.messages.path(name), step.max_seconds * 1000
        command = f'RECORD FILE "{path}" wav "#" {ms} 0{beep} s=5'
        reply = await call.session.command(command, ms / 1000 + 30)
        log.info("voice message %s of %s: RECORD FILE %s", name, call.call_id,
                 getattr(reply, "line", ""))  # fmt: skip
        ended = getattr(reply, "data", "")  # dtmf, timeout (or silence), hangup ...
        if ended in CALLER_LEFT:  # they cannot confirm any more: keep what they said
            await self._keep(call, name)
            call.walk.noted(result="saved")
            raise call.gone(f"{call.call_id} hung up during the voice message")
        return "" if ended in NOT_RECORDED else name

    async def _play_recording(self, call: _Call, step: s.PlayRecording) -> s.Result:
        assert self.ports.messages is not None  # only a Record step names a recording
        return await call.session.stream_file(self.ports.messages.path(step.recording), s.DTMF)

    async def _keep_recording(self, call: _Call, step: s.KeepRecording) -> s.Result:
        await self._keep(call, step.recording)
        return None

    async def _schedule_callback(self, call: _Call, step: s.ScheduleCallback) -> s.Result:
        if self.ports.callbacks is None:
            return s.REFUSED
        keys, language = call.walk.keys(), call.walk.language
        return await self.ports.callbacks.schedule(call.call_id, step, keys, language)

    async def _keep(self, call: _Call, recording: str) -> None:
        assert self.ports.messages is not None  # only a Record step names a recording
        walk = call.walk
        at = (self.ports.real_clock or self.ports.clock)()  # a fact: not the hours' clock
        message = KeptMessage(call.call_id, call.caller, recording, at, self._service_of(call),
                              walk.keys(), walk.language)  # fmt: skip
        await self.ports.messages.keep(message)

    def _service_of(self, call: _Call) -> str | None:
        """The message node's service, else the default service of the tree it is in (for
        an IVR walk; a queue's voicemail has none: None)."""
        if call.default_service is None:
            return None
        visit = call.walk.visits[-1]
        tree = self.cfg.ivr.get(visit.tree)
        node = tree.nodes.get(visit.node) if tree is not None else None
        own = node.service if isinstance(node, MessageNode) else None
        return own or call.default_service or next(iter(self.cfg.services))


def _send(flow: Any, result: s.Result) -> s.Step | None:
    try:
        step: s.Step = flow.send(result)
    except StopIteration:
        return None
    return step


_STEPS: dict[type, Callable[[IvrRunner, _Call, Any], Awaitable[s.Result]]] = {
    s.Play: IvrRunner._play,
    s.Collect: IvrRunner._collect,
    s.SayDigits: IvrRunner._say_digits,
    s.SayTime: IvrRunner._say_time,
    s.SayWait: IvrRunner._say_wait,
    s.SetLanguage: IvrRunner._set_language,
    s.Lookup: IvrRunner._lookup,
    s.Record: IvrRunner._record,
    s.PlayRecording: IvrRunner._play_recording,
    s.KeepRecording: IvrRunner._keep_recording,
    s.ScheduleCallback: IvrRunner._schedule_callback,
}
