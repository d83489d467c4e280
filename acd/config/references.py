"""Checks that need the whole configuration: names that must point at something."""

from __future__ import annotations

from collections.abc import Iterator

from acd.config.model import CenterConfig, EnqueueNode, HangupNode, IvrTree, MenuNode, PlayNode

Path = tuple[str | int, ...]


def check_references(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    yield from _numbers(cfg)
    yield from _agents(cfg)
    yield from _prompts(cfg)
    for name, tree in cfg.ivr.items():
        yield from _tree(cfg, ("ivr", name), tree)
    if cfg.ports.rtp_start > cfg.ports.rtp_end:
        yield ("ports", "rtp_start"), "rtp_start must not exceed rtp_end"


def _numbers(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    for i, number in enumerate(cfg.numbers):
        if number.ivr not in cfg.ivr:
            yield ("numbers", i, "ivr"), f"unknown ivr {number.ivr!r}"


def _agents(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    seen: set[str] = set()
    for i, agent in enumerate(cfg.agents):
        if agent.id in seen:
            yield ("agents", i, "id"), f"agent {agent.id!r} is defined twice"
        seen.add(agent.id)
        for j, skill in enumerate(agent.skills):
            if skill not in cfg.services:
                yield ("agents", i, "skills", j), f"unknown service {skill!r}"


def _prompts(cfg: CenterConfig) -> Iterator[tuple[Path, str]]:
    for name, prompt in cfg.prompts.items():
        for lang in cfg.center.languages:
            if not getattr(prompt, lang):
                yield ("prompts", name), f"prompt {name!r} has no text for language {lang!r}"


def _tree(cfg: CenterConfig, at: Path, tree: IvrTree) -> Iterator[tuple[Path, str]]:
    if tree.start not in tree.nodes:
        yield (*at, "start"), f"unknown node {tree.start!r}"
    for name, node in tree.nodes.items():
        here = (*at, "nodes", name)
        for field, target in _targets(node):
            if target not in tree.nodes:
                yield (*here, *field), f"unknown node {target!r}"
        for prompt_field, prompt in _prompt_names(node):
            if prompt not in cfg.prompts:
                yield (*here, prompt_field), f"unknown prompt {prompt!r}"
        if isinstance(node, EnqueueNode) and node.service not in cfg.services:
            yield (*here, "service"), f"unknown queue {node.service!r}"
    for name in sorted(set(tree.nodes) - _reachable(tree)):
        yield (*at, "nodes", name), f"node {name!r} cannot be reached from {tree.start!r}"


def _targets(node: object) -> Iterator[tuple[Path, str]]:
    if isinstance(node, PlayNode):
        yield ("next",), node.next
    elif isinstance(node, MenuNode):
        for key, target in node.options.items():
            yield ("options", key), target
        yield ("fallback",), node.fallback


def _prompt_names(node: object) -> Iterator[tuple[str, str]]:
    if isinstance(node, PlayNode | MenuNode):
        yield "prompt", node.prompt
    if isinstance(node, MenuNode) and node.invalid_prompt:
        yield "invalid_prompt", node.invalid_prompt
    if isinstance(node, HangupNode) and node.prompt:
        yield "prompt", node.prompt


def _reachable(tree: IvrTree) -> set[str]:
    seen: set[str] = set()
    todo = [tree.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in tree.nodes:
            continue
        seen.add(name)
        todo.extend(target for _, target in _targets(tree.nodes[name]))
    return seen
