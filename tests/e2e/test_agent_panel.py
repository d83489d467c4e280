"""The agent's panel in Chromium on the real stack: sign in, log in, ready; a citizen's
call rings the agent's phone and the screen pop shows who calls and why; the outcome and
notes are saved to the contact and shown in the next screen pop of the same number. An
agent works the services it chose among those it holds: at login and while logged in."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import agent_phone, caller

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


def test_an_agent_is_rung_only_for_the_services_it_chose(center: Stack) -> None:
    """agent1 and agent2 hold URP and Informagiovani; agent1 logs in to URP only. A caller
    for Informagiovani rings agent2, though agent1 is idle longer; once agent1 adds
    Informagiovani, the next such caller rings it."""
    status, body = center.api("POST", "/api/agents/agent1/services", {"services": ["urp"]})
    assert (status, body["error"]) == (409, "not-logged-in")
    status, body = center.api("POST", "/api/agents/agent1/login", {"services": ["anagrafe"]})
    assert (status, body["error"]) == (400, "unknown-service")
    status, body = center.api("POST", "/api/agents/agent1/login", {"services": ["urp"]})
    assert (status, body["state"], body["services"]) == (200, "paused", ["urp"])
    status, body = center.api("POST", "/api/agents/agent1/services", {"services": []})
    assert (status, body["error"]) == (400, "no-service-chosen")
    status, body = center.api("POST", "/api/agents/agent1/services", {"services": "urp"})
    assert (status, body["error"]) == (400, "bad-services")
    with (
        agent_phone(center, "agent1", Answer(ring_seconds=0.3)),
        agent_phone(center, "agent2", Answer(ring_seconds=0.3)),
    ):
        center.ready("agent1")  # idle longest, but works URP only
        time.sleep(0.2)
        center.ready("agent2")
        assert _staffed(center) == {"urp": 2, "informagiovani": 1}
        assert _services_of(center, "agent1") == ["urp"]
        row = _answered_by(center, "3330000078")
        assert (row["service"], row["agent_id"]) == ("informagiovani", "agent2")
        sql = ("select count(*) from agent_states where agent_id = 'agent1'"
               " and state = 'ringing' and at >= $1")  # fmt: skip
        rung = center.query(sql, row["entered_queue_at"])
        assert rung[0][0] == 0
        both = {"services": ["urp", "informagiovani"]}
        status, body = center.api("POST", "/api/agents/agent1/services", both)
        assert (status, body["state"], body["services"]) == (200, "ready", both["services"])
        row = _answered_by(center, "3330000079")
        assert (row["service"], row["agent_id"]) == ("informagiovani", "agent1")


def _answered_by(center: Stack, number: str) -> dict[str, object]:
    """A citizen keys 2 (Informagiovani), talks 3 s and hangs up: its contact row."""
    result = caller(center, number, "2", hangup_after=3).run(timeout=40)
    assert result.ok, result.errors
    return dict(eventually(lambda: center.contact(number), 15, "the contact row"))


def _staffed(center: Stack) -> dict[str, int]:
    return {q["service"]: q["agents_staffed"] for q in center.snapshot()["queues"]}


def _services_of(center: Stack, agent_id: str) -> list[str]:
    agents = center.snapshot()["agents"]
    return next(a["services"] for a in agents if a["id"] == agent_id)


def test_the_panel_chooses_the_services_at_login_and_changes_them(center: Stack, anna: str) -> None:
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
    state = "document.getElementById('state').dataset.state"
    box = "document.querySelector('#services input[value={}]')"
    urp, giovani = box.format("urp"), box.format("informagiovani")

    async def scenario() -> None:
        async with open_page(center.web + "/login") as page:
            await sign_in(page, anna, PASSWORD)
            assert await page.wait_for(f"{state} === 'logged_out'")
            labels = await page.evaluate(
                "[...document.querySelectorAll('#services label')].map(l => l.textContent.trim())"
            )
            assert labels == ["URP", "Informagiovani"]  # the configuration's names
            await page.evaluate(f"{giovani}.click(); true")  # URP only
            await _click(page, "button[data-action=login]")
            assert await page.wait_for(f"{state} === 'paused'")
            assert await asyncio.to_thread(_services_of, center, "agent3") == ["urp"]
            assert await page.evaluate(f"[{urp}.checked, {giovani}.checked]") == [True, False]
            assert await accessibility_violations(page) == []
            await page.screenshot(shots / "centralino-agent-services.png")
            await page.evaluate(f"{giovani}.click(); true")  # while logged in: asked at once
            saved = "document.getElementById('services-result').textContent"
            assert await page.wait_for(f"{saved} === 'Servizi aggiornati.'")
            assert await asyncio.to_thread(_services_of, center, "agent3") == [
                "urp", "informagiovani",
            ]  # fmt: skip
            await page.evaluate(f"{urp}.click(); true")
            await asyncio.to_thread(
                eventually, lambda: _services_of(center, "agent3") == ["informagiovani"], 10,
                "Informagiovani alone",
            )  # fmt: skip
            await page.evaluate(f"{giovani}.click(); true")  # none left: the engine refuses
            error = "document.getElementById('error').textContent"
            refused = "Scegli almeno un servizio, oppure scollegati."
            assert await page.wait_for(f"{error} === {refused!r}")
            assert await page.wait_for(f"{giovani}.checked && !{urp}.checked")  # as it holds
            assert await asyncio.to_thread(_services_of, center, "agent3") == ["informagiovani"]
            assert await accessibility_violations(page) == []
            await _click(page, "button[data-action=logout]")
            assert await page.wait_for(f"{state} === 'logged_out'")
            assert await asyncio.to_thread(_services_of, center, "agent3") == [
                "urp", "informagiovani",
            ]  # the choice ends with the login  # fmt: skip

    asyncio.run(scenario())
