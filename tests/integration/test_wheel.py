"""A wheel of this checkout, installed in a fresh virtual environment, works anywhere.

The test builds the wheel from a copy of the checkout (the build writes build/ and
*.egg-info next to the sources), checks that it carries every template, migration, sample
and web file, installs it with its dependencies from the package index (pip's cache makes
later runs quick), then, from a directory outside the checkout and with no PYTHONPATH, runs
``centralino check`` on the packaged sample city and on a copied one, and renders the
Asterisk configuration. It needs neither Asterisk nor PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Package data in the repository and where the wheel must carry it.
DATA = {
    "asterisk-conf/templates/*.j2": "acd/asterisk/conf/templates",
    "asterisk-conf/build-root.sh": "acd/asterisk/conf",
    "examples/*.yaml": "acd/examples",
    "examples/*.csv": "acd/examples",
    "acd/store/migrations/*.sql": "acd/store/migrations",
    "acd/web/static/*": "acd/web/static",
    "acd/web/templates/*": "acd/web/templates",
}
NOT_SOURCES = {".git", "var", "build", "dist", ".venv", "node_modules"}

# Run by the fresh environment's python: render with the installed package, say what it used.
RENDER = """
import json, sys
from pathlib import Path
import acd
from acd.acts import SAMPLE
from acd.asterisk import Asterisk, render_config
from acd.asterisk.render import CONF_DIR
from acd.config import load_config
from acd.samples import default_config
from acd.store.migrate import load_migrations
from ivr.acts import parse_acts

cfg = load_config(default_config())
asterisk = Asterisk(cfg, Path("data"), root=Path("root"))
render_config(cfg, asterisk.paths, asterisk.ami_secret, asterisk.agent_passwords())
print(json.dumps({
    "acd": acd.__file__,
    "etc": str(asterisk.paths.host("etc")),
    "migrations": [m.name for m in load_migrations()],
    "acts": len(parse_acts(SAMPLE.read_text(encoding="utf-8"), SAMPLE.name)),
    "build_root": (CONF_DIR / "build-root.sh").is_file(),
}))
"""

pytestmark = pytest.mark.wheel


def test_wheel_installs_and_works_outside_the_checkout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    wheel = _build_wheel(tmp_path)
    built = time.monotonic()
    _assert_carries_package_data(wheel)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, timeout=120)
    _run([str(venv / "bin/pip"), "install", "-q", str(wheel)], tmp_path, timeout=300)
    installed = time.monotonic()

    away = tmp_path / "elsewhere"
    away.mkdir()
    packaged = _check_packaged_city(venv, away)
    shutil.copy(REPO / "examples/modena.yaml", away / "city.yaml")
    checked = _run([str(venv / "bin/centralino"), "check", "city.yaml"], away)
    assert checked.stdout.startswith("city.yaml: ok (")
    assert checked.stderr == ""

    report = json.loads(_run([str(venv / "bin/python"), "-c", RENDER], away).stdout)
    site = venv / "lib"
    assert Path(report["acd"]).is_relative_to(site), "imported from outside the fresh venv"
    assert Path(packaged).is_relative_to(site)
    assert report["migrations"] == sorted(p.stem for p in REPO.glob("acd/store/migrations/*.sql"))
    assert report["acts"] > 0
    assert report["build_root"]
    etc = Path(report["etc"])
    assert etc.is_relative_to(away)
    for template in REPO.glob("asterisk-conf/templates/*.j2"):
        assert (etc / template.stem).stat().st_size > 0, template.stem
    assert "exten => 0592032032," in (etc / "extensions.conf").read_text()  # the sample city

    with capsys.disabled():
        print(
            f"\nwheel test: built {built - started:.0f}s, installed {installed - built:.0f}s, "
            f"checked and rendered {time.monotonic() - installed:.0f}s"
        )
    shutil.rmtree(venv)  # over 100 MB: kept only when the test fails


def _build_wheel(tmp_path: Path) -> Path:
    """``pip wheel`` of a copy of the checkout (links kept: the build follows them)."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=_not_sources)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)]
    _run(pip, tmp_path, timeout=180)
    (wheel,) = dist.glob("centralino-*.whl")
    return wheel


def _not_sources(directory: str, names: list[str]) -> set[str]:
    top = NOT_SOURCES if Path(directory) == REPO else set()
    return {
        n for n in names if n in top or n == "__pycache__" or n.endswith((".egg-info", "_cache"))
    }


def _assert_carries_package_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for pattern, target in DATA.items():
        files = list(REPO.glob(pattern))
        assert files, pattern
        missing = [f.name for f in files if f"{target}/{f.name}" not in names]
        assert not missing, f"{wheel.name} lacks {target}/{missing}"


def _check_packaged_city(venv: Path, cwd: Path) -> str:
    """``centralino check`` with no argument, outside a checkout: the packaged city."""
    result = _run([str(venv / "bin/centralino"), "check"], cwd)
    prefix = "no configuration given: using "
    assert result.stderr.startswith(prefix), result.stderr
    packaged = result.stderr.removeprefix(prefix).strip()
    assert packaged.endswith("acd/examples/modena.yaml")
    assert result.stdout.startswith(f"{packaged}: ok (")
    return packaged


def _run(argv: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run with no trace of the checkout: cwd outside it, no PYTHONPATH, no user site."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CENTRALINO_DATA_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"PYTHONNOUSERSITE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{argv[:3]} failed:\n{result.stdout}\n{result.stderr}"
    return result
