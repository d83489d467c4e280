"""Templates, build-root.sh, migrations and the sample data are package data."""

from __future__ import annotations

from pathlib import Path

from acd.acts import SAMPLE
from acd.asterisk.render import CONF_DIR
from acd.samples import sample
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

