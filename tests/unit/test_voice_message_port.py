"""A voice message kept: measured with the real sox, stored, and (not empty) handed to the
core as a task for its service; a queue's voicemail takes its service from its call."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from acd.core.contact import Contact
from acd.core.events import Event, VoiceMessageLeft
from acd.ivr_ports import VoiceMessages
from acd.silence import Loudness, is_empty, measure, parse_stat
from acd.store.ivr import SaveVoiceMessageOp
from acd.store.writer import StoreWriter
from ivr.runner import KeptMessage

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TONE_STAT = """Samples read:             24000
Length (seconds):      3.000000
Scaled by:         2147483647.0
Maximum amplitude:     0.300018
RMS     amplitude:     0.212143
Rough   frequency:          440
"""
NOTHING_STAT = "Samples read:                 0\nLength (seconds):      0.000000\n" \
    "RMS     amplitude:         -nan\n"  # fmt: skip


def sox(path: Path, *effect: str) -> Path:
    """An 8 kHz mono 16-bit WAV made by sox from nothing (``-n``) and ``effect``."""
    argv = ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), *effect]
    subprocess.run(argv, check=True, capture_output=True, timeout=30)
    return path


def test_sox_stat_is_read_for_length_and_loudness() -> None:
    assert parse_stat(TONE_STAT) == Loudness(3.0, 0.212143)
    assert parse_stat(NOTHING_STAT) == Loudness(0.0, 0.0)  # no samples: NaN is silence
    assert parse_stat("sox FAIL formats: can't open input file") is None
    assert not is_empty(Loudness(3.0, 0.02))  # quiet speech is heard by an agent
    assert is_empty(Loudness(0.4, 0.2))  # a '#' at the beep: too short to hold anything
    assert is_empty(Loudness(5.0, 0.0002))  # five seconds of a silent line


def test_real_recordings_are_measured_with_sox(tmp_path: Path) -> None:
    tone = asyncio.run(measure(sox(tmp_path / "tone.wav", "synth", "3", "sine", "440", "vol",
                                   "0.1")))  # fmt: skip
    silent = asyncio.run(measure(sox(tmp_path / "silent.wav", "trim", "0", "5")))
    assert tone is not None
    assert silent is not None
    assert (round(tone.seconds), is_empty(tone)) == (3, False)
    assert (round(silent.seconds), is_empty(silent)) == (5, True)
    assert asyncio.run(measure(tmp_path / "never-recorded.wav")) == Loudness(0.0, 0.0)
    (tmp_path / "broken.wav").write_bytes(b"not a wav at all")
    assert asyncio.run(measure(tmp_path / "broken.wav")) is None  # not judged: offered
    assert asyncio.run(measure(tmp_path / "tone.wav", sox="no-such-sox")) is None


class FakeWriter:
    def __init__(self) -> None:
        self.ops: list[Any] = []

    def submit(self, op: Any) -> None:
        self.ops.append(op)


def keep(
    tmp_path: Path, message: KeptMessage, contact: Contact | None = None
) -> tuple[list[SaveVoiceMessageOp], list[Event]]:
    writer, events = FakeWriter(), list[Event]()

    async def read(call_id: str) -> Contact | None:
        return contact if contact is not None and contact.contact_id == call_id else None

    box = VoiceMessages(tmp_path, "/inside", cast(StoreWriter, writer), events.append, "urp",
                        read)  # fmt: skip
    asyncio.run(box.keep(message))
    return writer.ops, events


MESSAGE = KeptMessage("c1", "3331234567", "c1-1", AT, "anagrafe", ("2",), "en")


def test_a_message_with_something_said_is_stored_and_queued_for_its_service(
    tmp_path: Path,
) -> None:
    sox(tmp_path / "c1-1.wav", "synth", "4", "sine", "300", "vol", "0.2")
    ops, events = keep(tmp_path, MESSAGE)
    assert ops == [SaveVoiceMessageOp("c1", "3331234567", str(tmp_path / "c1-1.wav"), AT, "c1-1",
                                      "anagrafe", "en", ("2",))]  # fmt: skip
    assert events == [VoiceMessageLeft("c1-1", "c1", "anagrafe", "3331234567", AT, ("2",), "en")]


@pytest.mark.parametrize("effect", [("trim", "0", "5"), ("trim", "0", "0.3")])
def test_an_empty_message_is_stored_handled_and_never_queued(
    tmp_path: Path, effect: tuple[str, ...]
) -> None:
    sox(tmp_path / "c1-1.wav", *effect)
    ops, events = keep(tmp_path, MESSAGE)
    assert [(op.handled_at, op.disposition) for op in ops] == [(AT, "empty")]
    assert events == []


def test_a_voicemail_takes_its_service_and_path_from_its_call(tmp_path: Path) -> None:
    sox(tmp_path / "c1-vm1.wav", "synth", "4", "sine", "300", "vol", "0.2")
    voicemail = replace(MESSAGE, name="c1-vm1", service=None, ivr_path=())
    call = Contact("c1", "3331234567", "0590000000", AT, ("1",), "segnalazioni",
                   outcome="voicemail")  # fmt: skip
    _, events = keep(tmp_path, voicemail, call)
    assert [(ev.service, ev.ivr_path) for ev in events] == [("segnalazioni", ("1",))]  # type: ignore[union-attr]
    _, events = keep(tmp_path, voicemail)  # its call not found: the center's first service
    assert [ev.service for ev in events] == ["urp"]  # type: ignore[union-attr]
