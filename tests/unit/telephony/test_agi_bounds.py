"""FastAGI serves only what the dialplan asks for: known scripts, one live session per
uniqueid, at most ``max_sessions`` connections; each refusal is a WARNING and ``FAILURE``."""

from __future__ import annotations

import asyncio
import logging

import pytest

from acd.bounds import BoundHits
from acd.telephony.agi import AgiServer, AgiSession
from tests.unit.telephony.fakes import AGI_HEADERS, FakeAsterisk, run, until

pytestmark = pytest.mark.timeout(20)
SCRIPTS = ("ivr", "announce", "voicemail")


async def _never_called(session: AgiSession) -> None:
    raise AssertionError(f"handler called for {session.headers}")


def _refused(headers: str, caplog: pytest.LogCaptureFixture) -> str:
    """Call once with ``headers``: Asterisk must hear FAILURE and nothing else."""

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, _never_called, scripts=SCRIPTS)
        await server.start()
        try:
            asterisk = FakeAsterisk(server.port, [], headers=headers)
            await asyncio.wait_for(asterisk.call(), 3.0)
            assert asterisk.commands == ["FAILURE"]
        finally:
            await server.close()

    with caplog.at_level(logging.INFO):
        run(main)
    (refusal,) = [r for r in caplog.records if "refused" in r.getMessage()]
    assert refusal.levelno == logging.WARNING
    return refusal.getMessage()


def test_an_unknown_script_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    headers = AGI_HEADERS.replace("agi_network_script: ivr?lang=it", "agi_network_script: x")
    assert "unknown script 'x'" in _refused(headers, caplog)


def test_a_script_name_the_log_may_not_show_is_not_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = AGI_HEADERS.replace("ivr?lang=it", "3331234567")
    message = _refused(headers, caplog)
    assert "unknown script '?'" in message
    assert "3331234567" not in caplog.text


def test_an_empty_uniqueid_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    headers = AGI_HEADERS.replace("agi_uniqueid: 1732806000.3", "agi_uniqueid: ")
    assert "no agi_uniqueid" in _refused(headers, caplog)


def test_a_missing_uniqueid_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    headers = AGI_HEADERS.replace("agi_uniqueid: 1732806000.3\n", "")
    assert "no agi_uniqueid" in _refused(headers, caplog)


def test_a_uniqueid_of_a_live_session_is_refused_and_free_again_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()
    served: list[str] = []

    async def handler(session: AgiSession) -> None:
        served.append(session.uniqueid)
        await release.wait()

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, handler, scripts=SCRIPTS)
        await server.start()
        try:
            first = asyncio.create_task(FakeAsterisk(server.port, []).call())
            await until(lambda: bool(served))
            twin = FakeAsterisk(server.port, [])
            await asyncio.wait_for(twin.call(), 3.0)
            assert twin.commands == ["FAILURE"]
            release.set()
            await asyncio.wait_for(first, 3.0)
            release.clear()
            again = asyncio.create_task(FakeAsterisk(server.port, []).call())
            await until(lambda: len(served) == 2)
            release.set()
            await asyncio.wait_for(again, 3.0)
        finally:
            release.set()
            await server.close()

    with caplog.at_level(logging.INFO):
        run(main)
    assert served == ["1732806000.3", "1732806000.3"]
    assert "agi_uniqueid of a session still live" in caplog.text


def test_connections_beyond_the_cap_are_told_failure_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()
    bounds = BoundHits()

    async def handler(session: AgiSession) -> None:
        await release.wait()

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, handler, max_sessions=2, bounds=bounds)
        await server.start()
        try:
            calls = [
                FakeAsterisk(server.port, [], headers=AGI_HEADERS.replace("000.3", f"000.{n}"))
                for n in range(3)
            ]
            live = [asyncio.create_task(c.call()) for c in calls[:2]]
            await until(lambda: server.live_sessions == 2)
            await asyncio.wait_for(calls[2].call(), 3.0)
            assert calls[2].commands == ["FAILURE"]
            assert bounds.counts == {"agi_sessions": 1}
            release.set()
            await asyncio.wait_for(asyncio.gather(*live), 3.0)
            assert server.live_sessions == 0
        finally:
            release.set()
            await server.close()

    with caplog.at_level(logging.INFO):
        run(main)
    assert "bound agi_sessions reached" in caplog.text
