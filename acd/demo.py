"""``centralino demo``: the whole center on embedded defaults with simulated people.

Simulated agents are sipp phones (one UAS per agent, answering after a few seconds of ring
and hanging up after a talk time); simulated citizens are sipp callers, one per menu key,
calling at the configured rate. Everything started here is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

from acd.acts import load_sample_acts
from acd.bootstrap import Center
from acd.config.model import CenterConfig
from acd.core.events import AgentWentReady
from acd.engine_main import running_center
from acd.ivr_ports import FAKE_NOW_ENV
from acd.sipp import Answer, SippAgent, SippCaller
from acd.web.snapshot import snapshot
from ivr.model import MenuNode

FIRST_AGENT_PORT = 27001
PATIENT_SECONDS = 90  # a caller of the patient kind gives up after this long


def with_simulated_phones(cfg: CenterConfig) -> CenterConfig:
    """Point every agent without a fixed phone at a simulated one on loopback."""
    agents = tuple(
        a
        if a.contact
        else a.model_copy(update={"contact": f"sip:{a.id}@127.0.0.1:{FIRST_AGENT_PORT + i}"})
        for i, a in enumerate(cfg.agents)
    )
    return cfg.model_copy(update={"agents": agents})


def menu_keys(cfg: CenterConfig) -> list[str]:
    tree = cfg.ivr[cfg.numbers[0].ivr]
    menus = [n for n in tree.nodes.values() if isinstance(n, MenuNode)]
    return sorted(menus[0].options) if menus else ["1"]


def agent_phones(cfg: CenterConfig, talk: float, rng: random.Random) -> Iterator[SippAgent]:
    for agent in cfg.agents:
        port = int((agent.contact or "").rsplit(":", 1)[1])
        behaviour = Answer(
            ring_seconds=rng.uniform(1, 4), talk_seconds=rng.uniform(0.5, 1.5) * talk
        )
        yield SippAgent(agent.id, port, behaviour)


def citizens(cfg: CenterConfig, per_minute: float) -> Iterator[SippCaller]:
    keys = menu_keys(cfg)
    rate = per_minute / 60 / len(keys)
    for i, key in enumerate(keys):  # a first caller per service at once, then a steady flow
        yield SippCaller(
            cfg.numbers[0].number, cfg.ports.sip, dtmf=[(4.0 + i, key)],
            hangup_after=PATIENT_SECONDS, caller=f"33311111{i:02d}",
        )  # fmt: skip
        yield SippCaller(
            cfg.numbers[0].number, cfg.ports.sip, dtmf=[(4.0 + i, key)],
            hangup_after=PATIENT_SECONDS, caller=f"33300000{i:02d}", calls=100_000, rate=rate,
        )  # fmt: skip


async def run_demo(cfg: CenterConfig, data_dir: Path, args: argparse.Namespace) -> int:
    cfg = with_simulated_phones(cfg)
    data_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    # The IVR checks opening hours: the demo's IVR lives on a Wednesday morning, so that
    # calls reach the agents at any hour (acd/ivr_ports.py; set the variable to override).
    os.environ.setdefault(FAKE_NOW_ENV, "2026-12-02T10:00:00+01:00")
    with contextlib.ExitStack() as people:
        async with running_center(cfg, data_dir) as center:
            await load_sample_acts(center.store)
            for phone in agent_phones(cfg, args.talk_seconds, rng):
                people.enter_context(phone)
            for agent in cfg.agents:
                center.runtime.submit(AgentWentReady(agent.id))
            for caller in citizens(cfg, args.calls_per_minute):
                people.enter_context(caller)
            print(f"centralino demo: live page on http://127.0.0.1:{cfg.ports.web}/ "
                  "(Ctrl-C stops everything)", flush=True)  # fmt: skip
            await _report_until(center, args.minutes)
    return 0


async def _report_until(center: Center, minutes: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + minutes * 60 if minutes > 0 else float("inf")
    while loop.time() < end:
        await asyncio.sleep(min(10.0, max(0.0, end - loop.time())))
        snap = snapshot(center.engine.view(), center.runtime.clock())
        waiting = sum(q["waiting"] for q in snap["queues"])
        talking = sum(1 for a in snap["agents"] if a["state"] == "on_call")
        answered = sum(a["answered"] for a in snap["agents"])
        print(f"demo: {waiting} waiting, {talking} talking, {answered} answered so far", flush=True)
