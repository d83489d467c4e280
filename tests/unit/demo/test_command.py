"""``centralino demo`` reaches the CLI through an entry point (``acd`` never imports ``demo``:
the import contracts in pyproject.toml check that)."""

from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import acd.cli
from acd.cli import COMMANDS, main


def test_pyproject_declares_the_demo_command() -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    assert project["entry-points"][COMMANDS] == {"demo": "demo.run:register"}


@pytest.fixture
def this_checkouts_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed metadata may be another checkout's: give the CLI this one's entry point."""
    demo = EntryPoint(name="demo", value="demo.run:register", group=COMMANDS)
    monkeypatch.setattr(acd.cli, "entry_points", lambda group: [demo] if group == COMMANDS else [])


@pytest.mark.usefixtures("this_checkouts_commands")
def test_the_cli_adds_the_commands_of_its_entry_point_group(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["demo", "--help"])
    assert done.value.code == 0
    assert "--calls-per-minute" in capsys.readouterr().out


@pytest.mark.usefixtures("this_checkouts_commands")
@pytest.mark.parametrize("rate", ["0", "-5", "nan"])
def test_a_rate_of_no_calls_is_refused(rate: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["demo", "--calls-per-minute", rate])
    assert done.value.code == 2
    assert "--calls-per-minute" in capsys.readouterr().err
