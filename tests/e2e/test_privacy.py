"""A citizen's personal data on the real stack (docs/privacy.md): a caller reaches an agent,
the supervisor's live page shows its number masked, the engine's log never holds the number
(it logs at INFO), and ``centralino privacy export`` then ``erase`` find the call in the
running center's database, leave nothing of the number behind, and are audited."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from demo.sipp import Answer
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import agent_phone, caller

pytestmark = pytest.mark.stack

NUMBER = "3397771234"  # the test caller's number: searched for in the logs


def centralino(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CENTRALINO_DATABASE_URL=stack.dsn)
    argv = [sys.executable, "-m", "acd.cli", *args, "--data-dir", str(stack.data_dir)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def test_a_callers_number_is_masked_unlogged_exported_and_erased(
    center: Stack, tmp_path: Path
) -> None:
    with agent_phone(center, "agent1", Answer(ring_seconds=3)):
        center.ready("agent1")
        call = caller(center, NUMBER, "2", hangup_after=6)
        call.start()
        shown = eventually(lambda: [c for q in center.snapshot()["queues"] for c in q["calls"]]
                           or None, 20, "the call on the live page")  # fmt: skip
        result = call.wait(timeout=40)
        assert result.ok, result.errors
        row = eventually(lambda: center.contact(NUMBER), 15, "the contact row")
    assert shown[0]["caller"] == "3397****34"  # a supervisor sees it masked
    assert row["outcome"] == "answered"

    log = center.log.read_text(errors="replace")
    assert NUMBER not in log, [line for line in log.splitlines() if NUMBER in line]

    out = tmp_path / "export.zip"
    exported = centralino(center, "privacy", "export", NUMBER, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(out) as z:
        assert row["contact_id"] in z.read("contacts.json").decode()
    erased = centralino(center, "privacy", "erase", NUMBER, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert center.contact(NUMBER) is None
    events = center.query("select payload::text from contact_events where contact_id = $1",
                          row["contact_id"])  # fmt: skip
    assert events == []
    audit = center.query("select action from audit_log where target_kind = 'citizen' "
                         "order by id")  # fmt: skip
    assert [r["action"] for r in audit] == ["privacy.export", "privacy.erase"]
