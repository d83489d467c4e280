"""The report of a finished simulation: the service-level figures of ``reports.service_level``
(one implementation with the live and historical reports), and what only a simulation has.

Counted: calls that entered a queue at or after the warm-up and before the horizon.

    aht_seconds             talk + wrap-up per handled call
    occupancy               handling (ringing, on call, wrap-up) / (handling + ready)
    ewt_mae_seconds         mean |estimate at entry − real wait| of answered calls
                            (null when no estimate was available); a call offered to an
                            agent as it entered counts as estimated 0
    ewt_mae_queued_seconds  the same over the calls that did queue (they hear the
                            estimate); ewt_bias_queued_seconds: mean (estimate − wait)
    *_stderr                by batch means (``reports.service_level.batch_errors``)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acd.simulate.run import Outcome, Simulation
from reports.service_level import Threshold, batch_errors, figures, mean, occupancy


def report(sim: Simulation) -> dict[str, Any]:
    sc = sim.sc
    counted = [o for o in sim.outcomes if sc.warmup_seconds <= o.entered < sc.horizon and o.service]
    counted.sort(key=lambda o: o.entered)
    out = _figures(counted, sc.short_abandon_seconds, sc.target_seconds)
    seconds = sim.state_seconds()
    wrap = seconds.get("wrap_up", 0.0)
    answered = out["answered"]
    out["occupancy"] = occupancy(seconds)
    out["aht_seconds"] = (out.pop("_talk_total") + wrap) / answered if answered else None
    out["service_level_stderr"], out["asa_stderr_seconds"] = batch_errors(
        counted, sc.target_seconds
    )
    out["waiting_at_end"] = sim.unfinished
    out["core_events"] = sim.handled
    if sim.ignored:
        out["ignored_commands"] = dict(sim.ignored)
    if len({o.service for o in counted}) > 1:
        out["services"] = {
            name: _public(
                _figures(
                    [o for o in counted if o.service == name],
                    sc.short_abandon_seconds,
                    sc.target_seconds,
                )
            )
            for name in sorted({o.service for o in counted})
        }
    return out


def _public(fig: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fig.items() if not k.startswith("_")}


def _figures(calls: Sequence[Outcome], short: float, target: Threshold) -> dict[str, Any]:
    out = figures(calls, short, target)
    answered = [o for o in calls if o.outcome == "answered"]
    estimated = [o for o in answered if o.estimate is not None]
    queued = [o for o in estimated if not o.at_once]
    out.update({
        "ewt_mae_seconds": mean([abs((o.estimate or 0.0) - o.wait) for o in estimated]),
        "ewt_samples": len(estimated),
        "ewt_mae_queued_seconds": mean([abs((o.estimate or 0.0) - o.wait) for o in queued]),
        "ewt_queued_samples": len(queued),
        "ewt_bias_queued_seconds": mean([(o.estimate or 0.0) - o.wait for o in queued]),
    })  # fmt: skip
    return out
