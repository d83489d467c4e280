"""The live page in a real Chromium, and the JSON API's answers to good and bad requests."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from demo.sipp import SippCaller
from tests.e2e.browser import open_page, sign_in
from tests.e2e.stack import SUPERVISOR, Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def test_live_page_shows_queues_and_agents_and_follows_changes(center: Stack) -> None:
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))

    async def scenario() -> None:
        async with open_page(center.web + "/login?next=/") as page:
            await sign_in(page, *SUPERVISOR)
            rows = await page.wait_for("document.querySelectorAll('#queues tbody tr').length")
            assert rows == len(center.cfg.services)
            assert await page.evaluate("document.documentElement.lang") == "it"
            await asyncio.to_thread(center.ready, "agent3")
            badge = "document.querySelector('tr[data-agent=agent3] .state')?.textContent"
            assert await page.wait_for(f"{badge} === 'Libero'")
            works = "document.querySelector('tr[data-agent=agent3] .services')?.textContent"
            assert await page.wait_for(f"{works} === 'URP, Informagiovani'")
            caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "2")],
                                hangup_after=4, caller="3330000010")  # fmt: skip
            await asyncio.to_thread(center.log_out_everyone)
            caller.start()
            try:
                waiting = "document.querySelector('tr[data-service=informagiovani] .waiting')"
                assert await page.wait_for(f"{waiting}?.textContent === '1'")
                await page.screenshot(shots / "centralino-live.png")
            finally:
                await asyncio.to_thread(caller.wait, 30)

    asyncio.run(scenario())


def test_api_answers_bad_requests_clearly(center: Stack) -> None:
    status, body = center.api("POST", "/api/agents/nobody/ready")
    assert (status, body["error"]) == (404, "unknown-agent")
    status, body = center.api("POST", "/api/agents/agent1/dance")
    assert (status, body["error"]) == (404, "unknown-action")
    status, body = center.api("POST", "/api/agents/agent1/logout")
    status, body = center.api("POST", "/api/agents/agent1/logout")
    assert (status, body["error"]) == (409, "illegal-move")
    assert "logout" in body["message"]
    status, body = center.api("POST", "/api/agents/agent1/pause", {"reason": "back office"})
    assert (status, body["state"], body["reason"]) == (200, "paused", "back office")
    status, body = center.api("GET", "/healthz")
    assert status == 200
    assert body["ok"] is True
