"""The ``/reports`` page on the real engine, in Chromium: the hand-built history of
``tests/reports_fixture.py`` written to the engine's PostgreSQL, shown as the fixture's
figures (worked out by hand there and in tests/integration/store/test_reports.py), in
Italian and English, axe-clean, driven with the keyboard; and its CSV download."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import SUPERVISOR, Stack
from tests.reports_fixture import CENTER as CENTER
from tests.reports_fixture import load

pytestmark = pytest.mark.stack
SHOTS = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
URP_DAY = "/reports?kind=services&from=2025-10-24&to=2025-10-24&interval=hour&service=urp"
CALLBACKS_DAY = "/reports?kind=callbacks&from=2025-10-28&to=2025-10-28&interval=day&service="


@pytest.fixture(scope="module")
def history(stack: Stack) -> Stack:
    asyncio.run(load(stack.dsn))
    return stack


async def cells(page: Page, row: str) -> dict[str, str]:
    """The cells of the row ``row`` (a CSS selector), by their class."""
    found = await page.evaluate(
        f"Object.fromEntries([...document.querySelectorAll({row!r} + ' td')]"
        ".map(td => [td.className, td.textContent.trim()]))"
    )
    return dict(found)


async def show(page: Page, url: str) -> None:
    await page.evaluate(f"location.href = {url!r}; true")
    await page.wait_for(f"location.href === {url!r} && document.readyState === 'complete'")


async def press_enter_in(page: Page, selector: str) -> None:
    """Focus ``selector`` and press Enter, as a keyboard user does."""
    await page.evaluate(f"document.querySelector({selector!r}).focus(); true")
    key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    await page.call("Input.dispatchKeyEvent", type="keyDown", text="\r", **key)
    await page.call("Input.dispatchKeyEvent", type="keyUp", **key)


@pytest.mark.browser
def test_the_reports_page_shows_the_historys_figures_and_is_accessible(history: Stack) -> None:
    async def scenario() -> None:
        async with open_page(history.web + "/login?next=" + URP_DAY.replace("&", "%26")) as page:
            await sign_in(page, *SUPERVISOR)
            await page.wait_for("document.querySelector('#table-urp') !== null")
            assert await page.evaluate("document.documentElement.lang") == "it"
            nine = await cells(page, "#table-urp tr[data-interval='2025-10-24 09:00']")
            assert nine == {"offered": "8", "answered": "3", "within": "2", "abandoned": "3",
                            "short": "1", "overflowed": "1", "voicemail": "1",
                            "level": "40,0 %", "asa": "18,5 s", "aht": "173,3 s",
                            "longest": "600,0 s"}  # fmt: skip
            total = await cells(page, "#table-urp tr[data-interval='total']")
            assert (total["offered"], total["level"], total["aht"]) == ("9", "50,0 %", "205,0 s")
            shown = "[...document.querySelectorAll('#table-urp tbody tr')]"
            intervals = await page.evaluate(shown + ".map(row => row.dataset.interval)")
            assert intervals == ["2025-10-24 09:00", "2025-10-24 11:00"]  # those with calls
            assert await page.evaluate("document.querySelectorAll('figure.chart svg').length") == 2
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-reports.png")

            # The form with the keyboard: the day the clocks go back, Enter in a field.
            for field in ("from", "to"):
                await page.evaluate(f"document.getElementById('{field}').value = '2025-10-26'")
            await press_enter_in(page, "#to")
            await page.wait_for("location.search.includes('from=2025-10-26')"
                                " && document.querySelector('#table-urp') !== null")  # fmt: skip
            summer = await cells(page, "#table-urp tr[data-interval='2025-10-26 02:00 +02:00']")
            winter = await cells(page, "#table-urp tr[data-interval='2025-10-26 02:00 +01:00']")
            assert (summer["offered"], summer["level"]) == ("1", "100,0 %")
            assert (winter["offered"], winter["abandoned"], winter["level"]) == ("2", "1", "0,0 %")
            csv_link = "document.getElementById('csv').getAttribute('href')"
            assert "from=2025-10-26" in await page.evaluate(csv_link)

            # A range the wrong way round: said on the page, over the form kept as it was.
            await page.evaluate("document.getElementById('from').value = '2025-10-27'; true")
            await press_enter_in(page, "#from")
            error = "document.getElementById('report-error')?.textContent"
            assert "viene dopo quello finale" in await page.wait_for(error)
            assert await page.evaluate("document.getElementById('from').value") == "2025-10-27"
            assert await accessibility_violations(page) == []

            web = history.web
            await show(
                page, web + "/reports?kind=agents&from=2025-10-24&to=2025-10-25&interval=day"
            )
            agent1 = "#table-agents tr[data-agent=agent1]"
            one = await cells(page, agent1 + "[data-interval='2025-10-24']")
            assert (one["logged-in"], one["ready"]) == ("4:05:00", "3:24:25")
            assert one["paused"] == "0:35:30"
            assert (one["talking"], one["calls"], one["aht"]) == ("0:04:40", "2", "145,0 s")
            assert one["reasons"] == "break 0:30:00, login 0:05:30"
            after = await cells(page, agent1 + "[data-interval='2025-10-25']")  # the break goes on
            assert (after["logged-in"], after["paused"]) == ("0:45:00", "0:30:00")
            assert await accessibility_violations(page) == []

            await show(page, web + "/reports?kind=ivr&from=2025-10-24&to=2025-10-24&lang=en")
            assert await page.evaluate("document.documentElement.lang") == "en"
            summary = "document.getElementById('ivr-self-service').textContent.trim()"
            assert await page.evaluate(summary) == "2 (33.3 %)"
            menu = await page.evaluate(
                "[...document.querySelectorAll('#table-exits tr')]"
                ".find(row => row.dataset.exit === 'main/menu/ivr-hangup')"
                ".querySelector('.count').textContent"
            )
            assert menu == "2"  # two callers hung up in the main menu
            assert await accessibility_violations(page) == []

            # Callbacks (the history's 28th: tests/integration/store/test_callback_reports.py)
            await show(page, web + CALLBACKS_DAY)
            assert await page.evaluate("document.documentElement.lang") == "it"
            urp = await cells(page, "#callbacks tr[data-service=urp]")
            assert urp == {"requested": "8", "on-the-line": "4", "kept-share": "66,7 %",
                           "completed": "4", "failed": "2", "cancelled": "1",
                           "pending": "1"}  # fmt: skip
            every = await cells(page, "#callbacks tfoot tr[data-service=all]")
            assert (every["requested"], every["failed"]) == ("10", "3")
            failed = await cells(page, "#callbacks-failed tr[data-service=urp]")
            assert (failed["callback-message"], failed["callback-refused"]) == ("1", "1")
            calls = await cells(page, "#callbacks-calls tr[data-service=urp]")
            assert (calls["calls"], calls["per-completed"], calls["busy"]) == ("12", "1,50", "3")
            times = await cells(page, "#callbacks-times tr[data-service=urp]")
            assert times == {"completed": "4", "mean": "0:21:09", "p50": "0:17:15",
                             "p90": "0:42:20"}  # fmt: skip
            assert "kind=callbacks" in await page.evaluate(csv_link)
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-reports-callbacks.png")
            await show(page, web + CALLBACKS_DAY + "&lang=en")
            calls = await cells(page, "#callbacks-calls tr[data-service=urp]")
            assert calls["per-completed"] == "1.50"
            heads = await page.evaluate("[...document.querySelectorAll('#callbacks-failed th')]"
                                        ".map(th => th.textContent)")  # fmt: skip
            assert "Message left" in heads
            assert await accessibility_violations(page) == []

            await show(page, web + URP_DAY + "&lang=en")
            nine = await cells(page, "#table-urp tr[data-interval='2025-10-24 09:00']")
            assert (nine["level"], nine["aht"]) == ("40.0 %", "173.3 s")
            assert await accessibility_violations(page) == []

    asyncio.run(scenario())


def test_the_csv_download_is_the_report_for_an_italian_spreadsheet(history: Stack) -> None:
    path = URP_DAY.replace("/reports?", "/reports/export.csv?")
    supervisor = history.supervisor
    supervisor.login()
    with supervisor.opener.open(history.web + path, timeout=15) as resp:
        assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
        name = "centralino-services-2025-10-24-2025-10-24-hour.csv"
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        body = resp.read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = body.decode("utf-8-sig").split("\r\n")
    assert rows[10].startswith(
        "urp;URP;2025-10-24 09:00;UTC+02:00;8;3;2;3;1;1;1;0;40,0;18,5;173,3;"
    )
    status, body = supervisor.raw("GET", path.replace("to=2025-10-24", "to=2025-10-01"))
    assert status == 400
    assert body.startswith(b"bad-request: from 2025-10-24 is after to 2025-10-01")
    callbacks = CALLBACKS_DAY.replace("/reports?", "/reports/export.csv?")
    with supervisor.opener.open(history.web + callbacks, timeout=15) as resp:
        name = "centralino-callbacks-2025-10-28-2025-10-28.csv"
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        rows = resp.read().decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("Servizio;Nome servizio;Posto mantenuto;")
    assert rows[1].startswith("urp;URP;8;4;66,7;4;2;0;1;1;1;1;12;")
    assert rows[3].startswith("Tutti i servizi;;10;5;66,7;5;3;")


STAFFING_DAY = "/reports?kind=staffing&from=2025-10-24&to=2025-10-24&interval=hour&service=urp"


@pytest.mark.browser
def test_the_staffing_advice_is_shown_beside_what_happened_and_is_accessible(
    history: Stack,
) -> None:
    async def scenario() -> None:
        login = history.web + "/login?next=" + STAFFING_DAY.replace("&", "%26")
        async with open_page(login) as page:
            await sign_in(page, *SUPERVISOR)
            await page.wait_for("document.querySelector('#staffing-urp') !== null")
            nine = await cells(page, "#staffing-urp tr[data-interval='2025-10-24 09:00']")
            # No Friday before the 24th in the history: no forecast. agent1 logged in all the
            # hour, agent2 from 09:05: (3600 + 3300) / 3600 = 1.9 agents staffed.
            assert nine == {"forecast": "–", "forecast-aht": "–", "weeks": "0", "advised": "–",
                            "staffed": "1,9", "offered": "8", "level": "40,0 %",
                            "target": "80,0 %"}  # fmt: skip
            assert await accessibility_violations(page) == []
            await show(page, history.web + STAFFING_DAY + "&lang=en")
            nine = await cells(page, "#staffing-urp tr[data-interval='2025-10-24 09:00']")
            assert (nine["staffed"], nine["level"]) == ("1.9", "40.0 %")
            assert await accessibility_violations(page) == []

    asyncio.run(scenario())


def test_the_staffing_api_gives_the_next_two_hours_by_quarter_hour(history: Stack) -> None:
    supervisor = history.supervisor
    status, body = supervisor.call("GET", "/api/staffing?service=urp&hours=2")
    assert status == 200
    (urp,) = body["services"]
    assert (body["interval"], urp["service"], urp["target"], urp["seconds"]) == (
        "15min", "urp", 0.8, 20)  # fmt: skip
    assert len(urp["intervals"]) in (8, 9)  # 9 unless now is exactly on a quarter
    assert all(row["staffed"] is None for row in urp["intervals"][1:])  # not begun
    status, body = supervisor.call("GET", "/api/staffing?hours=25")
    assert (status, body["error"]) == (400, "bad-request")
    assert "hours: '25' is not a whole number from 1 to 24" in body["message"]
