"""Drive Debian's Chromium over the DevTools protocol (aiohttp websocket, no extra deps)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--window-size=1280,900",
]  # fmt: skip


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        await self.ws.send_json({"id": msg_id, "method": method, "params": params})
        async for msg in self.ws:
            data = json.loads(msg.data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data["result"]  # type: ignore[no-any-return]
        raise RuntimeError("browser closed the connection")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                                 awaitPromise=True)  # fmt: skip
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting in the browser for: {expression}")

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def open_page(url: str, flags: tuple[str, ...] = ()) -> AsyncIterator[Page]:
    """Chromium on ``url``; ``flags``: more command-line switches (e.g. a trusted key)."""
    binary = chromium()
    assert binary, "chromium is not installed (scripts/setup.sh installs it)"
    # Chromium's helper processes may still write to the profile while it is removed.
    with tempfile.TemporaryDirectory(
        prefix="centralino-chromium-", ignore_cleanup_errors=True
    ) as profile:
        proc = await asyncio.create_subprocess_exec(
            binary, *FLAGS, *flags, f"--user-data-dir={profile}", "about:blank",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            port = await _devtools_port(Path(profile))
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                    targets = await resp.json()
                page_ws = next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]
                async with http.ws_connect(page_ws, max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.call("Page.enable")
                    await page.call("Page.navigate", url=url)
                    yield page
        finally:
            with contextlib.suppress(ProcessLookupError):  # it may have exited already
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _devtools_port(profile: Path, timeout: float = 20) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        await asyncio.sleep(0.1)
    raise AssertionError("chromium did not open its DevTools port")


async def sign_in(page: Page, user: str, password: str, timeout: float = 15) -> None:
    """Fill in and send the login form the page shows; wait until it has moved on (each
    step within ``timeout`` seconds: more where other runs load the machine)."""
    await page.wait_for("document.getElementById('password') !== null", timeout)
    await page.evaluate(
        f"document.getElementById('user').value = {json.dumps(user)};"
        f"document.getElementById('password').value = {json.dumps(password)};"
        "document.querySelector('form[action=\"/login\"]').submit(); true"
    )
    await page.wait_for(
        "location.pathname !== '/login' && document.readyState === 'complete'", timeout
    )


def axe_script() -> str:
    """axe-core as scripts/setup.sh installs it from npm into the cache."""
    cache = Path(os.environ.get("CENTRALINO_CACHE", "/var/cache/centralino"))
    path = cache / "web-tools" / "node_modules" / "axe-core" / "axe.min.js"
    assert path.exists(), f"{path} missing: scripts/setup.sh installs web-tools from npm"
    return path.read_text()


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now, one line each."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(axe_script() + "; true")
    found = await page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.help + ' ' +"
        " v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    return list(found)


KEYS = {"Enter": ("\r", 13), "Tab": ("", 9), "Escape": ("", 27), "ArrowDown": ("", 40)}


async def press(page: Page, key: str) -> None:
    """Press ``key`` (Enter, Tab, Escape, ArrowDown) on whatever has the focus, as a keyboard
    user."""
    text, code = KEYS[key]
    event = {"key": key, "code": key, "windowsVirtualKeyCode": code}
    await page.call("Input.dispatchKeyEvent", type="keyDown", text=text, **event)
    await page.call("Input.dispatchKeyEvent", type="keyUp", **event)


async def type_text(page: Page, text: str) -> None:
    """Type ``text`` into whatever has the focus, as a keyboard user (IME-style insertion:
    the field's input events fire as for typed text)."""
    await page.call("Input.insertText", text=text)
