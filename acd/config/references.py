"""Checks that need the whole configuration: names that must point at something."""

from __future__ import annotations

from collections.abc import Iterator

from acd.config.callback_checks import check_callbacks, check_scheduling_nodes
from acd.config.kiosk_checks import check_kiosks
from acd.config.model import CenterConfig, agent_sections
from acd.config.privacy_checks import check_privacy
from acd.config.routing_checks import check_routing
from acd.config.trunk_checks import check_sip_network, check_trunks
from ivr.checks import check_ivr

Path = tuple[str | int, ...]


def check_references(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    yield from _numbers(cfg)
    yield from _agents(cfg)
    yield from _prompts(cfg)
    yield from check_ivr(cfg)
    yield from check_routing(cfg)
    yield from check_trunks(cfg)
    yield from check_callbacks(cfg)
    yield from check_scheduling_nodes(cfg)
    yield from check_sip_network(cfg.network.sip)
    yield from _dispositions(cfg)
    yield from _fallback(cfg)
    yield from check_kiosks(cfg)
    yield from check_privacy(cfg)
    if cfg.ports.rtp_start > cfg.ports.rtp_end:
        yield ("ports", "rtp_start"), "rtp_start must not exceed rtp_end"


def _numbers(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    for i, number in enumerate(cfg.numbers):
        if number.ivr not in cfg.ivr:
            yield ("numbers", i, "ivr"), f"unknown ivr {number.ivr!r}"


def _agents(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    """Agents and supervisors have phones (PJSIP sections) named after their ids: no two
    may share an id, nor be called as another one's phones are."""
    seen: set[str] = set()
    sections = {name for owner in cfg.phone_owners() for name in agent_sections(owner)[1:]}
    people = [("agents", i, a.id) for i, a in enumerate(cfg.agents)]
    people += [("supervisors", i, s.id) for i, s in enumerate(cfg.supervisors)]
    for part, i, owner in people:
        if owner in seen:
            yield (part, i, "id"), f"{owner!r} is defined twice (agents and supervisors)"
        elif owner in sections:
            yield (part, i, "id"), f"{owner!r} is taken by another agent's or supervisor's phones"
        seen.add(owner)


def _prompts(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    for name, prompt in cfg.prompts.items():
        for lang in cfg.center.languages:
            if not getattr(prompt, lang):
                yield ("prompts", name), f"prompt {name!r} has no text for language {lang!r}"


def _dispositions(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    lists: list[tuple[Path, tuple[str, ...]]] = [(("dispositions",), cfg.dispositions)]
    for name, service in cfg.services.items():
        if service.dispositions is not None:
            lists.append((("services", name, "dispositions"), service.dispositions))
    for where, names in lists:
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            yield where, f"disposition {twice[0]!r} is listed twice"


def _fallback(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    fallback = cfg.fallback
    if fallback.service is not None and fallback.service not in cfg.services:
        yield ("fallback", "service"), f"unknown service {fallback.service!r}"
    if fallback.announcement is not None and fallback.announcement not in cfg.prompts:
        yield ("fallback", "announcement"), f"unknown prompt {fallback.announcement!r}"
