"""The engine's event loop: uvloop unless asked otherwise, and a clear error for a typo."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from acd.cli import event_loop_factory, until_stopped


def test_uvloop_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CENTRALINO_EVENT_LOOP", raising=False)
    assert event_loop_factory() is uvloop.new_event_loop


def test_the_standard_loop_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRALINO_EVENT_LOOP", "asyncio")
    assert event_loop_factory() is None


def test_an_unknown_loop_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRALINO_EVENT_LOOP", "uv")
    with pytest.raises(SystemExit, match="CENTRALINO_EVENT_LOOP='uv': 'uvloop'"):
        event_loop_factory()


def test_the_work_runs_on_the_chosen_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CENTRALINO_EVENT_LOOP", raising=False)

    async def loop_type() -> int:
        return int(isinstance(asyncio.get_running_loop(), uvloop.Loop))

    assert until_stopped(loop_type()) == 1
