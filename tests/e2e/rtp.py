"""A test's own RTP peer: the audio side of a sipp phone whose SDP names this peer's port
(``SippAgent(rtp_port=...)``, ``SippCaller(rtp_port=...)``).

It speaks a steady tone (G.711 u-law, a 20 ms packet every 20 ms) to wherever Asterisk's
audio comes from, as soon as some has come (and from then on: a phone sends audio all
call long, even in silence), and keeps what it hears, so a test can ask how loud a given
frequency was in a stretch of time: who heard whom. Tones are multiples of 50 Hz, a whole
number of periods in a 160-sample packet, so one packet measures each exactly.
"""

from __future__ import annotations

import contextlib
import math
import random
import socket
import struct
import threading
import time
from types import TracebackType
from typing import Self

from demo.sipp import free_media_port

RATE, FRAME = 8000, 160  # samples a second, samples a packet (20 ms)
PCMU = 0


def _ulaw(sample: int) -> int:
    """One 16-bit sample as G.711 u-law (ITU-T G.711's encoder)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(-sample if sample < 0 else sample, 32635) + 0x84
    exponent = max(0, min(7, (magnitude >> 7).bit_length() - 1))
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _linear(byte: int) -> int:
    u = ~byte & 0xFF
    magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
    return -magnitude if u & 0x80 else magnitude


LINEAR = [_linear(b) for b in range(256)]


def tone(hz: float, amplitude: int = 8000) -> bytes:
    """One packet of a ``hz`` tone (a multiple of 50 Hz: it starts and ends each packet at
    the same phase, so packets follow each other seamlessly)."""
    return bytes(_ulaw(round(amplitude * math.sin(2 * math.pi * hz * n / RATE)))
                 for n in range(FRAME))  # fmt: skip


def amplitude(payload: bytes, hz: float) -> float:
    """How loud ``hz`` is in one packet: the amplitude of its sine (Goertzel, one bin)."""
    samples = [LINEAR[b] for b in payload[:FRAME]]
    if len(samples) < FRAME:
        return 0.0
    w = 2 * math.pi * hz / RATE
    re = sum(x * math.cos(w * n) for n, x in enumerate(samples))
    im = sum(x * math.sin(w * n) for n, x in enumerate(samples))
    return 2 * math.hypot(re, im) / FRAME


class RtpPeer:
    """Listens on 127.0.0.1:``port`` (and swallows RTCP on ``port`` + 1)."""

    def __init__(self, name: str, hz: float) -> None:
        self.name, self.port, self._packet = name, free_media_port(), tone(hz)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.settimeout(0.005)
        self._rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):
            self._rtcp.bind(("127.0.0.1", self.port + 1))
        self.heard: list[tuple[float, bytes]] = []  # (monotonic time, u-law payload)
        self.sent = 0
        self._far: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rtp-{name}", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()
        self._rtcp.close()

    def loudness(self, hz: float, since: float, until: float) -> float:
        """The median amplitude of ``hz`` in the packets heard between ``since`` and
        ``until`` (monotonic times): 0 when none came."""
        levels = sorted(amplitude(p, hz) for t, p in list(self.heard) if since <= t < until)
        return levels[len(levels) // 2] if levels else 0.0

    def packets(self, since: float, until: float) -> int:
        return sum(1 for t, _ in list(self.heard) if since <= t < until)

    def _run(self) -> None:
        seq, stamp, ssrc = random.randrange(65536), random.randrange(2**32), random.randrange(2**32)
        next_send = time.monotonic()
        while not self._stop.is_set():
            self._receive()
            now = time.monotonic()
            if self._far is not None and now >= next_send:
                header = struct.pack("!BBHII", 0x80, PCMU, seq, stamp, ssrc)
                with contextlib.suppress(OSError):
                    self._sock.sendto(header + self._packet, self._far)
                seq, stamp, self.sent = (
                    (seq + 1) & 0xFFFF,
                    (stamp + FRAME) & 0xFFFFFFFF,
                    self.sent + 1,
                )
                next_send = max(next_send + FRAME / RATE, now - 0.1)

    def _receive(self) -> None:
        try:
            data, far = self._sock.recvfrom(2048)
        except (TimeoutError, OSError):
            return
        if len(data) < 12 or data[1] & 0x7F != PCMU:
            return  # not audio (DTMF events, comfort noise)
        self._far = far
        extra = 4 * (data[0] & 0x0F)  # CSRC
        self.heard.append((time.monotonic(), data[12 + extra :]))
