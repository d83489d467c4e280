"""Recent callers who were cut off: a bounded memory that gives them a priority boost.

A caller whose contact ended without an agent (abandoned in the queue, turned away by an
overflow message) and who calls again within the window jumps ahead. The memory keeps at
most ``size`` callers and forgets the oldest first, so it cannot grow without bound.
"""

from __future__ import annotations

from collections import OrderedDict


class RecentCallers:
    def __init__(self, window_seconds: float, size: int) -> None:
        self._window, self._size = window_seconds, size
        self._cut_off: OrderedDict[str, float] = OrderedDict()  # number -> time, oldest first

    def cut_off(self, number: str, at: float) -> None:
        if not number:
            return
        self._cut_off.pop(number, None)
        self._cut_off[number] = at
        while len(self._cut_off) > self._size:
            self._cut_off.popitem(last=False)

    def recalled(self, number: str, at: float) -> bool:
        """True (once) when ``number`` was cut off within the window before ``at``."""
        when = self._cut_off.pop(number, None)
        return when is not None and at - when <= self._window

    def __len__(self) -> int:
        return len(self._cut_off)
