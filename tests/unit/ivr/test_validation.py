"""Every IVR problem found at load, as FILE:LINE: PATH: message."""

from __future__ import annotations

from pathlib import Path

from acd.config import load_config
from tests.unit.config_helpers import broken as _broken
from tests.unit.config_helpers import line_of, problems

FLOWS = Path(__file__).with_name("flows.yaml")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    return _broken(FLOWS, tmp_path, old, new)


def test_the_fixture_itself_loads() -> None:
    assert set(load_config(FLOWS).ivr) == {"main", "acts"}


def test_unknown_target_queue_tree_and_calendar(tmp_path: Path) -> None:
    path = broken(tmp_path, "closed: closed, holiday", "closed: shut, holiday")
    assert f"flows.yaml:{line_of(path, 'closed: shut')}: ivr.main.nodes.hours.closed: " \
        "unknown node 'shut'" in problems(path)  # fmt: skip
    path = broken(tmp_path, "service: urp, priority: 3", "service: urpp, priority: 3")
    assert any("ivr.main.nodes.queue.service: unknown queue 'urpp'" in p for p in problems(path))
    path = broken(tmp_path, "type: goto, tree: acts", "type: goto, tree: atti")
    assert any("ivr.main.nodes.acts.tree: unknown ivr 'atti'" in p for p in problems(path))
    path = broken(tmp_path, "calendar: desk", "calendar: banco")
    assert any("opens.calendar: unknown calendar 'banco'" in p for p in problems(path))


def test_unreachable_node(tmp_path: Path) -> None:
    path = broken(tmp_path, '"5": say-things,', '"5": bye,')
    found = problems(path)
    where = line_of(path, "say-things: {")
    assert f"flows.yaml:{where}: ivr.main.nodes.say-things: node 'say-things' cannot be " \
        "reached from start" in found  # fmt: skip


def test_loop_that_never_waits_for_input(tmp_path: Path) -> None:
    path = broken(tmp_path, "prompt: closed, next: bye}", "prompt: closed, next: hours}")
    (only,) = problems(path)
    assert only.startswith(f"flows.yaml:{line_of(path, 'holiday: {')}: ivr.main.nodes.holiday:")
    assert "loop that never waits for input: holiday -> hours -> holiday" in only


def test_loop_across_trees_through_goto(tmp_path: Path) -> None:
    path = broken(tmp_path, "found: found, not_found: missing", "found: back, not_found: missing")
    path.write_text(path.read_text().replace(
        "      missing: {type: play", "      back: {type: goto, tree: acts, node: find}\n"
        "      missing: {type: play"))  # fmt: skip
    loop = "ivr.acts.nodes.back: loop that never waits for input: back -> find -> back"
    assert any(loop in p for p in problems(path))


def test_prompt_missing_for_a_language_and_unknown_prompt(tmp_path: Path) -> None:
    path = broken(tmp_path, "saved: {it: Salvato., en: Saved.}", "saved: {it: Salvato.}")
    assert problems(path) == [
        f"flows.yaml:{line_of(path, 'saved: {')}: prompts.saved: prompt 'saved' has no text "
        "for language 'en'"
    ]
    path = broken(tmp_path, "timeout_prompt: silence", "timeout_prompt: silenzio")
    assert problems(path) == [
        f"flows.yaml:{line_of(path, 'silenzio')}: ivr.main.nodes.menu.timeout_prompt: "
        "unknown prompt 'silenzio'"
    ]


def test_two_options_on_one_key(tmp_path: Path) -> None:
    path = broken(tmp_path, '"4": transfer,', '"4": transfer, "1": acts,')
    line = line_of(path, '"1": acts')
    assert problems(path) == [
        f"flows.yaml:{line}: ivr.main.nodes.menu.options.1: '1' is given twice (first on "
        f"line {line_of(path, 'options:')})"
    ]


def test_duplicate_node_names_are_found_too(tmp_path: Path) -> None:
    path = broken(tmp_path, "      bye: {type: hangup, prompt: bye, outcome: closed}",
                  "      bye: {type: hangup, prompt: bye, outcome: closed}\n"
                  "      bye: {type: hangup}")  # fmt: skip
    (only,) = problems(path)
    assert "ivr.main.nodes.bye: 'bye' is given twice" in only


