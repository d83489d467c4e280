"""Checks of the IVR trees that need the whole configuration (``ivr.center``).

Every node's targets must exist (a ``goto`` may name another tree), every prompt, queue,
service and calendar named must exist (a tree's ``default_service`` too), a service whose
hours a node reads must have some (a ``schedule_callback``'s too: its slots are its
openings; that it takes callbacks is ``acd.config.callback_checks``'), every node must be
reachable from its tree's start, and no cycle may pass only through nodes that never
wait for the caller (a caller would loop for ever without being able to act).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ivr.center import CenterSettings
from ivr.model import (
    INPUT_NODES,
    AnyNode,
    Closure,
    CollectNode,
    EnqueueNode,
    GotoNode,
    HoursNode,
    IvrTree,
    LanguageNode,
    MenuNode,
    MessageNode,
    SayNode,
    ScheduleCallbackNode,
)

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]
NodeId = tuple[str, str]  # (tree, node)


def check_ivr(cfg: CenterSettings) -> Found:
    yield from _calendars(cfg)
    for name, tree in cfg.ivr.items():
        at: Path = ("ivr", name)
        if tree.start not in tree.nodes:
            yield (*at, "start"), f"unknown node {tree.start!r}"
        if tree.default_service is not None and tree.default_service not in cfg.services:
            yield (*at, "default_service"), f"unknown service {tree.default_service!r}"
        for node_name, node in tree.nodes.items():
            yield from _node(cfg, (*at, "nodes", node_name), tree, node)
        for node_name in sorted(set(tree.nodes) - reachable(tree)):
            yield (*at, "nodes", node_name), f"node {node_name!r} cannot be reached from start"
    yield from _silent_loops(cfg)


def _calendars(cfg: CenterSettings) -> Found:
    closures: list[tuple[Path, Closure]] = [
        (("holidays", "closures", i), c) for i, c in enumerate(cfg.holidays.closures)
    ]
    for name, cal in cfg.calendars.items():
        closures += [(("calendars", name, "closures", i), c) for i, c in enumerate(cal.closures)]
    for at, closure in closures:
        if closure.until is not None and closure.until < closure.date:
            yield (*at, "until"), "closure ends before it starts"
        if closure.prompt and closure.prompt not in cfg.prompts:
            yield (*at, "prompt"), f"unknown prompt {closure.prompt!r}"


def _node(cfg: CenterSettings, at: Path, tree: IvrTree, node: AnyNode) -> Found:
    for field, target in targets(node):
        if target not in tree.nodes:
            yield (*at, *field), f"unknown node {target!r}"
    for field_name, prompt in prompt_names(node):
        if prompt not in cfg.prompts:
            yield (*at, field_name), f"unknown prompt {prompt!r}"
    yield from _names(cfg, at, node)
    if isinstance(node, CollectNode):
        yield from _collect(at, node)


def _names(cfg: CenterSettings, at: Path, node: AnyNode) -> Found:
    if isinstance(node, EnqueueNode) and node.service not in cfg.services:
        yield (*at, "service"), f"unknown queue {node.service!r}"
    if isinstance(node, MessageNode) and node.service not in (None, *cfg.services):
        yield (*at, "service"), f"unknown service {node.service!r}"
    if isinstance(node, HoursNode | SayNode):
        yield from _service_or_calendar(cfg, at, node)
    if isinstance(node, ScheduleCallbackNode):
        yield from _slots_of(cfg, at, node)
    if isinstance(node, LanguageNode) and node.language not in cfg.center.languages:
        yield (*at, "language"), f"{node.language!r} is not in center.languages (no prompts)"
    if isinstance(node, GotoNode):
        other = cfg.ivr.get(node.tree)
        if other is None:
            yield (*at, "tree"), f"unknown ivr {node.tree!r}"
        elif node.node is not None and node.node not in other.nodes:
            yield (*at, "node"), f"unknown node {node.node!r} in ivr {node.tree!r}"


def _slots_of(cfg: CenterSettings, at: Path, node: ScheduleCallbackNode) -> Found:
    if node.service not in cfg.services:
        yield (*at, "service"), f"unknown service {node.service!r}"
    elif not cfg.services[node.service].hours:
        yield (*at, "service"), (f"service {node.service!r} has no opening hours: no slot to "
                                 "offer")  # fmt: skip


def _service_or_calendar(cfg: CenterSettings, at: Path, node: HoursNode | SayNode) -> Found:
    needs_one = isinstance(node, HoursNode) or node.say in ("wait", "opening")
    if node.service is not None and node.service not in cfg.services:
        yield (*at, "service"), f"unknown service {node.service!r}"
    elif _reads_hours(node) and node.service is not None and not cfg.services[node.service].hours:
        # without weekly hours the desk would never be open: surely a mistake
        yield (*at, "service"), f"service {node.service!r} has no opening hours"
    if node.calendar is not None and node.calendar not in cfg.calendars:
        yield (*at, "calendar"), f"unknown calendar {node.calendar!r}"
    if needs_one and (node.service is None) == (node.calendar is None):
        yield at, "name exactly one of 'service' or 'calendar'"
    if isinstance(node, SayNode) and node.say == "wait" and node.calendar is not None:
        yield (*at, "calendar"), "an estimated wait needs a 'service'"
    if isinstance(node, SayNode) and node.say in ("number", "digits") and not node.value:
        yield at, f"say {node.say!r} needs a 'value'"


def _reads_hours(node: HoursNode | SayNode) -> bool:
    return isinstance(node, HoursNode) or node.say == "opening"


def _collect(at: Path, node: CollectNode) -> Found:
    if node.min_digits > node.max_digits:
        yield (*at, "min_digits"), "min_digits must not exceed max_digits"
    if node.pattern is not None:
        try:
            re.compile(node.pattern)
        except re.error as exc:
            yield (*at, "pattern"), f"not a valid regular expression: {exc}"


def targets(node: AnyNode) -> Iterator[tuple[Path, str]]:
    """The nodes of the same tree that ``node`` can lead to, with the field naming each."""
    if isinstance(node, MenuNode):
        for key, target in node.options.items():
            yield ("options", key), target
    named = ("next", "fallback", "open", "closed", "holiday", "found", "not_found")
    for field_name in named:
        named_target = getattr(node, field_name, None)
        if isinstance(named_target, str):
            yield (field_name,), named_target


def prompt_names(node: AnyNode) -> Iterator[tuple[str, str]]:
    fields = ("prompt", "invalid_prompt", "timeout_prompt", "confirm_prompt", "saved_prompt")
    for field_name in fields:
        prompt = getattr(node, field_name, None)
        if isinstance(prompt, str):
            yield field_name, prompt


def reachable(tree: IvrTree) -> set[str]:
    seen: set[str] = set()
    todo = [tree.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in tree.nodes:
            continue
        seen.add(name)
        todo.extend(target for _, target in targets(tree.nodes[name]))
    return seen


def _edges(cfg: CenterSettings, at: NodeId) -> list[NodeId]:
    """Where a node that does not wait for input can lead (across trees for ``goto``)."""
    tree_name, name = at
    node = cfg.ivr[tree_name].nodes[name]
    if isinstance(node, GotoNode):
        other = cfg.ivr.get(node.tree)
        return [] if other is None else [(node.tree, node.node or other.start)]
    nodes = cfg.ivr[tree_name].nodes
    return [(tree_name, t) for _, t in targets(node) if t in nodes]


def _silent_loops(cfg: CenterSettings) -> Found:
    silent = {
        (t, n)
        for t, tree in cfg.ivr.items()
        for n, node in tree.nodes.items()
        if not isinstance(node, INPUT_NODES)
    }
    reported: set[NodeId] = set()
    for start in sorted(silent):
        cycle = _cycle_through(cfg, start, silent)
        if cycle and not reported & set(cycle):
            reported.update(cycle)
            path = " -> ".join(n for _, n in (*cycle, start))
            yield ("ivr", start[0], "nodes", start[1]), f"loop that never waits for input: {path}"


def _cycle_through(cfg: CenterSettings, start: NodeId, silent: set[NodeId]) -> list[NodeId]:
    """A path from ``start`` back to itself through silent nodes only ([] if none)."""
    todo: list[list[NodeId]] = [[start]]
    seen: set[NodeId] = set()
    while todo:
        path = todo.pop()
        for nxt in _edges(cfg, path[-1]):
            if nxt == start:
                return path
            if nxt in silent and nxt not in seen:
                seen.add(nxt)
                todo.append([*path, nxt])
    return []
