"""A citizen's personal data on the real stack (docs/privacy.md): a caller reaches an agent,
the supervisor's live page shows its number masked, neither the engine's log (at INFO) nor
Asterisk's logs hold the number, and ``centralino privacy export`` then ``erase`` find the
call in the running center's database, leave nothing of the number behind, and are audited.

``personal_lines`` is the log scan; tests/e2e/test_ivr.py runs it too, on its callers who
key act numbers in the deposited-acts self-service (that center has the IVR for it)."""

from __future__ import annotations

import os
import re
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
# Asterisk's logs as logger.conf.j2 writes them (queue_log is the fallback's record, not a
# log: the purge trims it), and its stdout.
ASTERISK_LOGS = ("messages.log", "security.log", "console.log")


def personal_lines(stack: Stack, *secrets: str) -> list[str]:
    """The lines of the engine's log (INFO and above) and of Asterisk's logs that hold one
    of ``secrets`` (a caller's number, digits it keyed) as a whole number."""
    found = re.compile("|".join(rf"(?<!\d){re.escape(s)}(?!\d)" for s in secrets))
    asterisk = stack.asterisk().paths
    logs = [stack.log, *(asterisk.host("log", name) for name in ASTERISK_LOGS)]
    assert all(log.exists() for log in logs[:2]), logs  # the scan reads something
    texts = {log.name: log.read_text(errors="replace") for log in logs if log.exists()}
    return [f"{name}: {line}" for name, text in texts.items()
            for line in text.splitlines() if found.search(line)]  # fmt: skip


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

    assert personal_lines(center, NUMBER) == []

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
