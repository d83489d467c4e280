"""The core's cost per event in a big, busy center.

    python bench/routing.py --agents 1000 --waiting 10000 --skills 50 --json

Builds the engine through the composition root (``acd.bootstrap.build_engine``) from a
generated center: ``--skills`` services, each agent holding 3 of them, every agent on a
call and ``--waiting`` calls in the queues. Then it times ``Engine.handle`` alone
(``time.perf_counter_ns`` around each call) over a realistic mix, in rounds of:

    CallArrived + CallerEntered           a new caller queues
    HungUp(caller)                        a conversation ends; the agent goes to wrap-up
    TimerFired(wrap-up) | AgentWentReady  the agent is free again (timer, or ends it early)
      | AgentPaused then AgentWentReady   (one in ten takes a short pause)
    AgentAnswered + Bridged               the agent answers the call the core offered
    HungUp(waiting caller)                every tenth round, one caller abandons (and one
                                          more arrives, so the queues keep their length)

Only the core is timed; the driver answers its commands from what they say (no peeking
into the engine). Prints p50, p90, p99 and max in microseconds, per kind of event too.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.config.rules import build_engine, every_phone_registered
from acd.core import commands as c
from acd.core import events as e
from acd.core.timers import WrapUpTimer
from acd.simulate.scenario import config_of
from agents.states import AgentState

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Bench:
    def __init__(self, agents: int, skills: int, seed: int) -> None:
        rng = self.rng = random.Random(seed)
        names = [f"s{i}" for i in range(skills)]
        services = {n: (20.0, 15.0, 5.0) for n in names}
        people = {f"a{i}": tuple(rng.sample(names, min(3, skills))) for i in range(agents)}
        config = config_of(services, people)
        self.engine = build_engine(config, "bench")
        self.engine.handle(every_phone_registered(config), T0)
        self.names = names
        self.now = T0
        self.n = 0
        self.waiting: list[str] = []
        self.waiting_at: dict[str, int] = {}
        self.talking: list[str] = []
        self.rings: list[str] = []
        self.ring_call: dict[str, str] = {}
        self.wrap_timer: WrapUpTimer | None = None
        self.wrap_agent = ""
        self.samples: dict[str, list[int]] = defaultdict(list)
        self.timing = False
        self.agent_ids = list(people)

    def send(self, event: Any) -> list[Any]:
        self.now += timedelta(milliseconds=10)
        if self.timing:
            t = time.perf_counter_ns()
            out = self.engine.handle(event, self.now)
            self.samples[type(event).__name__].append(time.perf_counter_ns() - t)
        else:
            out = self.engine.handle(event, self.now)
        self.read(out)
        return out

    def read(self, out: list[Any]) -> None:
        for cmd in out:
            if isinstance(cmd, c.RingAgent):
                self.rings.append(cmd.ring_id)
                self.ring_call[cmd.ring_id] = cmd.call_id
                self._unwait(cmd.call_id)
            elif isinstance(cmd, c.RecordAgentState) and cmd.state is AgentState.WRAP_UP:
                self.wrap_agent = cmd.agent_id
            elif isinstance(cmd, c.StartTimer) and isinstance(cmd.key, WrapUpTimer):
                self.wrap_timer = cmd.key

    def _unwait(self, call_id: str) -> None:
        i = self.waiting_at.pop(call_id, None)
        if i is None:
            return
        last = self.waiting.pop()
        if last != call_id:
            self.waiting[i] = last
            self.waiting_at[last] = i

    def arrive(self) -> None:
        self.n += 1
        call_id = f"k{self.n}"
        self.waiting_at[call_id] = len(self.waiting)
        self.waiting.append(call_id)
        self.send(
            e.CallArrived(
                call_id=call_id,
                channel=call_id,
                caller_number="0590000001",
                dialled_number="0590000000",
            )
        )
        self.send(e.CallerEntered(call_id=call_id, service=self.rng.choice(self.names)))

    def answer_rings(self) -> None:
        while self.rings:
            ring_id = self.rings.pop()
            call_id = self.ring_call.pop(ring_id)
            self.send(e.AgentAnswered(ring_id))
            self.send(e.Bridged(call_id))
            self.talking.append(call_id)

    def end_one_conversation(self) -> None:
        i = self.rng.randrange(len(self.talking))
        self.talking[i], self.talking[-1] = self.talking[-1], self.talking[i]
        self.wrap_timer, self.wrap_agent = None, ""
        self.send(e.HungUp(self.talking.pop()))
        agent, roll = self.wrap_agent, self.rng.random()
        if not agent:
            return
        if roll < 0.1:
            self.send(e.AgentPaused(agent, "break"))
            self.send(e.AgentWentReady(agent))
        elif roll < 0.55 and self.wrap_timer:
            self.send(e.TimerFired(self.wrap_timer))
        else:
            self.send(e.AgentWentReady(agent))

    def abandon_one(self) -> None:
        if self.waiting:
            call_id = self.waiting[self.rng.randrange(len(self.waiting))]
            self._unwait(call_id)
            self.send(e.HungUp(call_id))

    def fill(self, waiting: int) -> None:
        for agent in self.agent_ids:
            self.send(e.AgentWentReady(agent))
        while len(self.waiting) < waiting:
            self.arrive()
            self.answer_rings()

    def round(self, i: int) -> None:
        self.arrive()
        self.end_one_conversation()
        self.answer_rings()
        if i % 10 == 0:
            self.abandon_one()
            self.arrive()
            self.answer_rings()


def percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--waiting", type=int, default=10000)
    p.add_argument("--skills", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    bench = Bench(args.agents, args.skills, args.seed)
    started = time.perf_counter()
    bench.fill(args.waiting)
    setup = time.perf_counter() - started
    for i in range(200):  # warm up
        bench.round(i)
    gc.collect()
    bench.timing = True
    for i in range(args.rounds):
        bench.round(i)
    every = sorted(ns for s in bench.samples.values() for ns in s)
    result = {
        "agents": args.agents,
        "waiting": args.waiting,
        "waiting_at_end": len(bench.waiting),
        "skills": args.skills,
        "events": len(every),
        "p50_us": percentile(every, 0.50),
        "p90_us": percentile(every, 0.90),
        "p99_us": percentile(every, 0.99),
        "max_us": every[-1] / 1000.0,
        "mean_us": sum(every) / len(every) / 1000.0,
        "setup_seconds": round(setup, 2),
        "by_event": {
            name: {
                "n": len(s),
                "p50_us": percentile(sorted(s), 0.5),
                "p99_us": percentile(sorted(s), 0.99),
            }
            for name, s in sorted(bench.samples.items())
        },
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['events']} events, {args.agents} agents, {args.waiting} waiting, "
            f"{args.skills} skills: p50 {result['p50_us']:.1f} us, "
            f"p99 {result['p99_us']:.1f} us, max {result['max_us']:.1f} us"
        )
        for name, fig in result["by_event"].items():
            print(
                f"  {name:16} n={fig['n']:6}  p50 {fig['p50_us']:8.1f} us  "
                f"p99 {fig['p99_us']:8.1f} us"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
