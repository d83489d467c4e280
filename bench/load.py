"""Load and cost on the real stack, side by side with Asterisk's own app_queue.

    python bench/load.py [--agents 20] [--rate 5] [--seconds 40] [--rounds 1] [--json]
    python bench/load.py --agents 100 --rate 20 --max-open 300 --seconds 600   # the full load

Citizens (one sipp process, a new call every 1/rate s, at most ``--max-open`` at once) call,
key 1 or 2 in a one-node IVR and wait in that service's queue; ``--agents`` agents (sipp
phones, ``--agents-per-phone`` agents on each, the phones' talk times spread from half to
one and a half ``--talk``) answer after ``--ring`` s, talk, and hang up. Each side gets the
same calls, the sides taking turns ``--rounds`` times:

- engine: PostgreSQL (embedded), ``centralino run`` (the engine, which starts the project's
  Asterisk) as its own process, as tests/e2e run it; the agents logged in and ready through
  the web API. The citizens call the center's number: the engine's IVR over FastAGI.
- app_queue: the same Asterisk, rendered from the same center, alone; the benchmark adds a
  number whose dialplan is the same IVR (``Read`` of the same prompt, one digit) and two
  app_queue queues with every agent (leastrecent, ringinuse=no, retry=1 s: app_queue's
  quickest, wrapuptime=0 as the services' wrap-up).

Latencies come from Asterisk's own AMI events, timestamped by Asterisk (bench/load_calls.py);
CPU and memory from /proc (bench/load_cost.py), from the first call to the last call's end,
per 1,000 answered calls. The engine's memory is read after ``--warmup`` of the load and at
its end. Everything is bounded: the calls are placed in ``--seconds``, the last ones get
``DRAIN_SECONDS`` more to end, then sipp is stopped; every process started here is ended.
The run holds the machine-wide port lock of the real-stack tests (tests/conftest.py).

``--base REV`` adds a side "base", the engine of that git revision (``git archive``), first
in each round: before/after ratios in one run. ``--profile FILE`` samples the engine with
py-spy meanwhile. ``--database-url URL`` runs the engine sides on that PostgreSQL server
instead of the embedded one (as superuser: its data directory is read for the postmaster's
pid; the database is the store's, which the engine migrates); where the
``pg_stat_statements`` extension is in that database, each engine round also prints the
statements' time a call (the triggers' statements apart with ``pg_stat_statements.track =
all``). ``--json`` prints every figure as one JSON object after the table.
docs/benchmarks.md, "Load and cost beside app_queue", has the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from acd.asterisk.control import Asterisk
from acd.config import load_config
from acd.config.model import CenterConfig
from acd.store.embedded import EmbeddedPostgres
from bench.load_calls import Latencies, Listener, latencies, manager_section, summary
from bench.load_cost import cpu_seconds, machine_seconds, rss_mb
from demo.sipp import Answer, Citizen, SippAgent, SippCallers
from tests.conftest import LOCK
from tests.e2e.stack import (
    SUPERVISOR,
    Stack,
    answers_healthy,
    eventually,
    query,
    start_engine,
    stop_engine,
)

PORTS = {"sip": 37060, "ami": 37038, "agi": 36573, "asterisk_http": 37088, "web": 37080,
         "rtp_start": 20000, "rtp_end": 23999}  # fmt: skip
FIRST_PHONE_PORT = 37101
NUMBER = "0597000000"  # the engine's IVR
APP_QUEUE_NUMBER = "0597000001"  # the same IVR, Asterisk alone
SERVICES = {"1": "urp", "2": "tributi"}
DRAIN_SECONDS = 60.0  # after the last call is placed, on top of its own length
BENCH_USER = "bench"
HERE = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True, slots=True)
class Load:
    agents: int
    rate: float  # calls a second
    seconds: float  # placing calls
    max_open: int
    talk: float
    ring: float
    key_after: float
    per_phone: int
    warmup: float  # fraction of ``seconds``

    @property
    def calls(self) -> int:
        return math.ceil(self.rate * self.seconds)

    @property
    def phones(self) -> int:
        return math.ceil(self.agents / self.per_phone)

    def phone_port(self, agent: int) -> int:
        return FIRST_PHONE_PORT + agent // self.per_phone

    def talk_of(self, phone: int) -> float:
        """From half to one and a half the mean, evenly over the phones."""
        return self.talk * (0.5 + phone / (self.phones - 1)) if self.phones > 1 else self.talk


def center_yaml(load: Load) -> str:
    agents = "\n".join(
        f"  - {{id: agent{i}, name: Agente {i}, skills: [urp, tributi], "
        f'contact: "sip:agent{i}@127.0.0.1:{load.phone_port(i - 1)}"}}'
        for i in range(1, load.agents + 1)
    )
    ports = ", ".join(f"{k}: {v}" for k, v in PORTS.items())
    return f"""# Generated by bench/load.py
