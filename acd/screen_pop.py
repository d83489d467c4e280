"""The screen pop: what an agent sees of a call when its phone rings, before answering.

From the core's read model (the call as it is now: service, language, wait, priority and
why) and from PostgreSQL through the store (the IVR walk as the caller made it, a deposited
act looked up there, the caller's last five contacts with their dispositions and notes):
never from what a browser kept. For a callback (the caller hung up keeping its place) the
pop says so, with the number the agent's call goes to: the original call's IVR walk and
wait are the same call's; the wait on the line before the request only for such a kept
place.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from acd.config.kiosk_model import KIOSK_ORIGIN
from acd.config.model import CenterConfig
from acd.core.callback import CallbackOrigin
from acd.core.view import CallView
from acd.store.desk import DeskStore, IvrStep, PastContact
from ivr.model import CollectNode, LookupNode, MenuNode


async def screen_pop(
    call: CallView, cfg: CenterConfig, store: DeskStore, now: datetime
) -> dict[str, Any]:
    language, steps = await store.ivr_walk(call.call_id)
    # A totem's earlier contacts are other visitors': never shown as this caller's past.
    totem = call.caller_number.startswith(KIOSK_ORIGIN)
    past = [] if totem else await store.last_contacts(call.caller_number, call.call_id)
    entered = call.entered_at or call.started_at
    return {
        "call_id": call.call_id,
        "caller": call.caller_number,
        "dialled": call.dialled_number,
        "service": call.service,
        "service_name": _service_name(cfg, call.service),
        "ivr_path": ivr_words(cfg, steps, call.service),
        "language": language or call.language or cfg.center.language,
        "waited_seconds": round((now - entered).total_seconds()),
        "priority": call.priority,
        "priority_reasons": [{"reason": r.value, "points": p} for r, p in call.priority_reasons],
        "act": looked_up_act(cfg, steps),
        "last_contacts": [_past(cfg, contact) for contact in past],
        "dispositions": list(cfg.dispositions_of(call.service)),
        "kiosk": kiosk_of_call(cfg, call.caller_number),
        "callback": None if call.callback is None else _callback(call, entered),
    }


def _callback(call: CallView, entered: datetime) -> dict[str, Any]:
    """A callback: the number the agent calls back, how long its caller waited on the line
    before asking (``waited_seconds`` counts on from the same entry), the failed attempts.
    Only a kept place (origin ``queue``) had a caller on the line: a scheduled callback
    enters its queue after it was asked for, a voice message's was asked by the agent
    after the recording, so theirs is None (no wait to show)."""
    callback = call.callback
    assert callback is not None
    waited = (callback.requested_at - entered).total_seconds()
    on_line = callback.origin is CallbackOrigin.QUEUE
    return {
        "number": callback.number,
        "requested_at": callback.requested_at.isoformat(),
        "waited_on_line_seconds": round(waited) if on_line else None,
        "attempts": callback.attempts,
    }


def kiosk_of_call(cfg: CenterConfig, caller: str) -> dict[str, str] | None:
    """A district totem's call (caller ``kiosk:ID``): the kiosk and the place it stands in,
    for the agent only (the kiosk's page never shows it to anyone else)."""
    if not caller.startswith(KIOSK_ORIGIN):
        return None
    kiosk = cfg.kiosks.kiosk(caller.removeprefix(KIOSK_ORIGIN))
    return None if kiosk is None else {"id": kiosk.id, "place": kiosk.place}


def ivr_words(cfg: CenterConfig, steps: list[IvrStep], service: str | None) -> list[str]:
    """The way through the IVR as words: each labelled menu, then the service reached."""
    words = []
    for step in steps:
        node = _node(cfg, step)
        if isinstance(node, MenuNode) and node.label and step.entered in node.options:
            words.append(node.label)
    name = _service_name(cfg, service)
    if name and (not words or words[-1] != name):
        words.append(name)
    return words


def looked_up_act(cfg: CenterConfig, steps: list[IvrStep]) -> dict[str, str] | None:
    """The deposited act the caller keyed in the IVR and what the lookup found, if any."""
    keyed: dict[str, str] = {}
    for step in steps:
        node = _node(cfg, step)
        if isinstance(node, CollectNode):
            keyed[node.into] = step.entered
        elif isinstance(node, LookupNode) and node.query == "deposited-act":
            return {"number": keyed.get(node.input, ""), "result": step.result}
    return None


def _node(cfg: CenterConfig, step: IvrStep) -> object:
    tree = cfg.ivr.get(step.tree)
    return None if tree is None else tree.nodes.get(step.node)


def _service_name(cfg: CenterConfig, service: str | None) -> str | None:
    return cfg.services[service].name if service in cfg.services else service


def _past(cfg: CenterConfig, contact: PastContact) -> dict[str, Any]:
    shown = asdict(contact)
    shown["started_at"] = contact.started_at.isoformat()
    shown["service_name"] = _service_name(cfg, contact.service)
    agent = cfg.agent(contact.agent_id) if contact.agent_id else None
    shown["agent_name"] = agent.name if agent else contact.agent_id
    return shown
