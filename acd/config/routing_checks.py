"""Checks of the routing configuration that need the whole of it.

Every requirement (a service's, its relaxation steps', an IVR enqueue node's) must parse
and name only known skills: a skill some agent holds, or a service's name. An agent's skill
that no service or requirement names is reported too (most often a typo). Overflow targets
(services, the prompts of messages and voicemail) must exist; relaxation steps come in
order of time.
"""

from __future__ import annotations

from collections.abc import Iterator

from acd.config.model import CenterConfig, Service
from acd.config.routing_model import OverflowTo
from acd.core.model import Limit
from acd.core.requirements import RequirementError, parse, skills_named

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def check_routing(cfg: CenterConfig) -> Found:
    known = {s for a in cfg.agents for s in a.levels()} | set(cfg.services)
    for name, service in cfg.services.items():
        yield from _service(cfg, ("services", name), name, service, known)
    for at, text in _ivr_requirements(cfg):
        yield from check_requirement(at, text, known)
    yield from _agent_skills(cfg)
    if len(set(cfg.pause_reasons)) != len(cfg.pause_reasons):
        yield ("pause_reasons",), "a pause reason is listed twice"


def check_requirement(at: Path, text: str, known: set[str]) -> Found:
    """Problems of one requirement text: its syntax, then each unknown skill."""
    try:
        req = parse(text)
    except RequirementError as exc:
        yield at, f"bad requirement {text!r}: {exc}"
        return
    for skill in dict.fromkeys(skills_named(req)):
        if skill not in known:
            yield at, f"unknown skill {skill!r}: no agent has it and no service has that name"


def _service(cfg: CenterConfig, at: Path, name: str, s: Service, known: set[str]) -> Found:
    if s.requirement is not None:
        yield from check_requirement((*at, "requirement"), s.requirement, known)
    for i, step in enumerate(s.relax):
        yield from check_requirement((*at, "relax", i, "requirement"), step.requirement, known)
        if i and step.after <= s.relax[i - 1].after:
            yield (*at, "relax", i, "after"), "relaxation steps must come in order of time"
    if s.main_skill is not None and s.main_skill not in known:
        yield (*at, "main_skill"), f"unknown skill {s.main_skill!r}"
    for limit in Limit:
        action = getattr(s.overflow, limit.value)
        yield from _overflow(cfg, (*at, "overflow", limit.value), name, action)
    if s.overflow.full is not None and s.max_waiting is None:
        yield (*at, "overflow", "full"), "an overflow when full needs max_waiting"
    if s.overflow.timeout is not None and s.max_wait_seconds is None:
        yield (*at, "overflow", "timeout"), "an overflow on timeout needs max_wait_seconds"
    if s.overflow.closed is not None and not s.hours:
        yield (*at, "overflow", "closed"), "an overflow when closed needs the service's hours"


def _overflow(cfg: CenterConfig, at: Path, service: str, action: OverflowTo | None) -> Found:
    if action is None:
        return
    if action.to is not None and action.to not in cfg.services:
        yield (*at, "to"), f"unknown service {action.to!r}"
    elif action.to == service:
        yield (*at, "to"), "a service cannot overflow into itself"
    if action.message is not None and action.message not in cfg.prompts:
        yield (*at, "message"), f"unknown prompt {action.message!r}"
    if action.voicemail is not None and action.voicemail.prompt not in cfg.prompts:
        yield (*at, "voicemail", "prompt"), f"unknown prompt {action.voicemail.prompt!r}"


def _ivr_requirements(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    for tree_name, tree in cfg.ivr.items():
        for node_name, node in tree.nodes.items():
            text = getattr(node, "requirement", "")
            if isinstance(text, str) and text:
                yield ("ivr", tree_name, "nodes", node_name, "requirement"), text


def _agent_skills(cfg: CenterConfig) -> Found:
    named = set(cfg.services)
    for s in cfg.services.values():
        texts = [s.requirement or "", *(step.requirement for step in s.relax)]
        named |= {k for t in texts for k in _skills_of(t)} | {s.main_skill or ""}
    named |= {k for _, t in _ivr_requirements(cfg) for k in _skills_of(t)}
    if cfg.kiosks.totems:  # the kiosks' calls ask for it (acd.config.kiosk_model)
        named.add(cfg.kiosks.video_skill)
    for i, agent in enumerate(cfg.agents):
        for j, skill in enumerate(agent.skills):
            if skill not in named:
                key: str | int = j if isinstance(agent.skills, tuple) else skill
                message = f"unknown skill {skill!r}: no service or requirement names it"
                yield ("agents", i, "skills", key), message


def _skills_of(text: str) -> set[str]:
    try:
        return set(skills_named(parse(text)))
    except RequirementError:
        return set()