center: {{name: Banco di carico, language: it, languages: [it]}}
ports: {{{ports}}}
limits: {{agi_sessions: {max(500, 2 * load.max_open)}}}
numbers:
  - {{number: "{NUMBER}", ivr: main}}
prompts:
  menu: {{it: Premete uno o due.}}
services:
  urp: {{name: URP, ring_seconds: 15, wrap_up_seconds: 0}}
  tributi: {{name: Tributi, ring_seconds: 15, wrap_up_seconds: 0}}
agents:
{agents}
ivr:
  main:
    start: menu
    nodes:
      menu: {{type: menu, prompt: menu, timeout: 5, retries: 1,
              options: {{"1": to-urp, "2": to-tributi}}, fallback: to-urp}}
      to-urp: {{type: enqueue, service: urp}}
      to-tributi: {{type: enqueue, service: tributi}}
fallback: {{enabled: false}}
"""


def app_queue_dialplan(menu_prompt: str) -> str:
    """The engine's one-node IVR in dialplan, into app_queue (appended to extensions.conf)."""
    return f"""
; Added by bench/load.py: the same IVR in Asterisk alone, into app_queue.
[centralino-citizens](+)
exten => {APP_QUEUE_NUMBER},1,Answer()
 same => n,Set(CHANNEL(language)=it)
 same => n,Read(choice,{menu_prompt},1,,2,5)
 same => n,GotoIf($["${{choice}}" = "2"]?tributi)
 same => n,Queue(bench-urp,,,,3600)
 same => n,Hangup()
 same => n(tributi),Queue(bench-tributi,,,,3600)
 same => n,Hangup()
"""


QUEUE_SETTINGS = {
    "strategy": "leastrecent",  # the engine offers a call to the agent idle longest
    "autofill": "yes",  # ring as many free agents as callers wait, not one at a time
    "musicclass": "default",
    "timeout": "15",  # the services' ring_seconds
    "retry": "1",  # app_queue's shortest: it looks for a free agent again every second
    "ringinuse": "no",
    "wrapuptime": "0",
    "autopause": "no",
    "joinempty": "yes",
    "leavewhenempty": "no",
    "announce-frequency": "0",
    "announce-holdtime": "no",
    "reportholdtime": "no",
}


def app_queue_queues(cfg: CenterConfig) -> str:
    members = "".join(f"member => PJSIP/{a.id},0,{a.id}\n" for a in cfg.agents)
    settings = "".join(f"{name} = {value}\n" for name, value in QUEUE_SETTINGS.items())
    return "".join(f"\n[bench-{s}]\n{settings}{members}" for s in SERVICES.values())


def append(asterisk: Asterisk, conf: str, text: str) -> None:
    with asterisk.paths.host("etc", conf).open("a") as f:
        f.write(text)


class Side(Protocol):
    name: str
    number: str

    def start(self) -> None: ...
    def ready(self) -> None: ...
    def pids(self) -> dict[str, int]: ...
    def stop(self) -> None: ...


