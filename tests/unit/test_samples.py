"""The sample data is package data, and commands without a configuration find a sample city."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.acts import SAMPLE
from acd.asterisk.render import CONF_DIR
from acd.cli import main
from acd.samples import default_config, sample
from acd.store.migrate import load_migrations

REPO = Path(__file__).resolve().parents[2]


def test_packaged_files_are_the_repository_files() -> None:
    """The package's links reach asterisk-conf/ and examples/ (no second copy to drift)."""
    for name in ("modena.yaml", "acts-sample.csv"):
        assert sample(name).read_bytes() == (REPO / "examples" / name).read_bytes()
    template = CONF_DIR / "templates" / "extensions.conf.j2"
    assert template.read_text() == (REPO / "asterisk-conf/templates/extensions.conf.j2").read_text()
    assert (CONF_DIR / "build-root.sh").is_file()
    assert SAMPLE.name == "acts-sample.csv"
    assert load_migrations()[0].name == "001_initial_schema"


def test_default_config_in_a_checkout_is_the_relative_sample() -> None:
    assert default_config() == Path("examples/modena.yaml")


def test_default_config_elsewhere_is_the_packaged_city(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    packaged = default_config()
    assert packaged.is_absolute()
    assert packaged.read_bytes() == sample("modena.yaml").read_bytes()

    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{packaged}: ok (")
    assert err == f"no configuration given: using {packaged}\n"


def test_an_explicit_config_is_used_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "city.yaml"
    config.write_bytes(sample("modena.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["check", "city.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("city.yaml: ok (")
    assert err == ""
