"""Runs an IVR flow on one FastAGI session: the only IVR module that talks AGI.

The runner tells the ACD what happened through the inbox: ``CallArrived`` when the session
starts, then either ``CallerEntered`` (queued) or ``IvrLeft`` (self-service, hang-up).
Before it reports a queued caller it sets ``CENTRALINO_QUEUED=1`` so that the dialplan
takes the caller to music on hold as soon as the AGI returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from acd.config.model import CenterConfig
from acd.core import events as e
from ivr.flow import Walk, run_tree
from ivr.steps import Collect, Enqueue, Hangup, Play, Step

log = logging.getLogger(__name__)


class Session(Protocol):
    """What the runner needs of an AGI session (acd.telephony.agi.AgiSession)."""

    headers: dict[str, str]

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None: ...
    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str: ...
    async def set_variable(self, name: str, value: str) -> None: ...


Report = Callable[[e.Event], None]
SoundPath = Callable[[str, str], str]  # (language, prompt name) -> file path for Asterisk


class IvrRunner:
    def __init__(self, cfg: CenterConfig, report: Report, sound: SoundPath) -> None:
        self.cfg = cfg
        self.report = report
        self.sound = sound
        self.trees_by_number = {n.number: n.ivr for n in cfg.numbers}

    async def serve(self, session: Session, channel_gone: type[Exception]) -> None:
        h = session.headers
        call_id = h.get("agi_uniqueid", "")
        dialled = h.get("agi_dnid") or h.get("agi_extension", "")
        caller = h.get("agi_callerid", "")
        self.report(e.CallArrived(call_id, h.get("agi_channel", ""), caller, dialled))
        walk = Walk()
        try:
            await self._walk(session, call_id, self._tree_for(dialled), walk)
        except channel_gone:
            self.report(e.IvrLeft(call_id, walk.keys(), "ivr-hangup"))

    def _tree_for(self, dialled: str) -> str:
        return self.trees_by_number.get(dialled, self.cfg.numbers[0].ivr)

    async def _walk(self, session: Session, call_id: str, tree: str, walk: Walk) -> None:
        flow = run_tree(self.cfg.ivr[tree], walk)
        step: Step | None = next(flow, None)
        while step is not None:
            if isinstance(step, Enqueue):
                await session.set_variable("CENTRALINO_QUEUED", "1")
                self.report(e.CallerEntered(call_id, step.service, walk.keys(), step.priority))
                return
            if isinstance(step, Hangup):
                self.report(e.IvrLeft(call_id, walk.keys(), step.outcome))
                return
            result = await self._do(session, step)
            try:
                step = flow.send(result)
            except StopIteration:
                step = None
        self.report(e.IvrLeft(call_id, walk.keys(), "ivr-end"))

    async def _do(self, session: Session, step: Play | Collect) -> str | None:
        lang = self.cfg.center.language
        if isinstance(step, Play):
            return await session.stream_file(self.sound(lang, step.prompt), step.interrupt_keys)
        timeout_ms = int(step.timeout * 1000)
        return await session.get_data(self.sound(lang, step.prompt), timeout_ms, step.max_digits)
