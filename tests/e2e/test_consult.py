"""Consult transfer on the real stack: sipp citizen and agents, Asterisk 22, the engine,
PostgreSQL. The agent consults a colleague while the citizen hears music, then completes
(the citizen talks with the colleague, one contact) or goes back; the colleague hanging up,
or the agent hanging up its phone, leaves nobody lost. Asterisk's own channel list says
which legs share a bridge at each step."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from demo.sipp import Answer
from tests.e2e.browser import accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_call_controls import (
    PASSWORD,
    agent,
    citizen,
    contact,
    control,
    leg,
    phone,
    press_enter_on,
    talking,
)

pytestmark = pytest.mark.stack


def consulting(center: Stack, agent_id: str, colleague: str) -> dict[str, str]:
    """Wait until the two agents' legs share a bridge while the citizen hears music."""

    def joined() -> dict[str, str] | None:
        caller = leg(center, "PJSIP/citizens")
        mine, theirs = leg(center, f"PJSIP/{agent_id}-"), leg(center, f"PJSIP/{colleague}-")
        if caller is None or mine is None or theirs is None:
            return None
        on_music = (caller["context"], caller["application"], caller["bridge"]) == (
            "centralino-hold", "MusicOnHold", "",
        )  # fmt: skip
        return (
            caller if on_music and mine["bridge"] and mine["bridge"] == theirs["bridge"] else None
        )

    return eventually(joined, 20, f"{agent_id} consulting {colleague}, the citizen on hold")


def consult(center: Stack, agent_id: str, colleague: str) -> Any:
    status, answer = control(center, agent_id, "consult", {"agent": colleague})
    assert status == 200, answer
    assert answer["agent"]["consult"]["colleague"] == colleague
    return answer


def test_a_consultation_completed_hands_the_citizen_to_the_colleague(center: Stack) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5)) as first,
        phone("agent3", Answer(ring_seconds=1, talk_seconds=12)),
    ):
        center.ready("agent1")
        with citizen(center, "3330002001") as caller:
            talking(center, "agent1")
            center.ready("agent3")
            consult(center, "agent1", "agent3")
            consulting(center, "agent1", "agent3")
            seen = agent(center, "agent3")
            assert (seen["state"], seen["consult"]["agent"]) == ("on_call", "agent1")
            status, answer = control(center, "agent1", "complete")
            assert (status, answer["call"]) == (200, None), answer  # its part is over
            talking(center, "agent3")  # the citizen and agent3 in one bridge
            eventually(lambda: leg(center, "PJSIP/agent1-") is None, 10, "agent1's leg gone")
            result = caller.wait(30)  # agent3 hangs up 12 s after it answered
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330002001"), 15, "one contact row")
        assert (row["outcome"], row["agent_id"], list(row["service_path"])) == (
            "answered", "agent3", ["urp"],
        )  # fmt: skip
        assert first.stop().failed == 0  # agent1's phone got its BYE
    for agent_id, disposition in (("agent1", "altro"), ("agent3", "pratica avviata")):
        status, answer = center.api(
            "POST",
            f"/api/agents/{agent_id}/disposition",
            {"call_id": row["contact_id"], "disposition": disposition, "notes": agent_id},
        )
        assert status == 200, answer  # each agent records its own part of the call
    handled = center.query(
        "select agent_id, disposition, notes from contact_handlings"
        " where contact_id = $1 order by answered_at",
        row["contact_id"],
    )
    assert [tuple(h) for h in handled] == [
        ("agent1", "altro", "agent1"),
        ("agent3", "pratica avviata", "agent3"),
    ]


def test_going_back_to_the_citizen_ends_the_consultation(center: Stack) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5)),
        phone("agent3", Answer(ring_seconds=1)) as colleague,
    ):
        center.ready("agent1")
        with citizen(center, "3330002002") as caller:
            talking(center, "agent1")
            center.ready("agent3")
            consult(center, "agent1", "agent3")
            consulting(center, "agent1", "agent3")
            status, answer = control(center, "agent1", "resume")
            assert (status, answer["agent"]["consult"], answer["call"]["held"]) == (
                200, None, False,
            ), answer  # fmt: skip
            talking(center, "agent1")
            eventually(lambda: leg(center, "PJSIP/agent3-") is None, 10, "agent3's leg gone")
            assert eventually(lambda: agent(center, "agent3")["state"] == "ready", 10, "ready")
            assert control(center, "agent1", "hangup")[0] == 200
            result = caller.wait(20)
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330002002"), 15, "the contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
        assert colleague.stop().failed == 0


