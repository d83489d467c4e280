"""Walking an IVR tree: a generator over the tree's nodes, free of I/O.

``run_tree`` yields steps (``ivr.steps``) and receives their results; each node type's
behaviour is a small generator in ``ivr.nodes``. The walk (``ivr.walk.Walk``) records the
caller's path (nodes, keys, times) for the contact record, the agent's screen and reports.
A ``goto`` continues in another tree; ``MAX_STEPS`` guards against a loop the load-time
checks would have refused anyway.
"""

from __future__ import annotations

from ivr.model import GotoNode
from ivr.nodes import Flow, handle
from ivr.steps import Hangup
from ivr.walk import Context, Walk

MAX_STEPS = 200

__all__ = ["MAX_STEPS", "Flow", "run_tree"]


def run_tree(ctx: Context, tree: str, walk: Walk) -> Flow:
    at: tuple[str, str] | None = (tree, ctx.cfg.ivr[tree].start)
    for _ in range(MAX_STEPS):
        if at is None:
            return
        tree, name = at
        node = ctx.cfg.ivr[tree].nodes[name]
        walk.enter(tree, name, ctx.clock())
        if isinstance(node, GotoNode):
            at = (node.tree, node.node or ctx.cfg.ivr[node.tree].start)
            continue
        following = yield from handle(ctx, node, walk)
        at = None if following is None else (tree, following)
    yield Hangup("ivr-loop")
