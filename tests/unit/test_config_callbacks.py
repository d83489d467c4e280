"""A service's callbacks in the configuration: shapes, cross-checks (FILE:LINE: PATH), and
what reaches the core (its CallbackRules and its opening hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from acd.config import load_config
from acd.config.rules import ShiftedHours, build_engine, opening_hours
from acd.core.callback import CallbackRules
from tests.unit.config_helpers import broken, line_of, problems

SOURCE = Path(__file__).parents[2] / "examples" / "modena.yaml"
TRUNK = "      trunk: citizens\n"


def found_after(tmp_path: Path, old: str, new: str) -> tuple[Path, list[str]]:
    path = broken(SOURCE, tmp_path, old, new)
    return path, problems(path)


def test_the_example_urp_offers_callbacks() -> None:
    cfg = load_config(SOURCE)
    build_engine(cfg, "t")  # the engine takes them
    urp = cfg.services["urp"].callback
    assert urp is not None
    assert urp.rules() == CallbackRules("citizens", "1", 180, 120, 3, timedelta(minutes=10),
                                        30, "callback-missed")  # fmt: skip


def test_the_trunk_must_exist_and_call_out(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, TRUNK, "      trunk: provider\n")
    line = line_of(path, "trunk: provider")
    assert found == [f"modena.yaml:{line}: services.urp.callback.trunk: unknown trunk "
                     "'provider' (trunks: citizens)"]  # fmt: skip
    no_out = SOURCE.read_text().replace(
        "services:\n", "trunks:\n  - {name: citizens, type: ip, addresses: [127.0.0.1], "
        "dids: ['0592032032']}\nservices:\n", 1)  # fmt: skip
    (tmp_path / "modena.yaml").write_text(no_out)
    found = problems(tmp_path / "modena.yaml")
    assert found == [f"modena.yaml:{line + 2}: services.urp.callback.trunk: trunk 'citizens' "
                     "takes no call out: give it outbound patterns"]  # fmt: skip


def test_the_message_must_be_a_prompt(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, "message: callback-missed", "message: callback-mised")
    line = line_of(path, "message: callback-mised")
    assert found == [f"modena.yaml:{line}: services.urp.callback.message: unknown prompt "
                     "'callback-mised'"]  # fmt: skip


def test_ranges_and_the_offer_are_checked(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, "      attempts: 3\n", "      attempts: 0\n")
    line = line_of(path, "attempts: 0")
    assert found == [f"modena.yaml:{line}: services.urp.callback.attempts: Input should be "
                     "greater than or equal to 1"]  # fmt: skip
    path, found = found_after(tmp_path, '      key: "1"\n', '      key: "12"\n')
    line = line_of(path, 'key: "12"')
    assert found[0].startswith(f"modena.yaml:{line}: services.urp.callback.key: String should")
    text = SOURCE.read_text()
    for old in ("      offer_wait_seconds: 180\n", "      offer_after_seconds: 120\n"):
        text = text.replace(old, "", 1)
    (tmp_path / "modena.yaml").write_text(text)
    line = line_of(tmp_path / "modena.yaml", "    callback:")
    assert problems(tmp_path / "modena.yaml") == [
        f"modena.yaml:{line}: services.urp.callback: Value error, say when to offer: "
        "offer_wait_seconds, offer_after_seconds or both"
    ]


def test_the_offer_comes_before_the_maximum_wait(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, "offer_after_seconds: 120", "offer_after_seconds: 600")
    line = line_of(path, "offer_after_seconds: 600")
    assert found == [f"modena.yaml:{line}: services.urp.callback.offer_after_seconds: 600 s "
                     "is not before the service's max_wait_seconds (600 s)"]  # fmt: skip


def test_opening_hours_come_from_the_service_calendar_holidays_included() -> None:
    cfg = load_config(SOURCE)
    hours = opening_hours(cfg, cfg.services["urp"], timedelta(0))
    assert hours is not None
    tuesday_noon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert hours.is_open(tuesday_noon)
    assert hours.next_closing(tuesday_noon) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    # Monday 7 December evening: Tuesday 8 December is a holiday, Wednesday opens at 08:30.
    assert hours.next_opening(datetime(2026, 12, 7, 18, 0, tzinfo=UTC)) == datetime(
        2026, 12, 9, 7, 30, tzinfo=UTC
    )
    assert opening_hours(cfg, cfg.services["online-help"], timedelta(0)) is None  # no hours
    shifted = opening_hours(cfg, cfg.services["urp"], timedelta(days=1))
    assert isinstance(shifted, ShiftedHours)
    assert not shifted.is_open(datetime(2026, 12, 7, 11, 0, tzinfo=UTC))  # read on the 8th
    assert shifted.next_opening(datetime(2026, 12, 7, 11, 0, tzinfo=UTC)) == datetime(
        2026, 12, 8, 7, 30, tzinfo=UTC
    )


def test_the_websites_daily_limits_have_defaults_and_ranges(tmp_path: Path) -> None:
    limits = load_config(SOURCE).web_callbacks
    assert (limits.per_number_per_day, limits.per_token_per_day) == (3, 500)
    path, found = found_after(tmp_path, "  per_number_per_day: 3 ", "  per_number_per_day: 0 ")
    line = line_of(path, "per_number_per_day: 0")
    assert found == [f"modena.yaml:{line}: web_callbacks.per_number_per_day: Input should be "
                     "greater than or equal to 1"]  # fmt: skip
    path, found = found_after(tmp_path, "  per_token_per_day: 500 ", "  per_token_per_day: 2 ")
    assert found[0].endswith("web_callbacks: Value error, per_number_per_day cannot exceed "
                             "per_token_per_day")  # fmt: skip
