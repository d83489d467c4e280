"""Property-based fuzzing (hypothesis) of the configuration loader: random YAML-ish
documents and mutations of examples/modena.yaml always give a configuration or a
ConfigError whose every problem says FILE:LINE: PATH: message; never another exception,
never a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.config import load_config
from acd.config.loader import ConfigError
from acd.config.model import CenterConfig

pytestmark = pytest.mark.timeout(120)
SAMPLE = Path("examples/modena.yaml")
LINES = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
LIMIT = 2.0  # seconds one load may take

YAML_BITS = st.sampled_from(["\n", "  ", "- ", ": ", "{", "}", "[", "]", ",", "&a ", "*a",
                             "!!python/object:os.system ", "!!binary ", "!!set ", "? ", "|",
                             ">", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n", "~", "null",
                             "true", "1e999", "0x1f", "2026-11-30", "center", "name", "ivr",
                             "services", "agents", "numbers", "limits", "\t", "\x00", "é",
                             "\ufeff"])  # fmt: skip
YAML_ISH = st.lists(st.one_of(YAML_BITS, st.text(max_size=12)), max_size=80).map("".join)


def check(tmp: Path, text: str | bytes) -> str:
    """Load ``text``: a configuration ('') or a ConfigError (its text); in time."""
    path = tmp / "center.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.monotonic()
    problems = []
    try:
        assert isinstance(load_config(path), CenterConfig)
    except ConfigError as exc:
        problems = exc.problems
        assert problems, "a ConfigError without a problem"
    assert time.monotonic() - started < LIMIT
    for problem in problems:
        assert problem.file == "center.yaml"
        assert problem.line >= 0
        assert problem.message
        assert str(problem).startswith(f"center.yaml:{problem.line}: ")
    return "\n".join(map(str, problems))


@FAST
@given(text=YAML_ISH)
def test_any_yaml_ish_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    check(tmp_path_factory.mktemp("cfg"), text)


@FAST
@given(data=st.binary(max_size=200))
def test_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    check(tmp_path_factory.mktemp("cfg"), data)


@FAST
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(LINES) - 1), st.sampled_from(["drop", "dup", "put"]), YAML_ISH
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutations_of_the_example(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, str, str]]
) -> None:
    lines = list(LINES)
    for at, how, bit in edits:
        at = min(at, len(lines) - 1)
        if how == "drop":
            del lines[at]
        elif how == "dup":
            lines.insert(at, lines[at])
        else:
            lines[at] = lines[at][: len(lines[at]) // 2] + bit + "\n"
        if not lines:
            break
    check(tmp_path_factory.mktemp("cfg"), "".join(lines))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 5000 + "]" * 5000, "nested more than 50 deep"),  # past the recursion limit
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "more than 100000 values",
        ),
        ("\ufeffcenter: {name: x}\n", "missing required field"),
        ("center: !!python/object/apply:os.system [true]\n", "not valid YAML"),
        (b"center:\n  name: \xff\n", "center.yaml:2: : not UTF-8 text"),
    ],
    ids=["deep", "billion-laughs", "bom", "python-tag", "latin-1"],
)
def test_hostile_documents(tmp_path: Path, text: str | bytes, said: str) -> None:
    assert said in check(tmp_path, text)
