"""The whole routing core against Erlang C: one queue, Poisson arrivals, exponential handle
times, no abandons, FIFO. The simulated service level and ASA must match the formula within
the run's statistical error.

Run length and tolerance: 400 simulated hours of the published example give about 80,000
calls (about 5 s here). The standard errors come from the run itself by batch means
(20 batches of about 4,000 calls, long against the queue's correlation time of a few
minutes): about 0.005-0.008 for the service level and 0.5-1 s for the ASA. Over 8 seeds
per case the z-scores (simulated − Erlang C) / standard error had a spread of about 1.5
rather than 1 (20 batches leave the error estimate itself uncertain), so the check allows
4 standard errors, i.e. about 2.5 real sigmas. The test also bounds the standard error
itself, so that a broken batch estimate cannot widen the tolerance silently.

Determinism: handle times are drawn per call at arrival from the simulator's own random
stream, so the sample path does not depend on the core's internals; any correct FIFO core
sees the same callers and passes or fails the same way.
"""

from __future__ import annotations

from typing import Any

import pytest

from acd.simulate.report import report
from acd.simulate.run import Simulation
from acd.simulate.scenario import Load, Scenario, single_queue_config
from reports import erlang

Z = 4.0


def simulate_single_queue(
    rate_per_hour: float, aht: float, agents: int, target: float, hours: float, seed: int
) -> dict[str, Any]:
    scenario = Scenario(
        single_queue_config(agents, target),
        (Load("urp", (rate_per_hour,), aht),),
        hours,
        seed=seed,
        warmup_seconds=3600,
    )
    return report(Simulation(scenario, estimates=False).run())


def assert_agrees(r: dict[str, Any], load: float, aht: float, agents: int, t: float) -> None:
    fig = erlang.staffing(agents, load, aht, t)
    sl, sl_err = float(r["service_level"]), float(r["service_level_stderr"])
    asa, asa_err = float(r["asa_seconds"]), float(r["asa_stderr_seconds"])
    assert sl == pytest.approx(fig.service_level, abs=Z * sl_err), (sl, sl_err)
    assert asa == pytest.approx(fig.asa_seconds, abs=Z * asa_err), (asa, asa_err)
    assert float(r["occupancy"]) == pytest.approx(fig.occupancy, abs=0.01)
    assert r["abandoned"] == 0
    assert r["answered"] == r["offered"]


def test_published_example_a10_aht180_n14_t20() -> None:
    r = simulate_single_queue(200, 180, 14, 20, hours=400, seed=7)
    assert r["offered"] > 75_000
    assert float(r["service_level_stderr"]) < 0.01
    assert float(r["asa_stderr_seconds"]) < 1.2
    assert_agrees(r, 10.0, 180, 14, 20)
    # the published figures themselves, at the run's precision
    assert float(r["service_level"]) == pytest.approx(0.888, abs=0.015)
    assert float(r["asa_seconds"]) == pytest.approx(7.8, abs=1.2)


def test_a_busier_queue_with_short_calls() -> None:
    # A = 1500/h × 60 s = 25 Erlangs on 28 agents: P_wait ≈ 0.58, a long queue at times.
    r = simulate_single_queue(1500, 60, 28, 15, hours=40, seed=3)
    assert float(r["service_level_stderr"]) < 0.03
    assert_agrees(r, 25.0, 60, 28, 15)