class EngineSide:
    """``centralino run`` with the embedded PostgreSQL, as the end-to-end tests run it;
    ``code``: another checkout's engine (``--base``), else this one's."""

    number = NUMBER

    def __init__(
        self, cfg: CenterConfig, config: Path, work: Path,
        db: EmbeddedPostgres | ServerPostgres, name: str = "engine", code: Path | None = None,
    ):  # fmt: skip
        self.cfg, self.config, self.work, self.db = cfg, config, work, db
        self.name, self.code = name, code
        self.dsn = db.start()
        self.data_dir = work / "data"
        self.stack: Stack | None = None

    def start(self) -> None:
        log = self.work / f"{self.name}-{time.strftime('%H%M%S')}.log"
        engine = start_engine(self.config, self.data_dir, self.dsn, log, code=self.code)
        embedded = self.db if isinstance(self.db, EmbeddedPostgres) else None
        stack = Stack(self.cfg, self.data_dir, self.dsn, engine, log, self.config, embedded)
        self.stack = stack
        eventually(
            lambda: engine.poll() is not None or answers_healthy(stack.web), 120, "the engine"
        )
        if engine.poll() is not None:
            raise SystemExit(f"the engine exited:\n{log.read_text()[-3000:]}")
        if not stack.query("select 1 from accounts where user_name = $1", SUPERVISOR[0]):
            stack.add_account(SUPERVISOR[0], "supervisor", SUPERVISOR[1])

    def ready(self) -> None:
        """Every agent ready (an earlier run's states come back at a start: out first)."""
        assert self.stack is not None
        self.stack.log_out_everyone()
        self.stack.ready(*(a.id for a in self.cfg.agents))

    def pids(self) -> dict[str, int]:
        assert self.stack is not None
        return {"engine": self.stack.engine.pid, "asterisk": _asterisk_pid(self.cfg, self.data_dir),
                "postgresql": _postmaster(self.db)}  # fmt: skip

    def rows_written(self) -> dict[str, int]:
        """Rows in the store's busiest tables so far (each run of the engine adds to them)."""
        assert self.stack is not None
        return {name: self.stack.query(sql)[0][0] for name, sql in ROW_COUNTS.items()}

    def statements(self) -> dict[str, tuple[Any, ...]]:
        """pg_stat_statements in the store's database, if it is there: {} if not."""
        assert self.stack is not None
        if not self.stack.query(HAS_STATEMENTS):
            return {}
        return {r[0]: tuple(r[1:]) for r in self.stack.query(STATEMENTS)}

    def stop(self) -> None:
        if self.stack is not None:
            stop_engine(self.stack.engine)
            self.stack = None


ROW_COUNTS = {
    "events": "select count(*) from contact_events",
    "contacts_rows": "select count(*) from contacts",
    "agent_states": "select count(*) from agent_states",
    "ivr_steps": "select count(*) from ivr_steps",
    # the writes behind the rows: a contact is upserted as it goes; the store's transactions
    # (PostgreSQL's statistics, sent by its backends at most once a second)
    "contact_writes": (
        "select n_tup_ins + n_tup_upd from pg_stat_user_tables where relname = 'contacts'"
    ),
    "transactions": "select xact_commit from pg_stat_database where datname = current_database()",
}


class AppQueueSide:
    """The same Asterisk alone, with the benchmark's dialplan and app_queue queues."""

    name, number = "app_queue", APP_QUEUE_NUMBER

    def __init__(self, cfg: CenterConfig, work: Path):
        self.cfg = cfg
        self.asterisk = Asterisk(cfg, work / "data")

    def start(self) -> None:
        self.asterisk.start()
        append(
            self.asterisk,
            "extensions.conf",
            app_queue_dialplan(self.asterisk.prompt_path("it", "menu")),
        )
        append(self.asterisk, "queues.conf", app_queue_queues(self.cfg))
        self.asterisk.cli("dialplan reload")
        self.asterisk.cli("queue reload all")

    def ready(self) -> None:
        pass  # static members: app_queue rings whoever is not on a call

    def pids(self) -> dict[str, int]:
        return {"asterisk": _asterisk_pid(self.cfg, self.asterisk.paths.data_dir)}

    def stop(self) -> None:
        self.asterisk.stop()


