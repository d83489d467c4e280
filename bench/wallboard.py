"""What the wallboard costs in a big, busy center: the server's part per push, and the
browser's render.

    python bench/wallboard.py --agents 500 --services 50 [--rounds 50] [--browser] [--json]

Builds the generated center of ``demo.big_center`` (a morning played through the real core
and meter, then busy). Then times, ``--rounds`` times each, what one push costs on the
engine's event loop: ``Engine.view()``, the wallboard's feed from it (figures, levels, the
charts' slots), and ``json.dumps`` of the feed (built once per push for every screen), and
prints p50 and max in milliseconds with the message's size.

With ``--browser`` it also serves the real web application for the center in-process and
opens ``/wallboard`` in Chromium (tests/e2e/browser.py): the first render (every row, tile
and chart made) and the updates after single changes (an agent on a call asks for a pause), in
normal and in TV mode, as the page measures them itself (``window.wallboardTimings``:
``performance.now()`` around its render).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.core import events as e
from acd.web.wallboard import Wallboard
from demo.big_center import SESSION, BigCenter, big_center, wallboard_server


def server_side(center: BigCenter, rounds: int) -> dict[str, Any]:
    board = Wallboard.of(center.cfg, center.meter)
    times: dict[str, list[float]] = {"view": [], "feed": [], "json": []}
    size = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        view = center.engine.view()
        t1 = time.perf_counter()
        feed = board.feed(view, center.now)
        t2 = time.perf_counter()
        text = json.dumps(feed)
        t3 = time.perf_counter()
        size = len(text)
        for key, took in (("view", t1 - t0), ("feed", t2 - t1), ("json", t3 - t2)):
            times[key].append(took * 1000)
    totals = [sum(parts) for parts in zip(*times.values(), strict=True)]
    out: dict[str, Any] = {k: _summary(v) for k, v in times.items()}
    out["push_total"] = _summary(totals)
    out["message_kb"] = round(size / 1024, 1)
    return out


async def browser_side(center: BigCenter, changes: int = 10) -> dict[str, Any]:
    from tests.e2e.browser import open_page

    out: dict[str, Any] = {}
    async with wallboard_server(center) as (base, runtime):
        for mode, query in (("normal", ""), ("tv", "?tv=1")):
            async with open_page(base + "/healthz") as page:
                await page.call("Network.setCookie", name="centralino", value=SESSION, url=base)
                await page.call("Page.navigate", url=f"{base}/wallboard{query}")
                await page.wait_for("window.wallboardTimings && wallboardTimings.length > 0", 30)
                first = await page.evaluate("wallboardTimings[0]")
                talking = [a.agent_id for a in center.engine.view().agents
                           if a.state.value == "on_call" and a.pending_pause is None]  # fmt: skip
                for agent in talking[:changes]:  # a pause asked during a call: one change
                    before = await page.evaluate("wallboardTimings.length")
                    runtime.submit(e.AgentPaused(agent, "break"))
                    await page.wait_for(f"wallboardTimings.length > {before}", 10)
                updates = await page.evaluate("wallboardTimings.slice(1)")
                out[mode] = {"first_render_ms": round(first, 1), "update_ms": _summary(updates)}
    return out


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 2), "max": round(max(values), 2),
            "n": len(values)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--waiting", type=int, default=150, help="callers queued at the end")
    parser.add_argument("--hours", type=float, default=3.0, help="of traffic before")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--browser", action="store_true", help="also time the render in Chromium")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    center = big_center(args.agents, args.services, args.hours, args.waiting)
    result: dict[str, Any] = {
        "agents": args.agents, "services": args.services,
        "calls_waiting": sum(len(q.calls) for q in center.engine.view().queues),
        "center_built_seconds": round(time.perf_counter() - started, 1),
        "server": server_side(center, args.rounds),
    }  # fmt: skip
    if args.browser:
        result["browser"] = asyncio.run(browser_side(center))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.agents} agents, {args.services} services, {result['calls_waiting']} waiting "
          f"(center built in {result['center_built_seconds']} s)")  # fmt: skip
    server = result["server"]
    for key in ("view", "feed", "json", "push_total"):
        p50, most = server[key]["p50"], server[key]["max"]
        print(f"  server {key:<10} p50 {p50:7.2f} ms   max {most:7.2f} ms")
    print(f"  message    {server['message_kb']} KB")
    for mode, figures in result.get("browser", {}).items():
        update = figures["update_ms"]
        print(f"  browser {mode:<6} first render {figures['first_render_ms']} ms, "
              f"update p50 {update['p50']} ms, max {update['max']} ms")  # fmt: skip


if __name__ == "__main__":
    main()
