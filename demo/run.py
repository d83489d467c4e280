"""``centralino demo``: the whole center on embedded defaults with simulated people.

The sub-command reaches ``centralino`` through the ``centralino.commands`` entry point
(pyproject.toml): ``acd`` never imports this package.

Simulated agents are sipp phones (one UAS per agent, answering after a few seconds of ring
and hanging up after a talk time). Simulated citizens are one sipp process placing new
calls at the rate asked, each call a different citizen keying a menu choice and giving up
after a while if nobody answers; one in ``CALLBACK_EVERY`` is patient and keys 1 now and
then, so that it accepts the callback offer of a service that makes one (examples/
modena.yaml's URP: after two minutes) and confirms its number. Their phones, when the
engine calls them back over the local trunk, are one more sipp UAS (``SippCitizenPhones``
on ``ports.citizens_line``), which answers: the callbacks accepted in the demo are served.
At the end the demo prints what became of the calls, as the engine recorded them.
Everything started here is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acd.acts import load_sample_acts
from acd.bootstrap import Center
from acd.cli import engine_args, until_stopped
from acd.config import load_config
from acd.config.model import CenterConfig
from acd.core.contact import Contact
from acd.core.events import AgentWentReady
from acd.engine_main import running_center
from acd.ivr_ports import FAKE_NOW_ENV
from acd.samples import config_or_default
from acd.store.callbacks import CallbackStore
from acd.web.snapshot import snapshot
from demo.accounts import FILE, SUPERVISOR, demo_accounts
from demo.sipp import KEYS_UNTIL_BYE, Answer, Citizen, SippAgent, SippCallers, SippCitizenPhones
from ivr.model import MenuNode

FIRST_AGENT_PORT = 27001
CITIZENS_LINE_PORT = 27000  # the citizens' phones, called back over the local trunk
CALLBACK_EVERY = 4  # one citizen in so many waits on and accepts a callback offer
CALLBACK_KEYING = ((2.0, "1"),) * 120  # "1" every 2 s for 4 minutes: the offer's key, then
# the confirmation of its number (the dialogue hangs up on it once confirmed)
KEY_AFTER_SECONDS = (4.0, 10.0)  # a citizen keys a service this long after the answer...
PATIENCE_SECONDS = (45.0, 135.0)  # ...and gives up this long after it (90 s on average)
LAST_MESSAGES_SECONDS = 10  # the hang-up's own messages (sipp retransmits up to a few s)
CITIZENS_AT_MOST = 10_000  # different callers; past them the calls start over from the first
ENDLESS_CALLS = 1_000_000  # what "until Ctrl-C" places at most
OVERFLOWED = ("overflow", "voicemail")  # outcomes of a service's overflow rules (Contact)
CALLBACK_ENDS = ("callback-failed", "callback-message", "callback-cancelled", "callback-refused")


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser(
        "demo", help="start everything on embedded defaults with simulated citizens and agents"
    )
    engine_args(demo)
    demo.add_argument(
        "--calls-per-minute", type=_positive, default=10.0,
        help="new calls the simulated citizens place each minute, evenly spaced, whatever "
        "became of the earlier ones (they wait, talk or give up on their own); default 10",
    )  # fmt: skip
    demo.add_argument("--talk-seconds", type=float, default=25.0, help="mean talk time")
    demo.add_argument(
        "--minutes", type=float, default=0,
        help="stop after this long (0: until Ctrl-C), then print the calls placed, "
        "answered, abandoned and overflowed",
    )  # fmt: skip
    demo.set_defaults(func=cmd_demo)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not more than 0")
    return value


def cmd_demo(args: argparse.Namespace) -> int:
    cfg = load_config(config_or_default(args.config))
    if not args.verbose:  # a log line or two per call would bury the demo's own figures
        logging.getLogger("acd.telephony").setLevel(logging.WARNING)
    return until_stopped(run_demo(cfg, Path(args.data_dir) / "demo", args))


def with_simulated_phones(cfg: CenterConfig) -> CenterConfig:
    """Point every agent without a fixed phone at a simulated one on loopback, and the
    local trunk's calls out (callbacks) at the simulated citizens' phones."""
    agents = tuple(
        a
        if a.contact
        else a.model_copy(update={"contact": f"sip:{a.id}@127.0.0.1:{FIRST_AGENT_PORT + i}"})
        for i, a in enumerate(cfg.agents)
    )
    ports = cfg.ports
    if cfg.trunks is None and ports.citizens_line is None:
        ports = ports.model_copy(update={"citizens_line": CITIZENS_LINE_PORT})
    return cfg.model_copy(update={"agents": agents, "ports": ports})


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


@dataclass(frozen=True, slots=True)
class CallPlan:
    """The citizens' calls: ``calls`` in all at ``per_minute``, from ``citizens`` in turn."""

    per_minute: float
    calls: int
    citizens: tuple[Citizen, ...]

    @property
    def max_open(self) -> int:
        """Room for every call the rate starts while the longest call lasts: the bound
        guards the machine from a runaway, it never holds the rate back."""
        keying = sum(delay for delay, _ in CALLBACK_KEYING)
        longest = KEY_AFTER_SECONDS[1] + keying + PATIENCE_SECONDS[1] + LAST_MESSAGES_SECONDS
        return math.ceil(self.per_minute / 60 * longest) + 1

    def callers(self, cfg: CenterConfig) -> SippCallers:
        number = cfg.numbers[0].number
        return SippCallers(number, cfg.ports.sip, self.citizens, self.calls, self.per_minute,
                           self.max_open, scenario=KEYS_UNTIL_BYE)  # fmt: skip


