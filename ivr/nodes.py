"""What each node type does, as a small generator: yield steps, return the next node's name.

``None`` as the next node ends the flow (after ``Enqueue``, ``Transfer`` or ``Hangup``).
Keys pressed during a prompt are kept in ``walk.pending_key`` and taken by the next menu
or collect at once, so a caller who knows the tree need not wait for the prompts.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from ivr import steps as s
from ivr.model import (
    CollectNode,
    EnqueueNode,
    HangupNode,
    HoursNode,
    LanguageNode,
    LookupNode,
    MenuNode,
    MessageNode,
    PlayNode,
    SayNode,
    ScheduleCallbackNode,
    TransferNode,
)
from ivr.schedule_callback import schedule_dialogue
from ivr.walk import Context, Walk

Flow = Generator[s.Step, s.Result, None]
NodeFlow = Generator[s.Step, s.Result, str | None]
RECORD_ATTEMPTS = 3  # the last recording is kept without asking again


def handle(ctx: Context, node: Any, walk: Walk) -> NodeFlow:
    flow: NodeFlow = _HANDLERS[type(node)](ctx, node, walk)
    return flow


def _text(result: s.Result) -> str:
    return result if isinstance(result, str) else ""


def _play(ctx: Context, node: PlayNode, walk: Walk) -> NodeFlow:
    walk.pending_key = _text((yield s.Play(node.prompt, s.DTMF)))
    return node.next


def _menu(ctx: Context, node: MenuNode, walk: Walk) -> NodeFlow:
    for attempt in range(node.retries + 1):
        key = walk.take_key() or _text((yield s.Collect(node.prompt, node.timeout)))
        if key in node.options:
            walk.chose(key)
            return node.options[key]
        prompt = node.invalid_prompt if key else node.timeout_prompt
        if prompt and attempt < node.retries:
            walk.pending_key = _text((yield s.Play(prompt, s.DTMF)))
    walk.noted(result="fallback")
    return node.fallback


def _collect(ctx: Context, node: CollectNode, walk: Walk) -> NodeFlow:
    for attempt in range(node.retries + 1):
        digits = yield from _digits(node, walk.take_key())
        if _valid(node, digits):
            walk.values[node.into] = digits
            walk.noted(entered=digits)
            return node.next
        if node.invalid_prompt and attempt < node.retries:
            yield s.Play(node.invalid_prompt)
    walk.noted(result="fallback")
    return node.fallback


def _digits(node: CollectNode, typed: str) -> Generator[s.Step, s.Result, str]:
    if typed == node.terminator:
        return ""
    prompt = None if typed else node.prompt  # the caller is already keying: no prompt
    more = node.max_digits - len(typed)
    got = _text((yield s.Collect(prompt, node.timeout, more, node.terminator))) if more else ""
    return (typed + got).split(node.terminator, 1)[0]


def _valid(node: CollectNode, digits: str) -> bool:
    if not node.min_digits <= len(digits) <= node.max_digits:
        return False
    return node.pattern is None or re.fullmatch(node.pattern, digits) is not None


def _say(ctx: Context, node: SayNode, walk: Walk) -> NodeFlow:
    if node.prompt:
        yield s.Play(node.prompt)
    step = _say_step(ctx, node, walk)
    if step is not None:
        yield step
    return node.next


def _say_step(ctx: Context, node: SayNode, walk: Walk) -> s.Step | None:
    if node.say in ("number", "digits"):
        value = node.value or ""
        text = walk.values.get(value[1:], "") if value.startswith("$") else value
        return s.SayDigits(text, node.say == "number") if text.isdigit() else None
    if node.say == "wait":
        return s.SayWait(node.service or "")
    if node.say == "opening":
        at = ctx.calendar(node).next_opening(ctx.clock())
        return None if at is None else s.SayTime(at, "datetime")
    if node.say == "date" or node.say == "time" or node.say == "datetime":
        return s.SayTime(ctx.clock(), node.say)
    return None


def _hours(ctx: Context, node: HoursNode, walk: Walk) -> NodeFlow:
    status = ctx.calendar(node).status(ctx.clock())
    walk.noted(result=status.state)
    if status.prompt:
        yield s.Play(status.prompt)
    if status.open:
        return node.open
    if status.state == "holiday" and node.holiday:
        return node.holiday
    return node.closed


def _language(ctx: Context, node: LanguageNode, walk: Walk) -> NodeFlow:
    yield s.SetLanguage(node.language)
    walk.language = node.language
    return node.next


def _lookup(ctx: Context, node: LookupNode, walk: Walk) -> NodeFlow:
    answer = yield s.Lookup(node.query, walk.values.get(node.input, ""))
    if isinstance(answer, dict):
        walk.values.update(answer)
        walk.noted(result="found")
        return node.found
    walk.noted(result="not-found")
    return node.not_found


def _message(ctx: Context, node: MessageNode, walk: Walk) -> NodeFlow:
    yield s.Play(node.prompt)
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        recording = _text((yield s.Record(node.max_seconds, node.beep)))
        if not recording:
            walk.noted(result="empty")
            return node.next
        if attempt < RECORD_ATTEMPTS and not (yield from _confirmed(node, recording)):
            continue
        yield s.KeepRecording(recording)
        walk.noted(result="saved")
        if node.saved_prompt:
            yield s.Play(node.saved_prompt)
        return node.next
    return node.next  # not reached: the last attempt is always kept


def _confirmed(node: MessageNode, recording: str) -> Generator[s.Step, s.Result, bool]:
    """Listen and confirm: '2' records again, anything else (or nothing) keeps it."""
    if not node.confirm_prompt:
        return True
    key = _text((yield s.PlayRecording(recording)))
    if not key:
        key = _text((yield s.Collect(node.confirm_prompt, 5)))
    return key != "2"


def _enqueue(ctx: Context, node: EnqueueNode, walk: Walk) -> NodeFlow:
    yield s.Enqueue(node.service, node.priority, node.requirement)
    return None


def _transfer(ctx: Context, node: TransferNode, walk: Walk) -> NodeFlow:
    if node.prompt:
        yield s.Play(node.prompt)
    yield s.Transfer(node.number)
    return None


def _hangup(ctx: Context, node: HangupNode, walk: Walk) -> NodeFlow:
    if node.prompt:
        yield s.Play(node.prompt)
    yield s.Hangup(node.outcome)
    return None


_HANDLERS: dict[type, Any] = {
    PlayNode: _play,
    MenuNode: _menu,
    CollectNode: _collect,
    SayNode: _say,
    HoursNode: _hours,
    LanguageNode: _language,
    LookupNode: _lookup,
    MessageNode: _message,
    EnqueueNode: _enqueue,
    TransferNode: _transfer,
    HangupNode: _hangup,
    ScheduleCallbackNode: schedule_dialogue,  # (its own module: a dialogue of its own)
}
