"""The agent's panel in Chromium on the real stack: sign in, log in, ready; a citizen's
call rings the agent's phone and the screen pop shows who calls and why; the outcome and
notes are saved to the contact and shown in the next screen pop of the same number."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually

pytestmark = [pytest.mark.stack, pytest.mark.browser]
PASSWORD = "a desk by the window"
NUMBER = "3330000077"


@pytest.fixture(scope="module")
def anna(stack: Stack) -> str:
    stack.add_account("anna", "agent", PASSWORD, agent="agent3")
    return "anna"


async def _click(page: Page, selector: str) -> None:
    await page.evaluate(f"document.querySelector({selector!r}).click(); true")


async def _call_and_pop(center: Stack, page: Page) -> None:
    """A citizen keys 1 (URP); the agent's sipp phone rings, then answers."""
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "1")],
                        hangup_after=9, caller=NUMBER)  # fmt: skip
    caller.start()
    try:
        assert await page.wait_for(
            f"document.getElementById('pop-caller').textContent === '{NUMBER}'", 30
        )
        assert await page.wait_for(
            "document.getElementById('state').dataset.state === 'on_call'", 20
        )
    finally:
        await asyncio.to_thread(caller.wait, 40)


def test_the_panel_pops_the_call_and_saves_its_outcome(center: Stack, anna: str) -> None:
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))

    async def scenario() -> None:
        async with open_page(center.web + "/login") as page:
            await sign_in(page, anna, PASSWORD)
            assert await page.evaluate("location.pathname") == "/agent"
            state = "document.getElementById('state').dataset.state"
            assert await page.wait_for(f"{state} === 'logged_out'")
            assert await accessibility_violations(page) == []
            await _click(page, "button[data-action=login]")
            assert await page.wait_for(f"{state} !== 'logged_out'")
            await _click(page, "button[data-action=ready][data-when=paused]")
            assert await page.wait_for(f"{state} === 'ready'")
            await page.screenshot(shots / "centralino-agent-ready.png")
            # agent3 has a desk phone: the browser takes no calls unless the agent says so.
            assert await page.evaluate("document.getElementById('phone-use').checked") is False
            assert await asyncio.to_thread(_phone_of, center, "agent3") == "desk"
            with SippAgent("agent3", 36003, Answer(ring_seconds=2, talk_seconds=4)):
                await _call_and_pop(center, page)
                assert "URP" in await page.evaluate(
                    "document.getElementById('pop-path').textContent"
                )
                assert await accessibility_violations(page) == []
                await page.screenshot(shots / "centralino-agent-on-call.png")
                await page.evaluate(
                    "document.getElementById('disposition').value = 'pratica avviata';"
                    "document.getElementById('notes').value = 'Chiede il certificato di residenza';"
                    "document.querySelector('#wrap-form button[type=submit]').click(); true"
                )
                assert await page.wait_for(
                    "document.getElementById('wrap-result').textContent !== ''"
                )
                row = await asyncio.to_thread(
                    eventually, lambda: _disposed(center), 15, "the disposition stored"
                )
                assert (row["disposition"], row["notes"]) == (
                    "pratica avviata",
                    "Chiede il certificato di residenza",
                )
                await asyncio.to_thread(_bad_outcomes_refused, center, dict(row))
                assert await page.wait_for(
                    "document.querySelectorAll('#today tbody tr').length >= 1", 20
                )
                await page.wait_for(f"{state} === 'ready'", 30)
                await _call_and_pop(center, page)
                history = "document.querySelector('#history tbody tr')?.textContent || ''"
                assert await page.wait_for(f"({history}).includes('pratica avviata')", 15)
                assert "certificato di residenza" in await page.evaluate(history)
                await page.screenshot(shots / "centralino-agent-second-call.png")

    asyncio.run(scenario())


def test_the_panel_api_refuses_a_call_it_does_not_have(center: Stack, anna: str) -> None:
    client = center.supervisor
    status, body = client.call("POST", "/api/agents/agent3/disposition",
                               {"call_id": "nope", "disposition": "altro"})  # fmt: skip
    assert (status, body["error"]) == (404, "unknown-call")
    status, body = client.call("GET", "/api/agents/agent3/screen-pop")
    assert (status, body["error"]) == (404, "no-call")


def _bad_outcomes_refused(center: Stack, saved: dict[str, object]) -> None:
    """On the call just answered: an unknown disposition or notes too long change nothing."""
    rows = center.query("select contact_id from contacts where caller_number = $1", NUMBER)
    call_id, client = rows[0]["contact_id"], center.supervisor
    status, body = client.call("POST", "/api/agents/agent3/disposition",
                               {"call_id": call_id, "disposition": "dance"})  # fmt: skip
    assert (status, body["error"]) == (400, "unknown-disposition")
    long_notes = {"call_id": call_id, "disposition": "altro", "notes": "x" * 2001}
    status, body = client.call("POST", "/api/agents/agent3/disposition", long_notes)
    assert (status, body["error"]) == (400, "notes-too-long")
    assert _disposed(center) == saved


def _disposed(center: Stack) -> dict[str, object] | None:
    rows = center.query("select disposition, notes from contacts where caller_number = $1"
                        " and disposition is not null", NUMBER)  # fmt: skip
    return dict(rows[0]) if rows else None


def test_the_agent_chooses_where_its_calls_ring(center: Stack, anna: str) -> None:
    use = "document.getElementById('phone-use')"
    registration = "document.getElementById('phone-registration').dataset.state"

    async def scenario() -> None:
        async with open_page(center.web + "/login") as page:
            await sign_in(page, anna, PASSWORD)
            await page.wait_for(f"{use} !== null")
            await page.evaluate(f"{use}.click(); true")
            assert await page.wait_for(f"{registration} === 'registered'", 20)
            await asyncio.to_thread(eventually, lambda: _phone_of(center, "agent3") == "web",
                                    10, "the browser phone")  # fmt: skip
            await page.evaluate(f"{use}.click(); true")
            assert await page.wait_for(f"{registration} === 'stopped'")
            await asyncio.to_thread(eventually, lambda: _phone_of(center, "agent3") == "desk",
                                    10, "the desk phone again")  # fmt: skip
            await page.call("Page.reload")
            await page.wait_for(f"{use} !== null")
            assert await page.evaluate(f"{use}.checked") is False  # remembered

    asyncio.run(scenario())


def _phone_of(center: Stack, agent_id: str) -> str | None:
    agents = center.snapshot()["agents"]
    return next(a["phone"] for a in agents if a["id"] == agent_id)  # type: ignore[no-any-return]
