"""Deposited acts CSV, the tree printout, the IVR's clock, and prompts rebuilt one by one."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from acd.acts import SAMPLE
from acd.asterisk.paths import InstancePaths
from acd.asterisk.prompts import VOICES, synthesize_prompts
from acd.cli import main
from acd.config import load_config
from acd.config.rules import build_engine
from acd.ivr_ports import FAKE_NOW_ENV, hours_shift, ivr_clock
from ivr.acts import Act, ActsFileError, parse_acts
from ivr.prompts import LANGUAGES as PROMPT_LANGUAGES
from tests.unit.ivr.helpers import CFG

GOOD = "number,addressee,deposited_on\n100234,M. Rossi,2026-11-02\n"


def test_acts_file_is_read_with_every_bad_row_named() -> None:
    assert parse_acts(GOOD, "acts.csv") == [Act("100234", date(2026, 11, 2), "M. Rossi")]
    bad = GOOD + "12,B,2026-11-03\n100235,C,3 novembre\n100234,D,2026-11-04\n"
    with pytest.raises(ActsFileError) as info:
        parse_acts(bad, "acts.csv")
    assert info.value.problems == [
        "acts.csv:3: act number must be 4 to 12 digits, got '12'",
        "acts.csv:4: deposited_on must be a date like 2026-11-28, got '3 novembre'",
        "acts.csv:5: act 100234 is also on line 2",
    ]
    with pytest.raises(ActsFileError, match=r"acts\.csv:1: missing column"):
        parse_acts("numero,data\n1,2\n", "acts.csv")
    assert len(parse_acts(SAMPLE.read_text(), SAMPLE.name)) >= 5


def test_acts_import_refuses_a_bad_file_before_touching_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,deposited_on\nabc,2026-01-01\n")
    assert main(["acts", "import", str(bad), "--data-dir", str(tmp_path / "none")]) == 1
    assert "bad.csv:2: act number" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_ivr_show_outline_and_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "show", "examples/modena.yaml"]) == 0
    text = capsys.readouterr().out
    assert "ivr main (numbers: 0592032032)" in text
    assert "[closed] closed-menu: menu(" in text
    assert "find-act: lookup(query=deposited-act, input=act)" in text
    assert main(["ivr", "show", "examples/modena.yaml", "--mermaid"]) == 0
    chart = capsys.readouterr().out
    assert chart.startswith("flowchart TD\n")
    assert "main__services -->|6| main__acts" in chart
    assert "main__acts --> acts__act_number" in chart


def test_ivr_clock_is_real_unless_the_fake_now_is_set() -> None:
    def real() -> datetime:
        return datetime(2026, 11, 28, 16, 0, tzinfo=UTC)

    assert ivr_clock(real, {}) is real
    fake = ivr_clock(real, {FAKE_NOW_ENV: "2027-01-31T10:00:00+01:00"})
    assert fake() == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="offset"):
        ivr_clock(real, {FAKE_NOW_ENV: "2027-01-31T10:00:00"})


def test_the_engine_reads_opening_hours_on_the_ivr_clock() -> None:
    """A ``closed`` overflow and the IVR's ``hours`` node agree, even under a fake now."""
    cfg = load_config(Path(__file__).parents[3] / "examples" / "modena.yaml")

    def real() -> datetime:
        return datetime(2026, 11, 28, 16, 0, tzinfo=UTC)  # Saturday 17:00

    assert hours_shift(real, {}) == timedelta(0)
    shift = hours_shift(real, {FAKE_NOW_ENV: "2026-12-02T10:00:00+01:00"})  # a Wednesday
    informagiovani = build_engine(cfg, "t", shift).admission.services["informagiovani"]
    assert informagiovani.open_at is not None
    assert informagiovani.open_at(real())
    unshifted = build_engine(cfg, "t").admission.services["informagiovani"]
    assert unshifted.open_at is not None
    assert not unshifted.open_at(real())


@pytest.mark.skipif(not shutil.which("espeak-ng") or not shutil.which("sox"), reason="no espeak")
def test_changing_one_text_rebuilds_only_that_prompt(tmp_path: Path) -> None:
    instance = InstancePaths(tmp_path / "root", tmp_path / "data")
    small = CFG.model_copy(update={"prompts": {k: CFG.prompts[k] for k in ("bye", "saved")}})
    assert len(synthesize_prompts(small, instance)) == 4  # two prompts, two languages
    assert synthesize_prompts(small, instance) == []
    changed = small.prompts["bye"].model_copy(update={"en": "Goodbye now."})
    edited = small.model_copy(update={"prompts": {**small.prompts, "bye": changed}})
    rebuilt = synthesize_prompts(edited, instance)
    assert [p.relative_to(instance.host_base).as_posix() for p in rebuilt] == ["sounds/en/bye.wav"]
    header = rebuilt[0].read_bytes()[:44]
    assert header[22:24] == b"\x01\x00"
    assert int.from_bytes(header[24:28], "little") == 8000


def test_every_prompt_language_has_a_voice() -> None:
    assert set(PROMPT_LANGUAGES) <= set(VOICES)
