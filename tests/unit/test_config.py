"""The configuration is validated at load; every problem is FILE:LINE: PATH: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.cli import main
from acd.config import load_config
from reports.service_level import Definition, Rule
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


def test_each_service_has_a_service_level_rule_its_own_or_the_centers(tmp_path: Path) -> None:
    cfg = load_config(SAMPLE)
    assert cfg.service_level_rule("urp") == Rule(20, 5, Definition.WITH_ABANDONS)
    assert cfg.service_level_rule("online-help").seconds == 60  # its own T
    path = broken(tmp_path, "    service_level_seconds: 60 ",
                  "    short_abandon_seconds: 3\n    service_level_definition: queue-removal\n"
                  "    service_level_seconds: 60 ")  # fmt: skip
    assert load_config(path).service_level_rule("online-help") == Rule(
        60, 3, Definition.QUEUE_REMOVAL
    )


def test_a_service_level_definition_must_be_one_of_the_four(tmp_path: Path) -> None:
    path = broken(tmp_path, "definition: with-abandons", "definition: sl3")
    (only,) = problems(path)
    assert only.startswith(f"modena.yaml:{line_of(path, 'sl3')}: service_level.definition: ")
    assert "'answered-only', 'with-abandons', 'with-early-abandons' or 'queue-removal'" in only


def test_wallboard_colours_have_defaults_and_refuse_a_band_upside_down(tmp_path: Path) -> None:
    cfg = load_config(SAMPLE)
    urp, info = cfg.services["urp"].wallboard, cfg.services["informagiovani"].wallboard
    assert (urp.service_level.amber, urp.service_level.red) == (0.9, 0.8)
    assert (info.service_level.amber, info.service_level.red) == (0.85, 0.80)  # defaults
    assert info.longest_wait_seconds is None  # from the service's T
    assert (info.aht_seconds.amber, info.aht_seconds.red) == (None, None)  # never coloured
    path = broken(tmp_path, "service_level: {amber: 0.9, red: 0.8}",
                  "service_level: {amber: 0.8, red: 0.9}")  # fmt: skip
    (only,) = problems(path)
    where = f"modena.yaml:{line_of(path, 'amber: 0.8, red: 0.9')}: services.urp.wallboard"
    assert only.startswith(f"{where}.service_level: ")
    assert "red (0.9) must not be above amber (0.8)" in only
    path = broken(tmp_path, "service_level: {amber: 0.9, red: 0.8}",
                  "service_level: {amber: 90, red: 80}")  # fmt: skip
    (only,) = problems(path)
    assert "a fraction from 0 to 1 (0.8 for 80 %), got 90" in only
    path = broken(tmp_path, "longest_wait_seconds: {amber: 30, red: 90}",
                  "longest_wait_seconds: {amber: 90, red: 30}")  # fmt: skip
    (only,) = problems(path)
    assert "services.urp.wallboard.longest_wait_seconds: " in only
    assert "red (30.0) must not be under amber (90.0)" in only


def test_the_staffing_target_is_the_centers_or_the_services_own_and_a_share(
    tmp_path: Path,
) -> None:
    assert load_config(SAMPLE).service_level_target("urp") == 0.8  # the default
    path = broken(tmp_path, "    service_level_seconds: 60 ",
                  "    service_level_target: 0.9\n    service_level_seconds: 60 ")  # fmt: skip
    cfg = load_config(path)
    assert (cfg.service_level_target("online-help"), cfg.service_level_target("urp")) == (0.9, 0.8)
    path = broken(tmp_path, "  target: 0.8 ", "  target: 80 ")
    (only,) = problems(path)
    assert only.startswith(f"modena.yaml:{line_of(path, 'target: 80')}: service_level.target: ")


def test_fallback_defaults_to_the_first_service_and_its_agents() -> None:
    cfg = load_config(SAMPLE)
    assert cfg.fallback.enabled
    assert cfg.fallback_service() == "urp"
    holders = [a.id for a in cfg.fallback_members()]
    assert holders
    assert all("urp" in a.levels() for a in cfg.fallback_members())
    assert len(holders) < len(cfg.agents) or all("urp" in a.levels() for a in cfg.agents)


def test_fallback_names_a_known_service_and_prompt(tmp_path: Path) -> None:
    path = broken(tmp_path, "fallback: {service: urp,",
                  "fallback: {service: nowhere, announcement: nothing,")  # fmt: skip
    found = problems(path)
    assert any("fallback" in p and "unknown service 'nowhere'" in p for p in found), found
    assert any("fallback" in p and "unknown prompt 'nothing'" in p for p in found), found
