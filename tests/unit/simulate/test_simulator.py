"""The simulator: determinism, abandons, shifts, skills, handle times, the CLI contract."""

from __future__ import annotations

import gc
import json
import statistics
from typing import Any

import pytest

from acd.cli import main
from acd.simulate.report import report
from acd.simulate.run import Simulation
from acd.simulate.scenario import Load, Scenario, Shift, config_of, single_queue_config

CONTRACT = ["offered", "answered", "abandoned", "service_level", "asa_seconds",
            "abandon_rate", "occupancy"]  # fmt: skip


def run(scenario: Scenario) -> dict[str, Any]:
    return report(Simulation(scenario).run())


def one_queue(agents: int = 5, hours: float = 4, **load: Any) -> Scenario:
    spec: dict[str, Any] = {"rates_per_hour": (60.0,), "aht_seconds": 240.0, **load}
    return Scenario(single_queue_config(agents), (Load("urp", **spec),), hours, seed=5)


def test_same_seed_same_report_other_seed_other_report() -> None:
    assert run(one_queue()) == run(one_queue())
    sc = one_queue()
    changed = Scenario(sc.config, sc.loads, sc.hours, seed=6)
    assert run(changed) != run(sc)


def test_every_offered_call_ends_answered_or_abandoned() -> None:
    r = run(one_queue(agents=3, patience_seconds=60.0))
    assert r["offered"] == r["answered"] + r["abandoned"]
    assert r["abandoned"] > 0
    assert r["waiting_at_end"] == 0
    assert 0 < float(r["abandon_rate"]) < 1
    assert r["short_abandons"] <= r["abandoned"]


def test_patience_spares_nobody_when_agents_are_plenty() -> None:
    r = run(one_queue(agents=30, patience_seconds=600.0))
    assert r["abandoned"] == 0
    assert r["service_level"] == 1.0
    assert r["asa_seconds"] == 0.0


def test_agents_work_only_in_their_shifts() -> None:
    sc = one_queue(agents=2, hours=2, rates_per_hour=(10.0,))
    shifts = {"a1": (Shift(0, 3600),), "a2": (Shift(3600, 7200),)}
    sim = Simulation(Scenario(sc.config, sc.loads, 2, seed=5, shifts=shifts)).run()
    r = report(sim)
    assert r["offered"] == r["answered"]
    # one agent logged in at a time; a1 may finish the call in hand after its shift
    logged_in = sum(v for k, v in sim.state_seconds().items() if k != "logged_out")
    assert 7200 <= logged_in < 7200 + 1800
    assert sim.agents["a1"].state == "logged_out"


def test_a_busy_agent_leaves_after_the_call_in_hand() -> None:
    cfg = single_queue_config(1, wrap_up_seconds=5)
    loads = (Load("urp", (60.0,), 240.0),)  # 4 Erlangs on one agent: never a gap
    sim = Simulation(Scenario(cfg, loads, 2, seed=5, shifts={"a1": (Shift(0, 3600),)})).run()
    assert sim.agents["a1"].state == "logged_out"
    assert sim.unfinished > 0  # nobody left to answer the rest (and nobody gives up)
    handled_after = [o for o in sim.outcomes if o.outcome == "answered" and o.entered > 4000]
    assert len(handled_after) <= 1


def test_calls_go_only_to_agents_with_the_skill() -> None:
    cfg = config_of(
        {"urp": (20, 15, 0), "demografici": (20, 15, 0)},
        {"a1": ("urp",), "a2": ("urp",), "a3": ("demografici",)},
    )
    loads = (Load("urp", (40.0,), 120.0), Load("demografici", (40.0,), 120.0))
    r = run(Scenario(cfg, loads, 4, seed=2))
    services = r["services"]
    assert isinstance(services, dict)
    # one agent for 1.33 Erlangs of demografici: much worse than two agents for urp
    assert services["demografici"]["asa_seconds"] > services["urp"]["asa_seconds"]


def test_lognormal_handle_times_have_the_asked_mean() -> None:
    sim = Simulation(one_queue(agents=8, hours=40, handle="lognormal", handle_cv=0.5)).run()
    talks = [o.talk for o in sim.outcomes]
    assert statistics.fmean(talks) == pytest.approx(240, rel=0.05)
    assert statistics.stdev(talks) / statistics.fmean(talks) == pytest.approx(0.5, abs=0.08)


