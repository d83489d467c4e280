"""The report metrics of ``metrics.md`` from a finished simulation.

Counted: calls that entered a queue at or after the warm-up and before the horizon.

    offered                 calls that entered a queue
    answered, abandoned     by the core's contact outcome
    short_abandons          abandoned within the short-abandon threshold S
    service_level           answered within T / answered (answered only, Asterisk SL)
    service_level_incl_abandons   answered within T / (answered + abandoned after S)
    asa_seconds             mean queue wait of answered calls
    abandon_rate            abandoned / offered;  ..._excl_short leaves short abandons out
    aht_seconds             talk + wrap-up per handled call
    occupancy               handling (ringing, on call, wrap-up) / (handling + ready)
    ewt_mae_seconds         mean |estimate at entry − real wait| of answered calls
                            (null when no estimate was available); a call offered to an
                            agent as it entered counts as estimated 0
    ewt_mae_queued_seconds  the same over the calls that did queue (they hear the
                            estimate); ewt_bias_queued_seconds: mean (estimate − wait)
    other_outcomes          calls that neither were answered nor abandoned (overflow …)

Statistical error: ``*_stderr`` by batch means (the counted calls in arrival order cut
into ``BATCHES`` batches); the batch-to-batch spread takes the correlation between
neighbouring calls' waits into account, which a plain per-call standard error does not.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from acd.simulate.run import AVAILABLE_STATES, HANDLING_STATES, Outcome, Simulation

BATCHES = 20
Threshold = Callable[[str], float]  # a service's T, in seconds


def report(sim: Simulation) -> dict[str, Any]:
    sc = sim.sc
    counted = [o for o in sim.outcomes if sc.warmup_seconds <= o.entered < sc.horizon and o.service]
    counted.sort(key=lambda o: o.entered)
    out = _figures(counted, sc.short_abandon_seconds, sc.target_seconds)
    seconds = sim.state_seconds()
    handling = sum(v for k, v in seconds.items() if k in HANDLING_STATES)
    available = sum(v for k, v in seconds.items() if k in AVAILABLE_STATES)
    wrap = seconds.get("wrap_up", 0.0)
    answered = out["answered"]
    out["occupancy"] = handling / (handling + available) if handling + available else None
    out["aht_seconds"] = (out.pop("_talk_total") + wrap) / answered if answered else None
    out["service_level_stderr"], out["asa_stderr_seconds"] = _batch_errors(
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
    answered = [o for o in calls if o.outcome == "answered"]
    abandoned = [o for o in calls if o.outcome == "abandoned"]
    shorts = sum(1 for o in abandoned if o.wait < short)
    within = sum(1 for o in answered if o.wait <= target(o.service))
    long_abandons = len(abandoned) - shorts
    estimated = [o for o in answered if o.estimate is not None]
    queued = [o for o in estimated if not o.at_once]
    others = Counter(o.outcome for o in calls if o.outcome not in ("answered", "abandoned"))
    return {
        "offered": len(calls),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandons": shorts,
        "short_abandon_seconds": short,
        "service_level": _ratio(within, len(answered)),
        "service_level_incl_abandons": _ratio(within, len(answered) + long_abandons),
        "asa_seconds": _mean([o.wait for o in answered]),
        "max_wait_seconds": max((o.wait for o in calls), default=None),
        "abandon_rate": _ratio(len(abandoned), len(calls)),
        "abandon_rate_excl_short": _ratio(long_abandons, len(calls) - shorts),
        "ewt_mae_seconds": _mean([abs((o.estimate or 0.0) - o.wait) for o in estimated]),
        "ewt_samples": len(estimated),
        "ewt_mae_queued_seconds": _mean([abs((o.estimate or 0.0) - o.wait) for o in queued]),
        "ewt_queued_samples": len(queued),
        "ewt_bias_queued_seconds": _mean([(o.estimate or 0.0) - o.wait for o in queued]),
        "other_outcomes": dict(others),
        "_talk_total": sum(o.talk for o in answered),
    }


def _batch_errors(calls: Sequence[Outcome], target: Threshold) -> tuple[float | None, float | None]:
    """Standard errors of service level and ASA by batch means (None if too few calls)."""
    answered = [o for o in calls if o.outcome == "answered"]
    size = len(answered) // BATCHES
    if size < 10:
        return None, None
    sls, asas = [], []
    for b in range(BATCHES):
        batch = answered[b * size : (b + 1) * size]
        sls.append(sum(1 for o in batch if o.wait <= target(o.service)) / size)
        asas.append(sum(o.wait for o in batch) / size)
    root = math.sqrt(BATCHES)
    return statistics.stdev(sls) / root, statistics.stdev(asas) / root


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
