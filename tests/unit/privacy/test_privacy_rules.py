"""The privacy rules without a database: the configuration's retention (defaults, ranges, the
windows a number must stay in clear), a citizen's number as typed, its pseudonym and mask,
the key file, the purge's next run, and the recordings deleted only inside the spool."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from acd.config import load_config
from acd.config.privacy_checks import DAY, check_privacy
from acd.privacy.files import delete, sweep
from acd.privacy.numbers import (
    InvalidNumber,
    Pseudonyms,
    citizen_number,
    erased_marker,
    is_in_clear,
    load_key,
    masked,
)
from acd.privacy.purge import next_run
from tests.unit.config_helpers import line_of, problems

SAMPLE = Path("examples/modena.yaml")
ROME = ZoneInfo("Europe/Rome")


def with_privacy(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "center.yaml"
    path.write_text(SAMPLE.read_text(encoding="utf-8") + section, encoding="utf-8")
    return path


def test_defaults_when_the_section_is_left_out() -> None:
    p = load_config(SAMPLE).privacy
    assert (p.recordings_days, p.numbers_in_clear_days, p.ivr_digits_days, p.history_days,
            p.audit_days, p.purge_at, p.full_numbers_for) == (30, 90, 30, 730, 1825, "03:30",
                                                              ("admin",))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [("  recordings_days: 0\n", "greater than or equal to 1"),
     ("  purge_at: '25:00'\n", "purge_at must look like"),
     ("  full_numbers_for: [agent]\n", "supervisor"),
     ("  keep_forever: true\n", "unknown field")],
)  # fmt: skip
def test_bad_values_name_the_line_and_path(tmp_path: Path, text: str, message: str) -> None:
    path = with_privacy(tmp_path, "\nprivacy:\n" + text)
    found = problems(path)
    assert len(found) == 1
    assert message in found[0]
    assert found[0].startswith(f"center.yaml:{line_of(path, text.strip())}: privacy.")


def test_a_retention_shorter_than_a_callback_retry_window_is_refused() -> None:
    cfg = load_config(SAMPLE)
    (i, urp), *_ = [(n, s) for n, s in cfg.services.items() if s.callback is not None]
    assert urp.callback is not None
    slow = urp.callback.model_copy(update={"attempts": 10, "spacing_seconds": DAY})
    services = {**cfg.services, i: urp.model_copy(update={"callback": slow})}
    short = cfg.model_copy(update={"services": services, "privacy": cfg.privacy.model_copy(
        update={"numbers_in_clear_days": 5})})  # fmt: skip
    ((path, message),) = check_privacy(short)
    assert path == ("privacy", "numbers_in_clear_days")
    assert message == (
        f"5 day(s) is shorter than services.{i}.callback.spacing_seconds (10 days, the callback "
        "retry window): numbers must stay in clear at least that long"
    )
    assert list(check_privacy(cfg)) == []


def test_the_recall_window_is_checked_too() -> None:
    cfg = load_config(SAMPLE)
    assert list(check_privacy(cfg)) == []
    long_recall = cfg.model_copy(update={"routing": cfg.routing.model_copy(
        update={"recall_window_seconds": 2 * DAY})})  # fmt: skip
    short = long_recall.model_copy(update={"privacy": cfg.privacy.model_copy(
        update={"numbers_in_clear_days": 1})})  # fmt: skip
    assert [path for path, _ in check_privacy(short)] == [("privacy", "numbers_in_clear_days")]


@pytest.mark.parametrize(
    ("typed", "number"),
    [("+39 059 123-4567", "+390591234567"), ("0039 (059) 1234567", "+390591234567"),
     ("059.123.45.67", "0591234567"), ("3331234567", "3331234567")],
)  # fmt: skip
def test_a_number_as_a_person_types_it(typed: str, number: str) -> None:
    assert citizen_number(typed) == number


@pytest.mark.parametrize("typed", ["", "12", "059-abc", "+39 059 12345678901234567890",
                                   "++39059", "059;rm -rf"])  # fmt: skip
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidNumber, match="not a phone number"):
        citizen_number(typed)


def test_pseudonyms_are_keyed_stable_and_unlike_the_number(tmp_path: Path) -> None:
    key = load_key(tmp_path / "privacy.key")
    assert (tmp_path / "privacy.key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path / "privacy.key") == key  # made once, then read
    ours, theirs = Pseudonyms(key), Pseudonyms(b"another key of at least 32 bytes!")
    p = ours.of("+390591234567")
    assert p == ours.of("+390591234567") != theirs.of("+390591234567")
    assert p.startswith("p:")
    assert "0591234567" not in p
    assert not is_in_clear(p)
    assert not is_in_clear(erased_marker())
    assert erased_marker() != erased_marker()
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonyms(b"short")


def test_masked_numbers_keep_only_their_ends() -> None:
    assert masked("+390591234567") == "+390*******67"
    assert masked("12345") == "*****"
    assert masked("p:0123abcd") == "***"
    assert masked("kiosk:q1-centro") == "kiosk:q1-centro"  # a totem: no citizen's number


def test_the_purge_runs_next_at_its_time_in_the_centers_zone() -> None:
    before = datetime(2025, 3, 29, 1, 0, tzinfo=ROME)
    assert next_run(before, "03:30", ROME) == datetime(2025, 3, 29, 3, 30, tzinfo=ROME)
    after = datetime(2025, 3, 29, 4, 0, tzinfo=ROME)
    assert next_run(after, "03:30", ROME) == datetime(2025, 3, 30, 3, 30, tzinfo=ROME)


def test_recordings_are_deleted_only_inside_the_spool(tmp_path: Path) -> None:
    spool, elsewhere = tmp_path / "spool", tmp_path / "etc"
    spool.mkdir()
    elsewhere.mkdir()
    (spool / "a.wav").write_bytes(b"a")
    (elsewhere / "passwd").write_bytes(b"root")
    (spool / "link.wav").symlink_to(elsewhere / "passwd")
    files = [str(spool / "a.wav"), str(elsewhere / "passwd"), str(spool / "link.wav"),
             str(spool / "../etc/passwd"), str(spool / "gone.wav")]  # fmt: skip
    assert delete(spool, files) == 1
    assert (elsewhere / "passwd").exists()
    assert (spool / "link.wav").is_symlink()


def test_the_sweep_deletes_old_files_only(tmp_path: Path) -> None:
    (tmp_path / "old.wav").write_bytes(b"o")
    (tmp_path / "new.wav").write_bytes(b"n")
    now = 1_000_000_000.0
    os.utime(tmp_path / "old.wav", (now - 31 * DAY, now - 31 * DAY))
    os.utime(tmp_path / "new.wav", (now - 29 * DAY, now - 29 * DAY))
    assert sweep(tmp_path, 30, now) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["new.wav"]
    assert sweep(tmp_path / "missing", 30, now) == 0
    assert sweep(None, 30) == 0
