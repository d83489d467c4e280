"""What a running IVR flow asks of the telephony side, and what it gets back.

A flow is a generator: it yields a step and receives the step's result
(``Play`` -> the key pressed during the prompt or None, ``Collect`` -> the digits, possibly
empty on timeout; ``Enqueue`` and ``Hangup`` end the flow).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Play:
    prompt: str
    interrupt_keys: str = ""


@dataclass(frozen=True, slots=True)
class Collect:
    """Play a prompt and wait for up to ``max_digits`` keys (a key during the prompt counts)."""

    prompt: str
    timeout: float
    max_digits: int = 1


@dataclass(frozen=True, slots=True)
class Enqueue:
    service: str
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Hangup:
    outcome: str


Step = Play | Collect | Enqueue | Hangup