def call_plan(cfg: CenterConfig, per_minute: float, minutes: float, rng: random.Random) -> CallPlan:
    """A call for every minute's share of the rate, each from a citizen of its own: every
    menu key once first (each service has a caller at once), then keys at random."""
    calls = math.ceil(per_minute * minutes) if minutes > 0 else ENDLESS_CALLS
    keys = menu_keys(cfg)
    chosen = rng.sample(keys, len(keys))
    chosen += [rng.choice(keys) for _ in range(min(calls, CITIZENS_AT_MOST) - len(keys))]
    citizens = tuple(
        Citizen(
            caller=f"333{i:07d}",
            dtmf=((rng.uniform(*KEY_AFTER_SECONDS), key),
                  *(CALLBACK_KEYING if i % CALLBACK_EVERY == CALLBACK_EVERY - 1 else ())),
            hangup_after=rng.uniform(*PATIENCE_SECONDS),
        )
        for i, key in enumerate(chosen)
    )  # fmt: skip
    return CallPlan(per_minute, calls, citizens)


async def run_demo(cfg: CenterConfig, data_dir: Path, args: argparse.Namespace) -> int:
    cfg = with_simulated_phones(cfg)
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    rng = random.Random(7)
    plan = call_plan(cfg, args.calls_per_minute, args.minutes, rng)
    # The IVR checks opening hours: the demo's IVR lives on a Wednesday morning, so that
    # calls reach the agents at any hour (acd/ivr_ports.py; set the variable to override).
    os.environ.setdefault(FAKE_NOW_ENV, "2026-12-02T10:00:00+01:00")
    with contextlib.ExitStack() as people:
        async with running_center(cfg, data_dir) as center:
            await load_sample_acts(center.store)
            for phone in agent_phones(cfg, args.talk_seconds, rng):
                people.enter_context(phone)
            if cfg.ports.citizens_line is not None:  # answer the callbacks, then wait for BYE
                people.enter_context(SippCitizenPhones(cfg.ports.citizens_line, Answer(3.0)))
            for agent in cfg.agents:
                center.runtime.submit(AgentWentReady(agent.id))
            since, loop = center.runtime.clock(), asyncio.get_running_loop()
            callers = people.enter_context(plan.callers(cfg))
            passwords = await demo_accounts(center.store, cfg, data_dir)
            print(f"centralino demo: sign in on {center.web_url}login as {SUPERVISOR} with "
                  f"password {passwords.get(SUPERVISOR, '(set by hand)')}; the agents' "
                  f"accounts are in {data_dir / FILE} (Ctrl-C stops everything)",
                  flush=True)  # fmt: skip
            began = loop.time()
            with contextlib.suppress(asyncio.CancelledError):  # Ctrl-C: the figures so far
                await _report_until(center, callers, args.minutes)
            minutes = (loop.time() - began) / 60
            callers.stop()  # the calls placed are counted: no more of them
            await center.writer.flush()
            contacts = await center.store.contacts_since(since)
            print(summary(plan.per_minute, minutes, callers.placed, contacts), flush=True)
            called_back = await CallbackStore(center.store.pool).outcomes_since(since)
            print(callbacks_summary(called_back), flush=True)
    return 0


async def _report_until(center: Center, callers: SippCallers, minutes: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + minutes * 60 if minutes > 0 else float("inf")
    while loop.time() < end:
        await asyncio.sleep(min(10.0, max(0.0, end - loop.time())))
        snap = snapshot(center.engine.view(), center.runtime.clock())
        waiting = sum(q["waiting"] for q in snap["queues"])
        talking = sum(1 for a in snap["agents"] if a["state"] == "on_call")
        answered = sum(a["answered"] for a in snap["agents"])
        print(f"demo: {callers.placed} calls placed, {waiting} waiting, {talking} talking, "
              f"{answered} answered so far", flush=True)  # fmt: skip


def summary(per_minute: float, minutes: float, placed: int, contacts: Sequence[Contact]) -> str:
    """What the demo did: the calls placed against the rate asked, then what became of
    them as the engine recorded them."""
    asked = per_minute * minutes
    lines = [
        f"demo: {minutes:.1f} minutes at {per_minute:g} calls a minute asked ({asked:.0f} "
        f"calls): {placed} placed ({placed / max(asked, 1):.0%} of the rate asked), "
        f"{len(contacts)} reached the center"
    ]
    lines += [f"demo: {count:5d} {what}" for what, count in _fates(contacts).items()]
    return "\n".join(lines)


def callbacks_summary(outcomes: dict[str, int]) -> str:
    """The callbacks the demo's citizens accepted, by what became of them."""
    said = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    return f"demo: {sum(outcomes.values()):5d} callbacks accepted" + (f" ({said})" if said else "")


def _fates(contacts: Sequence[Contact]) -> dict[str, int]:
    answered = sum(1 for c in contacts if c.answered_at is not None)
    unanswered = [c for c in contacts if c.answered_at is None]
    ended = Counter(c.outcome for c in unanswered if c.ended_at is not None)
    abandoned, overflowed = ended["abandoned"], sum(ended[o] for o in OVERFLOWED)
    not_reached = sum(ended[o] for o in CALLBACK_ENDS)
    in_ivr = ended.total() - abandoned - overflowed - not_reached
    return {
        "answered by an agent (talking now or done; called back included)": answered,
        "abandoned in the queue": abandoned,
        "overflowed (a message or voicemail instead of an agent)": overflowed,
        "called back but not reached (or cancelled)": not_reached,
        "ended in the IVR (self-service, closed, hung up there)": in_ivr,
        "waiting or in the IVR when the demo ended": len(unanswered) - ended.total(),
    }
