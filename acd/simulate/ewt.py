"""Wait estimates to measure: what the caller would be told when entering the queue.

Two sources, tried in this order (``source`` names the one in use; the report prints it):

``engine``   the engine's own figure, through the hook ``ENGINE_HOOK``: its public reading
             ``Engine.waiting_figures(call_id) -> (position, estimated seconds) | None``,
             the same figures the announcements use.
``formula``  (a fallback for a core without that reading) the core's pure
             ``acd.core.estimate.estimate_wait(position, staffed, aht)`` fed by the
             simulator: position = the call's place among the calls of its service not yet
             connected, staffed = logged-in agents holding the service's skill, aht = mean of
             the last handle times (talk + wrap-up) of the service (``HandleTimes``).

Either way a call offered to an agent at once (no announcement) counts as estimated 0; the
report gives the error over all answered calls and over the queued ones alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

ENGINE_HOOK = "waiting_figures"
HANDLE_SAMPLES = 50

EstimateWait = Callable[[int, int, float], float | None]


def engine_hook(engine: object) -> Callable[[str], float | None] | None:
    """The engine's estimate for a queued call, or None if the engine has no such reading."""
    method = getattr(engine, ENGINE_HOOK, None)
    if not callable(method):
        return None

    def estimate(call_id: str) -> float | None:
        figures = method(call_id)
        return None if figures is None else figures[1]

    return estimate


def core_formula() -> EstimateWait | None:
    try:
        module = importlib.import_module("acd.core.estimate")
    except ImportError:
        return None
    fn = getattr(module, "estimate_wait", None)
    return fn if callable(fn) else None


def handle_times(default_seconds: float) -> Any:
    """The core's window of recent handle times (``acd.core.estimate.HandleTimes``)."""
    module = importlib.import_module("acd.core.estimate")
    return module.HandleTimes(HANDLE_SAMPLES, default_seconds)


def skill_name(skill: object) -> str:
    """``urp`` from ``urp``, ``urp:4`` or a ``{name: level}`` entry."""
    return str(skill).split(":", 1)[0].strip()