def _asterisk_pid(cfg: CenterConfig, data_dir: Path) -> int:
    pid = Asterisk(cfg, data_dir).running_pid()
    if pid is None:
        raise SystemExit("Asterisk is not running")
    return pid


def _postmaster(db: EmbeddedPostgres | ServerPostgres) -> int:
    return int((db.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


class ServerPostgres:
    """A PostgreSQL server of one's own (``--database-url``), in the embedded one's place."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pgdata = Path(query(url, "SHOW data_directory")[0][0])

    def start(self) -> str:
        return self.url

    def stop(self) -> None:
        pass  # not ours


STATEMENTS = (
    "SELECT queryid::text || ':' || toplevel::text, toplevel, "
    "left(regexp_replace(query, '\\s+', ' ', 'g'), 80), calls, "
    "total_exec_time + total_plan_time, plans FROM pg_stat_statements "
    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
HAS_STATEMENTS = "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
SHOWN_STATEMENTS = 12


def statements_between(
    before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]
) -> list[dict[str, Any]]:
    """The statements that took the server the longest between the two readings."""
    rows = []
    for key, (top, text, calls, ms, plans) in after.items():
        was = before.get(key, (top, text, 0, 0.0, 0))
        if calls > was[2]:
            rows.append({"toplevel": top, "statement": text, "runs": calls - was[2],
                         "ms": ms - was[3], "plans": plans - was[4]})  # fmt: skip
    return sorted(rows, key=lambda r: -r["ms"])[:SHOWN_STATEMENTS]


@contextlib.contextmanager
def port_lock() -> Iterator[None]:
    """The real-stack tests' lock: one user of the fixed loopback ports at a time."""
    with open(LOCK, "w") as lock:
        print(f"load: waiting for the port lock {LOCK} ...", file=sys.stderr, flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def rtp_sink() -> Iterator[int]:
    """A UDP port that takes the agents' audio and never reads it (the kernel drops it once
    the buffer is full): no echo, so no packet loops between two echoing phones."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def phones(load: Load, sink: int) -> list[SippAgent]:
    answer = [Answer(load.ring, load.talk_of(p)) for p in range(load.phones)]
    return [SippAgent(f"phone{p}", FIRST_PHONE_PORT + p, answer[p], rtp_port=sink)
            for p in range(load.phones)]  # fmt: skip


def citizens(load: Load) -> list[Citizen]:
    keys = sorted(SERVICES)
    return [Citizen(f"33{i:08d}", ((load.key_after, keys[i % len(keys)]),))
            for i in range(min(load.calls, 10_000))]  # fmt: skip


@dataclasses.dataclass
class Sample:
    at: float
    cpu: dict[str, float]
    machine: tuple[float, float, float]

    @classmethod
    def take(cls, pids: dict[str, int]) -> Sample:
        cpu = {name: cpu_seconds(pid, tree=name == "postgresql") for name, pid in pids.items()}
        return cls(time.monotonic(), cpu, machine_seconds())


def run_side(
    side: Side, load: Load, cfg: CenterConfig, profile: Path | None = None
) -> tuple[dict[str, Any], Latencies]:
    """One side under the load: its figures (CPU, memory, calls) and latencies; the
    engine's stacks sampled by py-spy into ``profile`` (collapsed stacks), if given."""
    secret = secrets.token_urlsafe(16)
    side.start()
    try:
        asterisk = Asterisk(cfg, _data_dir(side))
        append(asterisk, "manager.conf", manager_section(BENCH_USER, secret))
        asterisk.cli("manager reload")
        listener = Listener(cfg.ports.ami, BENCH_USER, secret)
        with rtp_sink() as sink, contextlib.ExitStack() as people:
            agents = [people.enter_context(phone) for phone in phones(load, sink)]
            side.ready()
            time.sleep(1.0)
            pids = side.pids()
            sipp = [phone.pid for phone in agents if phone.pid is not None]
            rows = side.rows_written() if isinstance(side, EngineSide) else {}
            seen = side.statements() if isinstance(side, EngineSide) else {}
            with profiled(pids.get("engine") if side.name == "engine" else None, profile):
                figures = _under_load(side, load, cfg, pids, sipp)
            if isinstance(side, EngineSide):
                time.sleep(0.5)  # the store writer's last batch
                figures["store_rows"] = {k: v - rows[k] for k, v in side.rows_written().items()}
                if seen:
                    figures["statements"] = statements_between(seen, side.statements())
        time.sleep(1.0)  # the last events
        events = listener.stop()
    finally:
        side.stop()
    lat = latencies(events)
    return {**figures, **summary(lat), "events": len(events)}, lat


@contextlib.contextmanager
def profiled(pid: int | None, out: Path | None) -> Iterator[None]:
    """py-spy sampling ``pid`` meanwhile (100 a second, without stopping it), if asked."""
    if pid is None or out is None:
        yield
        return
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy on the PATH (pip install py-spy)")
    argv = [spy, "record", "-p", str(pid), "-r", "100", "--nonblocking", "-f", "raw",
            "-o", str(out)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def _data_dir(side: Side) -> Path:
    if isinstance(side, EngineSide):
        return side.data_dir
    assert isinstance(side, AppQueueSide)
    return side.asterisk.paths.data_dir


def _under_load(
    side: Side, load: Load, cfg: CenterConfig, pids: dict[str, int], phones: list[int]
) -> dict[str, Any]:
    """From the first call to the last one's end: CPU, memory, calls placed and failed.
    The sipp processes' CPU (the load's, not the system's under test) is counted apart."""
    callers = SippCallers(side.number, cfg.ports.sip, citizens(load), load.calls,
                          load.rate * 60, load.max_open)  # fmt: skip
    start = Sample.take(pids)
    sipp_before = sum(cpu_seconds(pid) for pid in phones) + _reaped_children()
    callers.start()
    warm_at = start.at + load.warmup * load.seconds
    deadline = start.at + load.seconds + load.key_after + 1.5 * load.talk + DRAIN_SECONDS
    rss_warm: dict[str, float | None] = {}
    while callers.running and time.monotonic() < deadline:
        time.sleep(0.5)
        if not rss_warm and time.monotonic() >= warm_at:
            rss_warm = {name: rss_mb(pid) for name, pid in pids.items()}
    end = Sample.take(pids)
    rss_end = {name: rss_mb(pid) for name, pid in pids.items()}
    result = callers.stop() if callers.running else callers.wait()
    sipp = sum(cpu_seconds(pid) for pid in phones) + _reaped_children() - sipp_before
    busy = end.machine[0] - start.machine[0]
    ours = sum(end.cpu.values()) - sum(start.cpu.values()) + sipp
    return {
        "side": side.name,
        "seconds": end.at - start.at,
        "placed": result.placed,
        "sipp_failed": result.failed,
        "cpu_s": {name: end.cpu[name] - start.cpu[name] for name in pids},
        "rss_mb": {name: {"warm": rss_warm.get(name), "end": rss_end[name]} for name in pids},
        "sipp_cpu_s": sipp,
        "machine_busy_s": busy,
        "others_cpu_s": busy - ours,
        "stolen_cpu_s": end.machine[2] - start.machine[2],
        "loadavg": os.getloadavg(),
    }


def _reaped_children() -> float:
    """CPU seconds of our children that have ended (the citizens' sipp, once done)."""
    t = os.times()
    return t.children_user + t.children_system


# -- report ------------------------------------------------------------------------------


def merged(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A side's rounds together: latencies from every event, CPU and calls summed."""
    out: dict[str, Any] = {"rounds": runs}
    out["answered"] = sum(r["answered"] for r in runs)
    out["failed"] = sum(r["sipp_failed"] + r["unanswered"] for r in runs)
    cpu: dict[str, float] = {}
    for r in runs:
        for name, s in r["cpu_s"].items():
            cpu[name] = cpu.get(name, 0.0) + s
    out["cpu_per_1000"] = {n: s * 1000 / max(out["answered"], 1) for n, s in cpu.items()}
    out["cpu_per_1000"]["whole"] = sum(cpu.values()) * 1000 / max(out["answered"], 1)
    return out


LATENCIES = (
    ("entry_to_ring", "entry to ring, agent free"),
    ("answer_to_bridged", "answer to bridged"),
    ("free_to_ring", "agent free to next ring"),
    ("key_to_ring", "key to ring, every call"),
)
COSTS = ("engine", "asterisk", "postgresql", "whole")


def report(
    load: Load, sides: dict[str, dict[str, Any]], lats: dict[str, Any],
    pairs: list[tuple[str, str]],
) -> str:  # fmt: skip
    """The table: a column a side, then a ratio column for each pair (a over b)."""
    names = list(sides)
    lines = [
        f"load: {load.agents} agents, {load.rate:g} calls/s for {load.seconds:g} s "
        f"({load.calls} calls a side and round), at most {load.max_open} open, talk "
        f"{load.talk:g} s mean, ring {load.ring:g} s",
        f"{'':36}" + "".join(f"{n:>22}" for n in names) + "".join(f"{a + '/' + b:>24}"
                                                             for a, b in pairs),
    ]  # fmt: skip

    def row(label: str, values: list[str], ratios: list[str]) -> None:
        lines.append(f"{label:36}" + "".join(f"{v:>22}" for v in values)
                     + "".join(f"{r:>24}" for r in ratios))  # fmt: skip

    row("answered / failed", [f"{sides[n]['answered']} / {sides[n]['failed']}" for n in names], [])
    for key, label in LATENCIES:
        row(f"{label} ms p50/p95 (n)", [_pair(lats[n][key]) for n in names],
            [_ratio_pair(lats[a][key], lats[b][key]) for a, b in pairs])  # fmt: skip
    for cost in COSTS:
        got = {n: sides[n]["cpu_per_1000"].get(cost) for n in names}
        row(f"CPU s per 1,000 calls: {cost}", [_num(got[n]) for n in names],
            [_ratio(got[a], got[b]) for a, b in pairs])  # fmt: skip
    for n in names:
        lines += [line for r in sides[n]["rounds"] for line in _round_lines(n, r)]
    return "\n".join(lines)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else ""


def _round_lines(side: str, r: dict[str, Any]) -> list[str]:
    lines = []
    for proc, rss in r["rss_mb"].items():
        if proc in ("engine", "asterisk") and rss["warm"] and rss["end"]:
            growth = (rss["end"] / rss["warm"] - 1) * 100
            lines.append(
                f"{side}: {proc} RSS {rss['warm']:.1f} MB after warm-up, {rss['end']:.1f} MB "
                f"at the end ({growth:+.1f} %)"
            )
    if "store_rows" in r:
        per_call = ", ".join(
            f"{k} {v / max(r['answered'], 1):.1f}" for k, v in r["store_rows"].items()
        )
        lines.append(f"{side}: the store a call (rows; contact writes, transactions): {per_call}")
    calls = max(r["answered"], 1)
    for st in r.get("statements", ()):
        lines.append(
            f"{side}: {st['ms'] / calls:6.3f} ms {st['runs'] / calls:4.1f} runs "
            f"{st['plans'] / calls:4.1f} plans a call{'' if st['toplevel'] else ' (nested)'}: "
            f"{st['statement']}"
        )
    load = " ".join(f"{x:.1f}" for x in r["loadavg"])
    lines.append(
        f"{side}: {r['seconds']:.0f} s, the machine busy {r['machine_busy_s']:.0f} CPU s: "
        f"sipp {r['sipp_cpu_s']:.0f}, other work {r['others_cpu_s']:.0f} (of which stolen "
        f"by the host's other guests {r.get('stolen_cpu_s', 0):.0f}); load {load}"
    )
    return lines


def _pair(v: dict[str, Any]) -> str:
    if v["p50_ms"] is None:
        return "-"
    return f"{v['p50_ms']:.1f} / {v['p95_ms']:.1f} ({v['n']})"


def _ratio_pair(a: dict[str, Any], b: dict[str, Any]) -> str:
    if not (a["p50_ms"] and b["p50_ms"]):
        return ""
    return f"{a['p50_ms'] / b['p50_ms']:.2f}x / {a['p95_ms'] / b['p95_ms']:.2f}x"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--rate", type=float, default=5.0, help="new calls a second")
    p.add_argument("--seconds", type=float, default=40.0, help="placing calls, per side and round")
    p.add_argument("--max-open", type=int, default=300, help="calls in progress at most")
    p.add_argument("--talk", type=float, default=3.4, help="mean talk seconds")
    p.add_argument("--ring", type=float, default=0.3, help="seconds an agent's phone rings")
    p.add_argument("--key-after", type=float, default=1.0, help="seconds from answer to key")
    p.add_argument("--agents-per-phone", type=int, default=10)
    p.add_argument("--warmup", type=float, default=0.25, help="fraction of --seconds")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--sides", default="engine,app_queue", help="in this order, each round")
    p.add_argument("--base", help="also the engine of this git revision (side 'base', first)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--database-url", help="the engine sides' PostgreSQL server (superuser), "
                   "instead of the embedded one")  # fmt: skip
    p.add_argument(
        "--profile", type=Path, help="the engine's stacks sampled by py-spy under the load, "
        "collapsed, into this file (the last engine round's)",
    )  # fmt: skip
    a = p.parse_args()
    load = Load(a.agents, a.rate, a.seconds, a.max_open, a.talk, a.ring, a.key_after,
                a.agents_per_phone, a.warmup)  # fmt: skip
    names = a.sides.split(",")
    if a.base and "base" not in names:
        names.insert(0, "base")
    with port_lock(), tempfile.TemporaryDirectory(prefix="centralino-load-") as tmp:
        work = Path(tmp)
        config = work / "center.yaml"
        config.write_text(center_yaml(load))
        cfg = load_config(config)
        db = ServerPostgres(a.database_url) if a.database_url else EmbeddedPostgres(work / "db")
        sides = {n: _side(n, cfg, config, work, db, a.base) for n in names}
        runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        pooled = {n: Latencies() for n in names}
        try:
            for _ in range(a.rounds):
                for name in names:
                    print(f"load: {name} ...", file=sys.stderr, flush=True)
                    figures, lat = run_side(sides[name], load, cfg, a.profile)
                    runs[name].append(figures)
                    pooled[name].add(lat)
        finally:
            db.stop()
            shutil.rmtree(Asterisk(cfg, work / "data").paths.host_base, ignore_errors=True)
    result = {n: merged(runs[n]) for n in names}
    lats = {n: summary(pooled[n]) for n in names}
    pairs = _pairs(names)
    print(report(load, result, lats, pairs))
    if a.json:
        print(json.dumps({"load": dataclasses.asdict(load), "base": a.base, "sides": result,
                          "latencies": lats}))  # fmt: skip
    return 0


def _side(
    name: str, cfg: CenterConfig, config: Path, work: Path,
    db: EmbeddedPostgres | ServerPostgres, base: str | None,
) -> Side:  # fmt: skip
    if name == "app_queue":
        return AppQueueSide(cfg, work)
    if name == "engine":
        return EngineSide(cfg, config, work, db)
    if name == "base" and base:
        return EngineSide(cfg, config, work, db, "base", checkout(base, work / "base"))
    raise SystemExit(f"no side {name!r}: engine, app_queue, base (with --base)")


def checkout(revision: str, into: Path) -> Path:
    """The files of ``revision`` of this repository (git archive), for --base."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=HERE, check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    """Each engine against app_queue, and this engine against the base."""
    pairs = [(n, "app_queue") for n in names if n != "app_queue" and "app_queue" in names]
    return pairs + ([("engine", "base")] if {"engine", "base"} <= set(names) else [])


if __name__ == "__main__":
    raise SystemExit(main())
