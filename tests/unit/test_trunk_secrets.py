"""A registration trunk's password: stored from stdin into the data directory (mode 600),
never in the YAML; a missing one, or one others can read, stops the start clearly."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from acd.asterisk import Asterisk, TrunkSecretError, UnknownTrunk
from acd.cli import main
from acd.config import load_config

TRUNKS = Path(__file__).resolve().parents[1] / "e2e" / "trunks.yaml"


@pytest.fixture
def asterisk(tmp_path: Path) -> Asterisk:
    return Asterisk(load_config(TRUNKS), tmp_path / "data", root=tmp_path / "root")


def test_stored_once_read_at_every_start(asterisk: Asterisk) -> None:
    asterisk.store_trunk_password("provider", "s3cret;with a space")
    assert asterisk.trunk_passwords() == {"provider": "s3cret;with a space"}  # carrier: ip
    path = asterisk.paths.trunk_secret_file("provider")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_missing_password_stops_the_start_and_says_how_to_store_it(asterisk: Asterisk) -> None:
    with pytest.raises(TrunkSecretError, match=r"centralino asterisk trunk-secret provider"):
        asterisk.start()  # before anything else: no root is needed to say so


def test_a_password_others_can_read_is_refused(asterisk: Asterisk) -> None:
    asterisk.store_trunk_password("provider", "s3cret")
    path = asterisk.paths.trunk_secret_file("provider")
    path.chmod(0o644)
    with pytest.raises(TrunkSecretError, match=f"readable by others: chmod 600 {path}"):
        asterisk.trunk_passwords()


@pytest.mark.parametrize("bad", ["", " s3cret", "two\nlines", "tab\there"])
def test_a_password_is_one_line_of_printable_characters(asterisk: Asterisk, bad: str) -> None:
    with pytest.raises(TrunkSecretError, match="one line of printable characters"):
        asterisk.store_trunk_password("provider", bad)


def test_only_registration_trunks_have_a_password(asterisk: Asterisk) -> None:
    with pytest.raises(UnknownTrunk, match="no registration trunk 'carrier'"):
        asterisk.store_trunk_password("carrier", "s3cret")


def test_the_command_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    argv = ["asterisk", "trunk-secret", "--data-dir", str(data), "provider", str(TRUNKS)]
    monkeypatch.setattr("sys.stdin", io.StringIO("pr0v;der\n"))
    assert main(argv) == 0
    assert "password of trunk provider stored" in capsys.readouterr().out
    assert (data / "trunk-secrets" / "provider").read_text() == "pr0v;der\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    assert main([*argv[:4], "carrier", str(TRUNKS)]) == 1
    assert "no registration trunk 'carrier'" in capsys.readouterr().err