def test_the_colleague_hanging_up_leaves_the_citizen_on_hold_with_the_agent(
    center: Stack,
) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5)),
        phone("agent3", Answer(ring_seconds=1, talk_seconds=2)),
    ):
        center.ready("agent1")
        with citizen(center, "3330002003") as caller:
            talking(center, "agent1")
            center.ready("agent3")
            consult(center, "agent1", "agent3")
            ended = eventually(
                lambda: agent(center, "agent1")["consult_ended"], 20, "the consultation ended"
            )
            assert ended == "colleague-left"
            mine = leg(center, "PJSIP/agent1-")  # its leg waits again: it did not hang up
            assert mine is not None
            assert (mine["context"], mine["application"]) == ("centralino-hold", "Wait")
            status, answer = control(center, "agent1", "resume")
            assert status == 200, answer
            talking(center, "agent1")
            assert control(center, "agent1", "hangup")[0] == 200
            assert caller.wait(20).ok
        row = eventually(lambda: contact(center, "3330002003"), 15, "the contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")


def test_the_agent_hanging_up_its_phone_completes_the_transfer(center: Stack) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5, talk_seconds=7)),
        phone("agent3", Answer(ring_seconds=1, talk_seconds=15)),
    ):
        center.ready("agent1")
        with citizen(center, "3330002004") as caller:
            talking(center, "agent1")
            center.ready("agent3")
            consult(center, "agent1", "agent3")
            consulting(center, "agent1", "agent3")
            eventually(lambda: leg(center, "PJSIP/agent1-") is None, 15, "agent1 hung up")
            talking(center, "agent3")
            assert agent(center, "agent3")["consult"] is None
            result = caller.wait(30)
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330002004"), 15, "one contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent3")


def test_consultations_are_refused_with_their_reason(center: Stack) -> None:
    with phone("agent1", Answer(ring_seconds=0.5)):
        center.ready("agent1")
        status, answer = control(center, "agent1", "consult", {"agent": "agent3"})
        assert (status, answer["error"]) == (409, "no-call"), answer
        with citizen(center, "3330002005"):
            talking(center, "agent1")
            for body, code in (({}, "bad-consult"), ({"agent": "nobody"}, "unknown-agent"),
                               ({"agent": "agent1"}, "same-agent")):  # fmt: skip
                status, answer = control(center, "agent1", "consult", body)
                assert (status, answer["error"]) == (400, code), answer
            status, answer = control(center, "agent1", "consult", {"agent": "agent3"})
            assert (status, answer["error"]) == (409, "agent-not-ready"), answer
            status, answer = control(center, "agent1", "complete")
            assert (status, answer["error"]) == (409, "no-consultation"), answer
            assert agent(center, "agent1")["call_held"] is False  # nothing changed
            assert control(center, "agent1", "hangup")[0] == 200


@pytest.mark.browser
def test_the_panel_consults_and_completes_with_the_keyboard(center: Stack) -> None:
    """Both agents' panels in Chromium: the one consulting, and the colleague consulted."""
    center.add_account("dario", "agent", PASSWORD, agent="agent5")
    center.add_account("quarto", "agent", PASSWORD, agent="agent4")
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
    status = "document.getElementById('call-status').textContent"

    async def scenario() -> None:
        async with (
            open_page(center.web + "/login") as page,
            open_page(center.web + "/login") as colleague,
        ):
            await sign_in(page, "dario", PASSWORD)
            await sign_in(colleague, "quarto", PASSWORD)
            assert await page.wait_for(f"{status} === 'In linea con il chiamante.'", 30)
            await page.wait_for("[...document.getElementById('transfer-agent-to').options]"
                                ".some(o => o.value === 'agent4')")  # fmt: skip
            await page.evaluate("document.getElementById('transfer-agent-to').value = 'agent4';"
                                " true")  # fmt: skip
            await press_enter_on(page, "#consult")
            assert await page.wait_for(f"({status}).includes('sei in linea con Agente Quattro')")
            assert await colleague.wait_for(
                f"({status}).startsWith('Agente Cinque ti consulta')", 10
            )
            assert await colleague.evaluate(
                "document.querySelector('[data-control=hangup]').textContent"
            ) == "Chiudi la consultazione"  # fmt: skip
            assert await page.evaluate(  # nothing else to do while consulting
                "[...document.querySelectorAll('#call-controls .transfer')]"
                ".every(form => form.offsetParent === null)"
            )
            for each in (page, colleague):
                assert await accessibility_violations(each) == []
            await page.screenshot(shots / "centralino-agent-consult.png")
            await colleague.screenshot(shots / "centralino-agent-consulted.png")
            await press_enter_on(page, "[data-control=complete]")
            assert await page.wait_for("document.getElementById('call-controls').hidden", 10)
            assert await colleague.wait_for(f"{status} === 'In linea con il chiamante.'", 10)

    with (
        phone("agent5", Answer(ring_seconds=0.5)),
        phone("agent4", Answer(ring_seconds=0.5, talk_seconds=20)),
    ):
        center.ready("agent5")
        with citizen(center, "3330002006") as caller:
            talking(center, "agent5")
            center.ready("agent4")
            asyncio.run(scenario())
            talking(center, "agent4")
            assert control(center, "agent4", "hangup")[0] == 200
            assert caller.wait(20).ok
        row = eventually(lambda: contact(center, "3330002006"), 15, "one contact row")
        assert (row["agent_id"], row["outcome"]) == ("agent4", "answered")
