"""sipp's -trace_stat file, read back for the calls placed, successful and failed."""

from __future__ import annotations

from pathlib import Path

from demo.sipp import _read_counts

DATA = Path(__file__).with_name("data")


def test_an_exit_dump_inside_a_periodic_one_is_read_from_its_end() -> None:
    """A file written by sipp in CI: its last line is 5 fields of an interrupted periodic
    dump followed by the whole exit dump; the exit dump's counts are the ones."""
    counts = _read_counts(DATA / "sipp-stat-interleaved.csv")
    assert (counts.placed, counts.successful, counts.failed) == (1, 0, 1)


def test_a_cut_last_line_gives_the_line_before(tmp_path: Path) -> None:
    lines = (DATA / "sipp-stat-interleaved.csv").read_text().splitlines()
    path = tmp_path / "stat.csv"
    path.write_text("\n".join([*lines[:-1], lines[-1][:300]]) + "\n")
    counts = _read_counts(path)
    assert (counts.placed, counts.successful, counts.failed) == (1, 0, 0)


def test_no_file_or_no_header_counts_nothing(tmp_path: Path) -> None:
    assert tuple(_read_counts(tmp_path / "missing.csv")) == (0, 0, 0)
    (tmp_path / "half.csv").write_text("StartTime;LastRes")
    assert tuple(_read_counts(tmp_path / "half.csv")) == (0, 0, 0)
