"""Break a known-good configuration in one place and read back the problems found."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.config import ConfigError, load_config


def broken(source: Path, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of ``source`` (same file name) with ``old`` replaced once by ``new``."""
    text = source.read_text()
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)
