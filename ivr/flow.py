"""Walking an IVR tree: a generator over the tree's nodes, free of I/O.

The walk records the caller's path (node names and keys) so that the contact record,
the agent's screen and the reports can show where the caller went.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from acd.config.model import EnqueueNode, HangupNode, IvrTree, MenuNode, PlayNode
from ivr.steps import Collect, Enqueue, Hangup, Play, Step

Flow = Generator[Step, str | None, None]

MAX_STEPS = 200  # a guard: a tree can never keep a caller in a loop without input


@dataclass(slots=True)
class Walk:
    """The path so far: node names, with the key pressed after each menu."""

    path: list[str] = field(default_factory=list)

    def keys(self) -> tuple[str, ...]:
        """Keys only (``('2',)``): the short IVR path stored on the contact."""
        return tuple(p.split("=", 1)[1] for p in self.path if "=" in p)


def run_tree(tree: IvrTree, walk: Walk) -> Flow:
    name: str | None = tree.start
    for _ in range(MAX_STEPS):
        if name is None:
            return
        node = tree.nodes[name]
        walk.path.append(name)
        name = yield from _node(node, walk)
    yield Hangup("ivr-loop")


def _node(node: object, walk: Walk) -> Generator[Step, str | None, str | None]:
    if isinstance(node, PlayNode):
        yield Play(node.prompt)
        return node.next
    if isinstance(node, MenuNode):
        return (yield from _menu(node, walk))
    if isinstance(node, EnqueueNode):
        yield Enqueue(node.service, node.priority)
        return None
    if isinstance(node, HangupNode):
        if node.prompt:
            yield Play(node.prompt)
        yield Hangup("ivr-hangup")
        return None
    raise TypeError(f"unknown node {node!r}")


def _menu(node: MenuNode, walk: Walk) -> Generator[Step, str | None, str]:
    for attempt in range(node.retries + 1):
        key = yield Collect(node.prompt, node.timeout)
        if key and key in node.options:
            walk.path[-1] = f"{walk.path[-1]}={key}"
            return node.options[key]
        last = attempt == node.retries
        if key and node.invalid_prompt and not last:
            yield Play(node.invalid_prompt)
    return node.fallback
