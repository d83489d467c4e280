"""The agents' SIP passwords: made once, kept across runs, dropped with the agent."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from acd.asterisk.errors import AsteriskError
from acd.asterisk.secret import load_agent_passwords
from acd.cli import main

SAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "modena.yaml")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "agent-passwords.json"


def test_each_agent_gets_its_own_password_once(path: Path) -> None:
    first = load_agent_passwords(path, ["agent1", "agent2"])
    assert set(first) == {"agent1", "agent2"}
    assert first["agent1"] != first["agent2"]
    assert all(len(password) >= 24 for password in first.values())
    assert load_agent_passwords(path, ["agent1", "agent2"]) == first
    assert json.loads(path.read_text()) == first


def test_the_file_is_readable_by_its_owner_only(path: Path) -> None:
    load_agent_passwords(path, ["agent1"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_agent_gets_one_and_a_removed_agent_loses_it(path: Path) -> None:
    before = load_agent_passwords(path, ["agent1", "agent2"])
    after = load_agent_passwords(path, ["agent1", "agent3"])
    assert after["agent1"] == before["agent1"]
    assert after["agent3"] not in before.values()
    assert set(json.loads(path.read_text())) == {"agent1", "agent3"}
    again = load_agent_passwords(path, ["agent1", "agent2"])
    assert again["agent2"] != before["agent2"]  # a returning agent is a new account


def test_a_read_for_one_agent_keeps_the_others(path: Path) -> None:
    everyone = load_agent_passwords(path, ["agent1", "agent2"])
    one = load_agent_passwords(path, ["agent2"], drop_removed=False)
    assert one == {"agent2": everyone["agent2"]}
    assert json.loads(path.read_text()) == everyone


def test_a_damaged_file_is_reported_without_its_content(path: Path) -> None:
    path.parent.mkdir()
    path.write_text('{"agent1": "hunter2-secret"')
    with pytest.raises(AsteriskError) as error:
        load_agent_passwords(path, ["agent1"])
    assert str(path) in str(error.value)
    assert "hunter2" not in str(error.value)
    path.write_text('{"agent1": 42}')
    with pytest.raises(AsteriskError, match="must map each agent id to its password"):
        load_agent_passwords(path, ["agent1"])


def test_an_administrator_reads_an_agents_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    assert main(["asterisk", "agent-secret", "--data-dir", data, "agent2", SAMPLE]) == 0
    printed = capsys.readouterr().out.strip()
    stored = json.loads((tmp_path / "data" / "agent-passwords.json").read_text())
    assert stored == {"agent2": printed}
    assert main(["asterisk", "agent-secret", "--data-dir", data, "nobody", SAMPLE]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "no agent or supervisor 'nobody'" in err
    assert main(["asterisk", "agent-secret", "--data-dir", data, "supervisore", SAMPLE]) == 0
    assert len(capsys.readouterr().out.strip()) > 20  # a supervisor's desk phone's, likewise
