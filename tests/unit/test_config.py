"""The configuration is validated at load; every problem is FILE:LINE: PATH: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.cli import main
from acd.config import load_config
from tests.unit.config_helpers import broken as _broken
from tests.unit.config_helpers import line_of, problems

SAMPLE = Path("examples/modena.yaml")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    return _broken(SAMPLE, tmp_path, old, new)


def test_sample_city_loads() -> None:
    cfg = load_config(SAMPLE)
    assert {"urp", "informagiovani", "europe-direct", "online-help", "demografici"} <= set(
        cfg.services
    )
    assert cfg.numbers[0].ivr == "main"


def test_unknown_queue_names_file_line_and_path(tmp_path: Path) -> None:
    path = broken(
        tmp_path, "to-urp: {type: enqueue, service: urp}", "to-urp: {type: enqueue, service: urpp}"
    )
    line = line_of(path, "service: urpp")
    assert problems(path) == [
        f"modena.yaml:{line}: ivr.main.nodes.to-urp.service: unknown queue 'urpp'"
    ]


def test_unknown_menu_target_and_unreachable_node(tmp_path: Path) -> None:
    path = broken(tmp_path, '"3": to-europe-direct', '"3": to-europa')
    found = problems(path)
    line = line_of(path, "to-europa")
    where = "ivr.main.nodes.services.options.3"
    assert f"modena.yaml:{line}: {where}: unknown node 'to-europa'" in found
    assert any("to-europe-direct' cannot be reached" in p for p in found)


def test_shape_errors_unknown_field_range_and_type(tmp_path: Path) -> None:
    path = broken(
        tmp_path, "    name: Marco Barbieri\n", "    name: Marco Barbieri\n    colour: red\n"
    )
    assert problems(path) == [
        f"modena.yaml:{line_of(path, 'colour')}: agents.1.colour: unknown field 'colour'"
    ]
    path = broken(tmp_path, "timeout: 5", "timeout: 50")
    (only,) = problems(path)
    assert only.startswith(
        f"modena.yaml:{line_of(path, 'timeout: 50')}: ivr.main.nodes.services.timeout:"
    )
    path = broken(tmp_path, "type: play", "type: plai")
    (only,) = problems(path)
    assert "unknown type 'plai'" in only


def test_agent_skill_must_be_a_service_and_missing_fields(tmp_path: Path) -> None:
    path = broken(tmp_path, "skills: {urp: 3, online-help: 4}", "skills: {urp: 3, online: 4}")
    assert problems(path) == [
        f"modena.yaml:{line_of(path, '{urp: 3, online: 4}')}: agents.1.skills.online: "
        "unknown skill 'online': no service or requirement names it"
    ]
    path = broken(
        tmp_path,
        "  urp:\n    name: URP – Ufficio relazioni con il pubblico\n",
        "  urp:\n    ring_seconds: 15\n",
    )
    found = problems(path)
    assert any("services.urp: missing required field 'name'" in p for p in found), found


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("center: [unclosed\n")
    (only,) = problems(path)
    assert only.startswith("bad.yaml:")
    assert "not valid YAML" in only
    (only,) = problems(tmp_path / "absent.yaml")
    assert "cannot read file" in only


def test_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SAMPLE)]) == 0
    path = broken(tmp_path, "service: demografici}", "service: anagrafe}")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "ivr.main.nodes.to-demografici.service: unknown queue 'anagrafe'" in err


def test_an_agent_may_not_be_named_as_another_agents_phone(tmp_path: Path) -> None:
    """agent1's browser softphone is the PJSIP endpoint agent1-web: no agent may take it."""
    path = broken(tmp_path, "  - id: agent2\n", "  - id: agent1-web\n")
    line = line_of(path, "id: agent1-web")
    assert problems(path) == [
        f"modena.yaml:{line}: agents.1.id: 'agent1-web' is taken by another agent's or "
        "supervisor's phones"
    ]


def test_a_supervisor_has_phones_named_after_it_and_a_policy_for_its_listening() -> None:
    cfg = load_config(SAMPLE)
    (supervisor,) = cfg.supervisors
    assert (supervisor.id, supervisor.web_endpoint, supervisor.contact) == (
        "supervisore", "supervisore-web", None)  # fmt: skip
    assert cfg.supervisor("supervisore") is supervisor
    assert cfg.supervisor("agent1") is None
    assert cfg.phone_owners()[-1] == "supervisore"
    assert cfg.supervision.tell_agent is False
    assert cfg.routing.supervisor_priority == 5


def test_a_supervisor_may_not_share_an_id_or_a_phone_with_an_agent(tmp_path: Path) -> None:
    path = broken(tmp_path, "{id: supervisore, name:", "{id: agent3, name:")
    line = line_of(path, "id: agent3, name: Responsabile")
    twice = "'agent3' is defined twice (agents and supervisors)"
    assert problems(path) == [f"modena.yaml:{line}: supervisors.0.id: {twice}"]
    path = broken(tmp_path, "{id: supervisore, name:", "{id: agent3-web, name:")
    line = line_of(path, "id: agent3-web")
    assert problems(path) == [
        f"modena.yaml:{line}: supervisors.0.id: 'agent3-web' is taken by another agent's or "
        "supervisor's phones"
    ]
    path = broken(tmp_path, "supervision: {tell_agent: false}", "supervision: {tell: yes}")
    assert problems(path) == [
        f"modena.yaml:{line_of(path, 'tell: yes')}: supervision.tell: unknown field 'tell'"
    ]