def test_timeouts_and_lengths_out_of_range(tmp_path: Path) -> None:
    path = broken(tmp_path, "timeout: 4", "timeout: 45")
    (only,) = problems(path)
    assert only.startswith(
        f"flows.yaml:{line_of(path, 'timeout: 45')}: ivr.main.nodes.menu.timeout:"
    )
    assert "less than or equal to 30" in only
    path = broken(tmp_path, "min_digits: 4, max_digits: 8", "min_digits: 9, max_digits: 8")
    (only,) = problems(path)
    assert "ivr.acts.nodes.number.min_digits: min_digits must not exceed max_digits" in only
    path = broken(tmp_path, 'pattern: "1[0-9]+"', 'pattern: "1[0-9"')
    (only,) = problems(path)
    assert "ivr.acts.nodes.number.pattern: not a valid regular expression" in only


def test_hours_needs_a_service_or_a_calendar_and_closures_are_checked(tmp_path: Path) -> None:
    path = broken(tmp_path, "type: hours, service: urp,", "type: hours,")
    (only,) = problems(path)
    assert "ivr.main.nodes.hours: name exactly one of 'service' or 'calendar'" in only
    path = broken(tmp_path, "prompt: xmas}", "prompt: xmas, until: 2026-12-01}")
    (only,) = problems(path)
    assert "holidays.closures.0.until: closure ends before it starts" in only


def test_a_language_node_needs_that_language_in_the_center(tmp_path: Path) -> None:
    path = broken(tmp_path, "languages: [it, en]", "languages: [it]")
    found = problems(path)
    assert any("ivr.main.nodes.english.language: 'en' is not in center.languages" in p
               for p in found), found  # fmt: skip


def test_hours_of_a_service_without_opening_hours(tmp_path: Path) -> None:
    text = FLOWS.read_text()
    start = text.index("    hours: {mon:")
    end = text.index("\n\n", start)
    path = tmp_path / "flows.yaml"
    path.write_text(text[:start] + "    weight: 0" + text[end:])  # URP without its hours
    where = line_of(path, "hours: {type: hours")
    assert f"flows.yaml:{where}: ivr.main.nodes.hours.service: service 'urp' has no opening " \
        "hours" in problems(path)  # fmt: skip


def test_a_default_service_must_be_a_service(tmp_path: Path) -> None:
    path = broken(tmp_path, "  acts:\n    start: number", "  acts:\n    default_service: banco\n"
                  "    start: number")  # fmt: skip
    assert any("ivr.acts.default_service: unknown service 'banco'" in p for p in problems(path))


def test_a_message_nodes_service_must_be_a_service(tmp_path: Path) -> None:
    path = broken(tmp_path, "{type: message, prompt: record,",
                  "{type: message, prompt: record, service: banco,")  # fmt: skip
    assert any("ivr.main.nodes.message.service: unknown service 'banco'" in p
               for p in problems(path))  # fmt: skip


def test_a_schedule_callback_node_needs_a_service_with_hours_and_callbacks(
    tmp_path: Path,
) -> None:
    path = broken(tmp_path, "type: schedule_callback, service: urp",
                  "type: schedule_callback, service: urpp")  # fmt: skip
    where = line_of(path, "later: {")
    assert problems(path) == [
        f"flows.yaml:{where}: ivr.main.nodes.later.service: unknown service 'urpp'"
    ]
    path = broken(tmp_path, "    callback: {trunk: citizens, offer_after_seconds: 120}\n", "")
    where = line_of(path, "later: {")
    assert problems(path) == [f"flows.yaml:{where}: ivr.main.nodes.later.service: service "
                              "'urp' takes no callbacks: give it a callback: section"]  # fmt: skip
    text = FLOWS.read_text()
    start = text.index("    hours: {mon:")
    path.write_text(text[:start] + text[text.index("    callback:", start) :])  # no hours
    where = line_of(path, "later: {")
    assert f"flows.yaml:{where}: ivr.main.nodes.later.service: service 'urp' has no opening " \
        "hours: no slot to offer" in problems(path)  # fmt: skip
    path = broken(tmp_path, "service: urp, fallback: queue}",
                  "service: urp, slots: 5, fallback: later}")  # fmt: skip
    found = problems(path)
    assert any("ivr.main.nodes.later.slots: Input should be less than or equal to 4" in p
               for p in found), found  # fmt: skip