def test_wait_estimates_are_measured() -> None:
    r = run(one_queue(agents=4, hours=8))
    assert r["ewt_samples"] == r["answered"]
    assert float(r["ewt_mae_seconds"]) >= 0


def test_interval_rates_shape_the_day() -> None:
    sc = one_queue(agents=10, hours=2)
    loads = (Load("urp", (0.0, 120.0), 60.0, interval_seconds=3600),)
    sim = Simulation(Scenario(sc.config, loads, 2, seed=1)).run()
    assert sim.outcomes
    assert min(o.entered for o in sim.outcomes) >= 3600


def test_cli_contract(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--arrivals-per-hour", "200", "--aht", "180", "--agents", "14",
            "--target-seconds", "20", "--hours", "2", "--seed", "3", "--patience", "90",
            "--json"]  # fmt: skip
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    for key in CONTRACT:
        assert key in first
    assert 0 <= first["service_level"] <= 1
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    first.pop("wall_seconds"), again.pop("wall_seconds")
    assert first == again


def test_cli_with_a_center_config(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--config", "examples/modena.yaml", "--arrivals-per-hour", "60",
            "--aht", "120", "--hours", "2", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["offered"] > 0
    assert len(out["services"]) > 1


@pytest.mark.parametrize(
    "extra",
    [
        ["--aht", "0"],
        ["--hours", "-1"],
        ["--arrivals-per-hour", "x"],
        ["--agents", "0"],
        ["--shifts", "8"],
        ["--shifts", "9-8"],
        ["--miss-rate", "1"],
    ],
)
def test_cli_bad_input_exits_2(extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--arrivals-per-hour", "10", "--aht", "100", "--agents", "2", *extra]
    assert main(argv) == 2
    assert "simulate:" in capsys.readouterr().err


def test_overflow_redirects_are_played_and_counted(capsys: pytest.CaptureFixture[str]) -> None:
    # examples/modena.yaml: urp takes at most 25 waiting callers, then a message and hang-up
    argv = ["simulate", "--config", "examples/modena.yaml", "--arrivals-per-hour", "600",
            "--aht", "180", "--hours", "2", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    others = sum(out["other_outcomes"].values())
    assert others > 0
    assert out["offered"] == out["answered"] + out["abandoned"] + others
    assert "ignored_commands" not in out


def test_cli_takes_one_rate_per_interval(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--arrivals-per-hour", "0,400,0", "--interval-minutes", "30",
            "--aht", "60", "--agents", "10", "--hours", "1.5", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert 150 < out["offered"] < 250  # 400 an hour for half an hour


def test_missed_rings_go_to_other_agents_and_nobody_is_lost() -> None:
    sc = one_queue(agents=6, hours=4)
    missing = Scenario(sc.config, sc.loads, 4, seed=5, miss_rate=0.3, ring_delay_seconds=2)
    sim = Simulation(missing).run()
    r = report(sim)
    assert r["offered"] == r["answered"]
    assert r["waiting_at_end"] == 0
    states = sim.state_seconds()
    assert states.get("paused", 0) > 0  # the core paused agents who missed rings in a row
    assert float(r["asa_seconds"]) > float(report(Simulation(sc).run())["asa_seconds"])


def test_cli_deals_agents_to_shifts(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--arrivals-per-hour", "60", "--aht", "60", "--agents", "4",
            "--hours", "4", "--shifts", "0-2,2-4", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["offered"] == out["answered"] > 0


def test_a_run_leaves_no_reference_cycles_so_pausing_the_collector_is_safe() -> None:
    sc = one_queue(agents=3, patience_seconds=60.0)
    gc.collect()
    assert gc.isenabled()
    Simulation(sc).run()
    assert gc.isenabled()  # restored
    gc.disable()
    try:
        sim = Simulation(Scenario(sc.config, sc.loads, sc.hours, seed=5, miss_rate=0.2))
        gc.collect()  # what building it left behind (configuration parsing) does not count
        sim.run()
        assert gc.collect() == 0  # the run itself made no garbage that only the collector frees
    finally:
        gc.enable()
