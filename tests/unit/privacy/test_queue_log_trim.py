"""Asterisk's queue_log trimmed by the retention purge (acd.telephony.queue_log.recent_lines,
acd.privacy.files.trim_queue_log): lines before the numbers' cutoff go, the rest stay byte
for byte, a torn last line and lines that do not parse stay, a link is never followed, and
the calls still in the file are read back as before."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from acd.privacy.files import erase_from_queue_log, trim_queue_log
from acd.telephony.queue_log import fallback_contacts, recent_lines

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=90)
OLD, NEW = int((CUTOFF - timedelta(days=1)).timestamp()), int(NOW.timestamp())
Q = "centralino-fallback"


def call(at: int, uid: str, number: str) -> bytes:
    lines = [f"{at}|{uid}|{Q}|NONE|ENTERQUEUE|059123|{number}|1",
             f"{at + 5}|{uid}|{Q}|agent1|CONNECT|5|{uid}.9|3",
             f"{at + 60}|{uid}|{Q}|agent1|COMPLETECALLER|5|55|1"]  # fmt: skip
    return "".join(f"{line}\n" for line in lines).encode()


def test_lines_before_the_cutoff_go_the_others_stay_as_they_were() -> None:
    text = (
        call(OLD, "1.1", "3331112222") + b"queue_log restarted\n" + call(NEW, "1.2", "3339998888")
    )
    torn = f"{NEW + 70}|1.3|{Q}|NONE|ENTERQ".encode()
    kept, dropped = recent_lines(text + torn, CUTOFF)
    assert dropped == 3
    assert kept == b"queue_log restarted\n" + call(NEW, "1.2", "3339998888") + torn
    assert b"3331112222" not in kept
    assert recent_lines(kept, CUTOFF) == (kept, 0)  # a second pass finds nothing


def test_the_file_is_trimmed_in_place_and_its_calls_still_read(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(call(OLD, "1.1", "3331112222") + call(NEW, "1.2", "3339998888"))
    path.chmod(0o600)
    inode = path.stat().st_ino
    with path.open("ab") as asterisk:  # Asterisk holds it open for appending
        assert trim_queue_log(path, CUTOFF) == 3
        asterisk.write(f"{NEW + 90}|1.4|{Q}|NONE|ENTERQUEUE|059123|3330001111|1\n".encode())
    assert (path.stat().st_ino, path.stat().st_mode & 0o777) == (inode, 0o600)
    text = path.read_text()
    assert "3331112222" not in text
    assert text.endswith("|3330001111|1\n")  # appended after the trim: at the new end
    contacts = fallback_contacts(text.splitlines(), Q, "urp")
    assert [(c.contact_id, c.caller_number) for c in contacts] == [
        ("1.2", "3339998888"), ("1.4", "3330001111")]  # fmt: skip
    assert trim_queue_log(path, CUTOFF) == 0
    assert trim_queue_log(tmp_path / "absent", CUTOFF) == 0
    assert trim_queue_log(None, CUTOFF) == 0


def test_a_link_in_place_of_the_file_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(call(OLD, "1.1", "3331112222"))
    os.symlink(elsewhere, tmp_path / "queue_log")
    with pytest.raises(OSError, match="queue_log"):  # ELOOP: the purge logs it
        trim_queue_log(tmp_path / "queue_log", CUTOFF)
    assert elsewhere.read_bytes() == call(OLD, "1.1", "3331112222")


def test_an_erasure_drops_every_line_of_the_citizens_calls_in_place(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(call(NEW, "1.1", "3331112222") + call(NEW, "1.2", "3339998888")
                     + call(NEW + 100, "1.3", "3331112222") + b"not a line\n")  # fmt: skip
    inode = path.stat().st_ino
    assert erase_from_queue_log(path, "3331112222") == 6
    text = path.read_bytes()
    assert b"3331112222" not in text
    assert b"|1.1|" not in text
    assert b"|1.3|" not in text
    assert text == call(NEW, "1.2", "3339998888") + b"not a line\n"
    assert path.stat().st_ino == inode
    assert [c.contact_id for c in fallback_contacts(text.decode().splitlines(), Q, "urp")] == [
        "1.2"
    ]
    assert erase_from_queue_log(path, "3331112222") == 0
    assert erase_from_queue_log(tmp_path / "none", "3331112222") == 0
