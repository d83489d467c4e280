"""Step an IVR flow by hand: feed each step's result, collect the steps (no loop, no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from acd.config import CenterConfig, load_config
from ivr.flow import run_tree
from ivr.steps import Result, Step
from ivr.walk import Walk, make_context

CFG = load_config(Path(__file__).with_name("flows.yaml"))
MONDAY_10 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Modena: open


def run(
    answers: list[Result], at: datetime = MONDAY_10, tree: str = "main", cfg: CenterConfig = CFG
) -> tuple[list[Step], Walk]:
    """The steps the flow yields when each is answered in turn with ``answers``."""
    walk = Walk()
    flow = run_tree(make_context(cfg, lambda: at), tree, walk)
    seen = [next(flow)]
    for answer in answers:
        try:
            seen.append(flow.send(answer))
        except StopIteration:
            break
    return seen, walk
