"""The announcement of place and wait: what is said, and that it only reads the engine."""

from __future__ import annotations

from typing import Any

from acd.telephony.announce import Announcer, Number, Sound, announcement
from tests.unit.telephony.fakes import run


def test_first_in_line_and_under_a_minute() -> None:
    assert announcement(1, 20) == [
        Sound("queue-youarenext"), Sound("queue-holdtime"), Sound("queue-less-than"),
        Number(1), Sound("queue-minute"),
    ]  # fmt: skip


def test_third_in_line_about_two_minutes() -> None:
    assert announcement(3, 110) == [
        Sound("queue-thereare"), Number(3), Sound("queue-callswaiting"),
        Sound("queue-holdtime"), Number(2), Sound("queue-minutes"),
    ]  # fmt: skip


def test_no_estimate_when_nobody_is_staffed() -> None:
    assert announcement(2, None) == [
        Sound("queue-thereare"), Number(2), Sound("queue-callswaiting"),
    ]  # fmt: skip


class FakeSession:
    uniqueid = "1732806000.3"

    def __init__(self) -> None:
        self.said: list[str] = []

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
        self.said.append(file)
        return None

    async def exec(self, app: str, args: str = "", timeout: float | None = None) -> Any:
        self.said.append(f"{app}({args})")


def test_announcer_speaks_the_figures_of_the_call_and_nothing_for_others() -> None:
    figures = {"1732806000.3": (2, 150.0)}
    session = FakeSession()

    async def main() -> None:
        await Announcer(figures.get).serve(session)
        figures.clear()
        await Announcer(figures.get).serve(session)  # answered meanwhile: silence

    run(main)
    assert session.said == [
        "queue-thereare", "SayNumber(2)", "queue-callswaiting",
        "queue-holdtime", "SayNumber(3)", "queue-minutes",
    ]  # fmt: skip
