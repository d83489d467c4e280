"""The wallboard on the real stack: a real caller (sipp) queues in Informagiovani and a real
agent's phone answers; the wallboard in Chromium shows the caller waiting, taken and
counted, each within 1 s of the engine's own time for it (a MutationObserver in the page
notes when each cell changed; the contact row says when each thing happened). axe-core
finds nothing in normal and TV mode; TV mode is entered and left with the keyboard."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.browser import Page, accessibility_violations, open_page, press, sign_in
from tests.e2e.stack import SUPERVISOR, Stack, eventually

pytestmark = [pytest.mark.stack, pytest.mark.browser]
SHOTS = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
SERVICE = "informagiovani"  # menu option 2
WITHIN_MS = 1000
# Every change of a figure's cell, with the browser's clock (ms since the epoch).
OBSERVE = """
window.seen = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    const cell = change.target.closest ? change.target.closest('td') : null;
    if (!cell || !cell.dataset.key) continue;
    window.seen.push({service: cell.closest('tr').dataset.service, cell: cell.classList[1],
                      key: cell.dataset.key, at: Date.now()});
  }
}).observe(document.querySelector('#services tbody'),
           {subtree: true, attributes: true, attributeFilter: ['data-key']});
true
"""


def cell(name: str) -> str:
    return f"document.querySelector('tr[data-service={SERVICE}] td.{name} .value')?.textContent"


def first_seen(seen: list[dict[str, Any]], name: str, value: str, after: float = 0) -> float:
    """When (seconds since the epoch) the cell first showed ``value``."""
    at = [s["at"] for s in seen if s["service"] == SERVICE and s["cell"] == name
          and s["key"].split("|")[0] == value and s["at"] >= after]  # fmt: skip
    assert at, f"{name} never showed {value!r}: {seen}"
    return float(at[0]) / 1000


def late_ms(shown: float, happened: datetime) -> float:
    return (shown - happened.timestamp()) * 1000


def test_a_real_call_reaches_the_wallboard_within_a_second(center: Stack) -> None:
    agent = center.cfg.agent("agent1")
    assert agent is not None
    assert agent.contact is not None
    phone = SippAgent("agent1", int(agent.contact.rsplit(":", 1)[1]), Answer(0.5, talk_seconds=3))
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "2")],
                        caller="3330000091")  # fmt: skip

    async def scenario() -> list[dict[str, Any]]:
        async with open_page(center.web + "/login?next=/wallboard") as page:
            await sign_in(page, *SUPERVISOR)
            await page.wait_for(f"{cell('answered')} !== undefined")
            assert await page.evaluate("document.documentElement.lang") == "it"
            services = len(center.cfg.services)  # the advice of the next two hours, each
            await page.wait_for(f"document.querySelectorAll('#advice tbody tr').length === "
                                f"{services}", 10)  # fmt: skip
            status = await page.evaluate("document.getElementById('advice-status').textContent")
            assert status.startswith("Consiglio calcolato alle"), status
            quarters = await page.evaluate("document.querySelectorAll('#advice thead th').length")
            assert quarters >= 2 + 8  # service, now, and at least eight quarter hours
            names = "[...document.querySelectorAll('#advice tbody th')].map(th => th.textContent)"
            assert await page.evaluate(names) == [s.name for s in center.cfg.services.values()]
            answered = int(await page.evaluate(cell("answered")))
            await page.evaluate(OBSERVE)
            with phone:
                caller.start()
                await page.wait_for(f"{cell('waiting')} === '1'", 20)
                await page.wait_for(f"{cell('longest')} >= '0:02'", 5)  # it ticks
                assert await accessibility_violations(page) == []
                await page.screenshot(SHOTS / "centralino-wallboard-waiting.png")
                await asyncio.to_thread(center.ready, "agent1")
                await page.wait_for(f"{cell('answered')} === '{answered + 1}'", 30)
            await page.screenshot(SHOTS / "centralino-wallboard.png")
            seen = list(await page.evaluate("window.seen"))
            await tv_mode_with_the_keyboard(page)
            return seen

    try:
        seen = asyncio.run(scenario())
    finally:
        result = caller.wait(40)
    assert result.ok, result.errors
    row = eventually(lambda: center.contact("3330000091"), 15, "the contact row")
    assert row["outcome"] == "answered"
    queued = first_seen(seen, "waiting", "1")
    taken = first_seen(seen, "waiting", "0", after=queued * 1000)
    counted = first_seen(seen, "offered", str(row_offered(seen)))
    delays = {"queued": late_ms(queued, row["entered_queue_at"]),
              "answered": late_ms(taken, row["answered_at"]),
              "counted": late_ms(counted, row["ended_at"])}  # fmt: skip
    print("\nfrom the engine's time to the wallboard:",
          ", ".join(f"{k} {v:.0f} ms" for k, v in delays.items()))  # fmt: skip
    assert all(0 <= v < WITHIN_MS for v in delays.values()), delays


def row_offered(seen: list[dict[str, Any]]) -> int:
    """The offered count the call made: the highest the cell showed."""
    return max(int(s["key"].split("|")[0]) for s in seen
               if s["service"] == SERVICE and s["cell"] == "offered")  # fmt: skip


async def tv_mode_with_the_keyboard(page: Page) -> None:
    """The TV link with Enter, axe-clean, a screenshot, Esc back; then ?tv=1 left by the
    link that the first Tab shows."""
    await page.evaluate("document.getElementById('to-tv').focus(); true")
    await press(page, "Enter")
    await page.wait_for("document.body.classList.contains('tv')")
    assert await page.evaluate("location.search.includes('tv=1')")
    assert await page.evaluate("getComputedStyle(document.querySelector('.controls')).display") == (
        "none"
    )
    assert await page.evaluate("document.querySelectorAll('#agent-tiles li').length") == 5
    assert await accessibility_violations(page) == []
    await page.call("Emulation.setDeviceMetricsOverride", width=1920, height=1080,
                    deviceScaleFactor=1, mobile=False)  # fmt: skip
    await page.screenshot(SHOTS / "centralino-wallboard-tv.png")
    await press(page, "Escape")
    await page.wait_for("!document.body.classList.contains('tv')")
    assert await page.evaluate("document.activeElement.id") == "to-tv"
    await page.call("Page.navigate", url=await page.evaluate("location.origin") + "/wallboard?tv=1")
    await page.wait_for("document.body.dataset.updated !== undefined")
    assert await page.evaluate("document.body.classList.contains('tv')")
    await press(page, "Tab")
    assert await page.evaluate("document.activeElement.id") == "leave-tv"
    assert await page.evaluate("document.activeElement.getBoundingClientRect().left >= 0")
    assert await accessibility_violations(page) == []
    await press(page, "Enter")
    await page.wait_for("!document.body.classList.contains('tv')")
    await page.call("Emulation.clearDeviceMetricsOverride")
