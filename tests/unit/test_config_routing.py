"""Routing configuration errors come out as FILE:LINE: PATH: message."""

from __future__ import annotations

from pathlib import Path

from acd.config import load_config
from acd.config.rules import routing_agent, service_rules
from acd.core.model import Limit, OverflowAction, OverflowKind
from tests.unit.config_helpers import broken, problems
from tests.unit.config_helpers import line_of as line_in

SOURCE = Path(__file__).parents[1] / "e2e" / "routing.yaml"


def problems_after(tmp_path: Path, old: str, new: str) -> list[str]:
    return problems(broken(SOURCE, tmp_path, old, new))


def line_of(text: str) -> int:
    return line_in(SOURCE, text)


def test_bad_requirement_syntax_names_file_line_path_and_column(tmp_path: Path) -> None:
    found = problems_after(tmp_path, '"urp >= 3"', '"urp >= and"')
    line = line_of('requirement: "urp >= 3"')
    assert found == [
        f"routing.yaml:{line}: services.urp.requirement: bad requirement 'urp >= and': "
        "expected a level after '>=', got 'and' (column 8)"
    ]


def test_unknown_skill_in_a_relaxation_step(tmp_path: Path) -> None:
    found = problems_after(tmp_path, '"urp >= 1"}]', '"urp >= 1 or backofice >= 1"}]')
    assert found == [
        f"routing.yaml:{line_of('relax: [{after: 4')}: services.urp.relax.0.requirement: "
        "unknown skill 'backofice': no agent has it and no service has that name"
    ]


def test_skill_level_out_of_range(tmp_path: Path) -> None:
    (only,) = problems_after(
        tmp_path, "skills: {urp: 4, informagiovani: 1}, max", "skills: {urp: 7}, max"
    )
    assert only.startswith(f"routing.yaml:{line_of('id: agent1')}: agents.0.skills")
    assert "level must be 1 to 5, got 7" in only


def test_overflow_target_must_exist(tmp_path: Path) -> None:
    found = problems_after(
        tmp_path, "    wrap_up_seconds: 5\n", "    wrap_up_seconds: 5\n    max_waiting: 3\n"
        "    overflow: {full: {to: urpp}}\n",
    )  # fmt: skip
    assert found == [
        f"routing.yaml:{line_of('wrap_up_seconds: 5') + 2}: "
        "services.informagiovani.overflow.full.to: unknown service 'urpp'"
    ]


def test_overflow_when_closed_needs_the_service_hours(tmp_path: Path) -> None:
    found = problems_after(
        tmp_path, "    wrap_up_seconds: 5\n", "    wrap_up_seconds: 5\n"
        "    overflow: {closed: {to: urp}}\n",
    )  # fmt: skip
    assert found == [
        f"routing.yaml:{line_of('wrap_up_seconds: 5') + 1}: "
        "services.informagiovani.overflow.closed: an overflow when closed needs the service's hours"
    ]


def test_rules_reach_the_core_parsed() -> None:
    cfg = load_config(SOURCE)
    urp = service_rules(cfg.services["urp"])
    assert urp.requirement is not None
    assert not urp.requirement({"urp": 2})
    assert urp.relax[0].after_seconds == 4
    assert urp.relax[0].requirement({"urp": 1})
    agents = [routing_agent(a) for a in cfg.agents]
    assert agents[0].skills == {"urp": 4, "informagiovani": 1}
    assert agents[0].max_missed == 1
    assert agents[4].skills == {"informagiovani": 1}  # the list form: level 1 each


VOICEMAIL = "{voicemail: {prompt: leave-message, max_seconds: 20}}"


def test_voicemail_reaches_the_core_with_its_length() -> None:
    cfg = load_config(SOURCE)
    segnalazioni = service_rules(cfg.services["segnalazioni"])
    assert segnalazioni.overflow[Limit.TIMEOUT] == OverflowAction(
        OverflowKind.VOICEMAIL, "leave-message", 20
    )
    english = service_rules(cfg.services["english"])
    assert english.overflow[Limit.TIMEOUT] == OverflowAction(OverflowKind.MESSAGE, "invalid", 0)


def test_voicemail_short_form_is_a_prompt_and_sixty_seconds(tmp_path: Path) -> None:
    cfg = load_config(broken(SOURCE, tmp_path, VOICEMAIL, "{voicemail: leave-message}"))
    action = service_rules(cfg.services["segnalazioni"]).overflow[Limit.TIMEOUT]
    assert action == OverflowAction(OverflowKind.VOICEMAIL, "leave-message", 60)


def test_voicemail_prompt_must_exist_in_either_form(tmp_path: Path) -> None:
    line = line_of(VOICEMAIL)
    where = f"routing.yaml:{line}: services.segnalazioni.overflow.timeout.voicemail.prompt"
    long_form = VOICEMAIL.replace("leave-message", "leave-mesage")
    assert problems_after(tmp_path, VOICEMAIL, long_form) == [
        f"{where}: unknown prompt 'leave-mesage'"
    ]
    short_form = "{voicemail: leave-mesage}"
    assert problems_after(tmp_path, VOICEMAIL, short_form) == [
        f"{where}: unknown prompt 'leave-mesage'"
    ]


def test_voicemail_length_and_fields_are_checked(tmp_path: Path) -> None:
    where = f"routing.yaml:{line_of(VOICEMAIL)}: services.segnalazioni.overflow.timeout"
    too_long = VOICEMAIL.replace("20", "900")
    assert problems_after(tmp_path, VOICEMAIL, too_long) == [
        f"{where}.voicemail.max_seconds: Input should be less than or equal to 300"
    ]
    unknown = VOICEMAIL.replace("}}", ", beep: false}}")
    assert problems_after(tmp_path, VOICEMAIL, unknown) == [
        f"{where}.voicemail.beep: unknown field 'beep'"
    ]
    (number,) = problems_after(tmp_path, VOICEMAIL, "{voicemail: 42}")
    assert number == (
        f"{where}.voicemail: Value error, give a prompt's name, or {{prompt: NAME, max_seconds: N}}"
    )
    both = "{message: invalid, voicemail: leave-message}"
    (only,) = problems_after(tmp_path, VOICEMAIL, both)
    assert only.startswith(f"{where}: ")
    assert "exactly one of 'to', 'message', 'voicemail'" in only
