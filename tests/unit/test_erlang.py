"""Erlang C: the published example, large N, edge cases, properties, the CLI."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.cli import main
from reports import erlang


def test_published_example_call_centre_helper() -> None:
    # 100 calls in 30 minutes, AHT 180 s, T = 20 s -> A = 10 Erlangs, 14 agents.
    load = erlang.traffic(200, 180)
    assert load == pytest.approx(10.0)
    assert erlang.p_wait(14, load) == pytest.approx(0.1741, abs=5e-5)
    assert erlang.service_level(14, load, 180, 20) == pytest.approx(0.888, abs=5e-4)
    assert erlang.asa(14, load, 180) == pytest.approx(7.8, abs=0.05)
    assert erlang.occupancy(14, load) == pytest.approx(0.714, abs=5e-4)
    assert erlang.agents_needed(load, 180, 20, 0.8) == 14
    assert erlang.scheduled_with_shrinkage(14, 0.30) == 20


def test_erlang_b_matches_the_closed_form_for_small_n() -> None:
    a, n = 7.3, 9
    closed = (a**n / math.factorial(n)) / sum(a**i / math.factorial(i) for i in range(n + 1))
    assert erlang.erlang_b(n, a) == pytest.approx(closed, rel=1e-12)


def test_thousands_of_agents_do_not_overflow() -> None:
    fig = erlang.staffing(5000, 4950.0, 180, 20)
    assert 0 < fig.p_wait < 1
    assert 0 < fig.service_level < 1
    assert math.isfinite(fig.asa_seconds)
    needed = erlang.agents_needed(4950.0, 180, 20, 0.8)
    assert 4950 < needed < 5100
    assert erlang.service_level(needed, 4950.0, 180, 20) >= 0.8
    assert erlang.service_level(needed - 1, 4950.0, 180, 20) < 0.8


def test_unstable_queue_gives_limit_values_not_errors() -> None:
    fig = erlang.staffing(10, 10.0, 180, 20)
    assert not fig.stable
    assert (fig.p_wait, fig.service_level, fig.asa_seconds, fig.occupancy) == (
        1.0,
        0.0,
        math.inf,
        1.0,
    )
    assert erlang.asa(5, 10.0, 180) == math.inf


def test_no_traffic_means_no_wait() -> None:
    assert erlang.p_wait(1, 0.0) == 0.0
    assert erlang.service_level(1, 0.0, 180, 20) == 1.0


@pytest.mark.parametrize(
    ("call", "why"),
    [
        (lambda: erlang.p_wait(0, 1.0), r"agents must be >= 1, got 0"),
        (lambda: erlang.p_wait(3, -1.0), r"traffic \(Erlangs\) must be a finite number >= 0"),
        (lambda: erlang.traffic(100, 0), r"aht_seconds must be > 0, got 0"),
        (lambda: erlang.agents_needed(10, 180, 20, 1.0), r"target service level must be in"),
        (lambda: erlang.scheduled_with_shrinkage(14, 1.0), r"shrinkage must be in \[0, 1\)"),
        (lambda: erlang.service_level(14, 10, 180, -1), r"target seconds must be >= 0"),
    ],
)
def test_nonsense_input_raises_value_error(call: Callable[[], object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        call()


@given(st.floats(0.1, 300), st.integers(1, 400), st.floats(1, 600), st.floats(0, 120))
def test_service_level_grows_with_agents_and_p_wait_is_a_probability(
    load: float, n: int, aht: float, target: float
) -> None:
    pw = erlang.p_wait(n, load)
    assert 0.0 <= pw <= 1.0
    assert erlang.p_wait(n + 1, load) <= pw + 1e-12
    sl = erlang.service_level(n, load, aht, target)
    assert 0.0 <= sl <= 1.0
    assert erlang.service_level(n + 1, load, aht, target) >= sl - 1e-12


@given(st.floats(0.1, 500), st.floats(0.05, 0.99))
def test_agents_needed_is_the_fewest_reaching_the_target(load: float, target: float) -> None:
    n = erlang.agents_needed(load, 180, 20, target)
    assert erlang.service_level(n, load, 180, 20) >= target
    assert n - 1 < 1 or erlang.service_level(n - 1, load, 180, 20) < target


def test_cli_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["erlang", "--arrivals-per-hour", "200", "--aht", "180", "--target-seconds", "20"]
    assert main([*argv, "--service-level", "0.8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agents_needed"] == 14
    assert out["p_wait"] == pytest.approx(0.1741, abs=5e-5)
    assert out["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert out["asa_seconds"] == pytest.approx(7.8, abs=0.05)
    assert out["occupancy"] == pytest.approx(0.714, abs=5e-4)
    assert main([*argv, "--agents", "16", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["agents"] == 16


def test_cli_human_output_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erlang", "--arrivals-per-hour", "200", "--aht", "180", "--agents", "14"]) == 0
    assert "88.8 %" in capsys.readouterr().out
    assert main(["erlang", "--arrivals-per-hour", "200", "--aht", "-3"]) == 2
    assert "aht_seconds must be > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["erlang", "--arrivals-per-hour", "lots", "--aht", "180"])
    assert exc.value.code == 2
