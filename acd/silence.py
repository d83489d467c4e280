"""Whether a voice message is empty: too short, or silent, as sox measures it.

A caller who presses ``#`` at the beep, or says nothing until the recorder's five seconds
of silence end it, leaves a recording nobody needs to hear. ``measure`` asks ``sox FILE -n
stat`` (the apt package ``sox``, already used to build the prompts) for the recording's
length and RMS amplitude (0 to 1 of full scale); ``is_empty`` says a message is empty under
``MIN_SECONDS`` or ``MIN_RMS``: -60 dBFS, below a phone line's background noise, far below
speech (-20 to -35 dBFS), so that a quiet message is still heard by an agent rather than
closed unheard (a doubt costs an agent a few seconds; a message lost costs a citizen).

A recording that is not there is empty; one that sox cannot read, or sox missing, is not
judged (``None``: the message goes to an agent) and is said in the log.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MIN_SECONDS = 1.0  # shorter: nothing said (a '#' at the beep)
MIN_RMS = 0.001  # -60 dBFS: quieter is a silent line
SOX_SECONDS = 10.0  # a minute's recording takes sox a few tens of milliseconds


@dataclass(frozen=True, slots=True)
class Loudness:
    seconds: float
    rms: float  # of full scale, 0 to 1


def parse_stat(text: str) -> Loudness | None:
    """The length and RMS amplitude in ``sox -n stat``'s report (its stderr); None when
    either is missing. No samples at all gives NaN, which is 0 here."""
    seconds, rms = _figure(text, "Length (seconds)"), _figure(text, "RMS     amplitude")
    if seconds is None or rms is None:
        return None
    return Loudness(seconds, 0.0 if math.isnan(rms) else rms)


def _figure(text: str, label: str) -> float | None:
    found = re.search(rf"^{re.escape(label)}:\s*(\S+)\s*$", text, re.MULTILINE)
    if found is None:
        return None
    try:
        return float(found[1])
    except ValueError:
        return None


def is_empty(loudness: Loudness) -> bool:
    return loudness.seconds < MIN_SECONDS or loudness.rms < MIN_RMS


async def measure(path: Path, sox: str = "sox") -> Loudness | None:
    """``path``'s loudness (a missing file: none at all); None when sox cannot tell."""
    if not await asyncio.to_thread(path.exists):
        return Loudness(0.0, 0.0)
    try:
        proc = await asyncio.create_subprocess_exec(
            sox, str(path), "-n", "stat",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    except OSError as exc:  # sox is not installed
        log.warning("voice message %s not measured: %s", path.name, exc)
        return None
    try:
        _, err = await asyncio.wait_for(proc.communicate(), SOX_SECONDS)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        log.warning("voice message %s not measured: sox took over %g s", path.name, SOX_SECONDS)
        return None
    text = err.decode(errors="replace")
    found = parse_stat(text) if proc.returncode == 0 else None
    if found is None:
        log.warning("voice message %s not measured (sox: %s)", path.name, text.strip()[-200:])
    return found
