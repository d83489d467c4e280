"""What ``bench/load.py`` measures from outside: Asterisk's own AMI events, timestamped by
Asterisk, read by a listener of the benchmark's own, and turned into latencies per call.

The listener logs in as an AMI user the benchmark adds to the instance (``manager_section``)
and keeps only the events below, each with Asterisk's ``Timestamp`` header (manager.conf
``timestampevents``: the time Asterisk wrote the event, to the microsecond), so neither the
listener's own delays nor the machine's load on it count. The same events come from the
engine's calls and from app_queue's, so both are measured the same way:

    caller leg   Newchannel, DTMFEnd (the key that picks a service: queue entry),
                 BridgeEnter, Hangup
    agent leg    Newchannel (the ring starts: the channel is made right before its
                 INVITE), Newstate Up (the agent answered), BridgeEnter, Hangup

A caller and its agent are paired by the bridge they both enter. Per answered call:

    entry to ring      agent leg made - the caller's key, when that agent was free at the
                       key (its previous leg had ended) and no caller who keyed earlier
                       was still waiting for a ring (the queue was empty)
    free to ring       agent leg made - the end of the same agent's previous leg, when
                       that ended after the caller's key (the caller was waiting for it)
    key to ring        agent leg made - the caller's key, every answered call (the whole
                       wait for an agent)
    answer to bridged  the later of the two BridgeEnter - the agent leg's answer
"""

from __future__ import annotations

import contextlib
import heapq
import math
import re
import socket
import statistics
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from acd.telephony.ami_framing import Framer, Refused

EVENTS = ("Newchannel", "Newstate", "DTMFEnd", "BridgeEnter", "Hangup")
AGENT_LEG = re.compile(r"^PJSIP/(agent\d+)-")
UP = "6"  # Newstate ChannelState: Up (answered)


def manager_section(user: str, secret: str) -> str:
    """manager.conf text that adds the benchmark's AMI user (read only, these events only)
    and Asterisk's timestamp on every event; appended to the rendered file."""
    filters = "".join(f"eventfilter(action(include),name({name})) =\n" for name in EVENTS)
    return (
        "\n; Added by bench/load.py for its own listener.\n[general](+)\n"
        "timestampevents = yes\n\n"
        f"[{user}]\nsecret = {secret}\ndeny = 0.0.0.0/0.0.0.0\n"
        f"permit = 127.0.0.1/255.255.255.255\nread = call,dtmf\nwrite =\n{filters}"
    )


@dataclass(frozen=True, slots=True)
class AmiEvent:
    at: float  # Asterisk's Timestamp, seconds
    name: str
    uniqueid: str
    channel: str
    state: str = ""  # Newstate: ChannelState
    bridge: str = ""  # BridgeEnter: BridgeUniqueid
    received: bool = True  # DTMFEnd: Direction Received


def ami_event(headers: Mapping[str, str]) -> AmiEvent | None:
    name = headers.get("Event", "")
    if name not in EVENTS or "Timestamp" not in headers:
        return None
    return AmiEvent(
        float(headers["Timestamp"]), name, headers.get("Uniqueid", ""),
        headers.get("Channel", ""), headers.get("ChannelState", ""),
        headers.get("BridgeUniqueid", ""), headers.get("Direction", "Received") == "Received",
    )  # fmt: skip


class Listener:
    """A thread reading the AMI events as ``user`` on ``port`` until ``stop()``."""

    def __init__(self, port: int, user: str, secret: str) -> None:
        self.events: list[AmiEvent] = []
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._sock.sendall(
            f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\nEvents: on\r\n\r\n".encode()
        )
        self._logged_in = threading.Event()
        self._thread = threading.Thread(target=self._read, name="ami-listener", daemon=True)
        self._thread.start()
        if not self._logged_in.wait(10):
            self.stop()
            raise RuntimeError(f"the benchmark's AMI user could not log in on port {port}")

    def _read(self) -> None:
        framer = Framer()
        self._sock.settimeout(None)
        while chunk := _recv(self._sock):
            for frame in framer.feed(chunk.decode("utf-8", errors="replace")):
                if isinstance(frame, Refused):
                    continue
                headers = dict(frame)
                if headers.get("Response") == "Success":
                    self._logged_in.set()
                elif (event := ami_event(headers)) is not None:
                    self.events.append(event)

    def stop(self) -> list[AmiEvent]:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=10)
        return self.events


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


@dataclass(slots=True)
class Leg:
    uniqueid: str
    channel: str
    made: float
    key: float | None = None
    up: float | None = None
    bridged: float | None = None
    bridge: str = ""
    ended: float | None = None

    @property
    def agent(self) -> str | None:
        found = AGENT_LEG.match(self.channel)
        return found.group(1) if found else None


def legs_of(events: Iterable[AmiEvent]) -> dict[str, Leg]:
    legs: dict[str, Leg] = {}
    for ev in sorted(events, key=lambda ev: ev.at):
        if ev.name == "Newchannel":
            legs[ev.uniqueid] = Leg(ev.uniqueid, ev.channel, ev.at)
        elif (leg := legs.get(ev.uniqueid)) is not None:
            _apply(leg, ev)
    return legs


def _apply(leg: Leg, ev: AmiEvent) -> None:
    if ev.name == "DTMFEnd" and ev.received and leg.key is None:
        leg.key = ev.at
    elif ev.name == "Newstate" and ev.state == UP and leg.up is None:
        leg.up = ev.at
    elif ev.name == "BridgeEnter" and leg.bridged is None:
        leg.bridged, leg.bridge = ev.at, ev.bridge
    elif ev.name == "Hangup":
        leg.ended = ev.at


@dataclass
class Latencies:
    """Seconds, one value per answered call (see the module's docstring)."""

    entry_to_ring: list[float] = field(default_factory=list)
    free_to_ring: list[float] = field(default_factory=list)
    key_to_ring: list[float] = field(default_factory=list)
    answer_to_bridged: list[float] = field(default_factory=list)
    callers: int = 0  # caller legs that keyed a service
    answered: int = 0  # of them, bridged with an agent

    @property
    def unanswered(self) -> int:
        return self.callers - self.answered

    def add(self, other: Latencies) -> None:
        """Pool another run's calls into these."""
        self.entry_to_ring += other.entry_to_ring
        self.free_to_ring += other.free_to_ring
        self.key_to_ring += other.key_to_ring
        self.answer_to_bridged += other.answer_to_bridged
        self.callers += other.callers
        self.answered += other.answered


def latencies(events: Iterable[AmiEvent]) -> Latencies:
    legs = legs_of(events)
    agent_legs = sorted((leg for leg in legs.values() if leg.agent), key=lambda leg: leg.made)
    previous_end = _previous_ends(agent_legs)
    by_bridge: dict[str, list[Leg]] = defaultdict(list)
    for leg in legs.values():
        if leg.bridge:
            by_bridge[leg.bridge].append(leg)
    pairs = [p for p in map(_pair, by_bridge.values()) if p is not None]
    alone = _queue_empty_at_key(pairs, [leg for leg in legs.values() if leg.key is not None])
    out = Latencies(callers=sum(1 for leg in legs.values() if leg.key is not None))
    for caller, agent in pairs:
        _measure(caller, agent, previous_end.get(agent.uniqueid), caller.uniqueid in alone, out)
    return out


def _pair(legs: list[Leg]) -> tuple[Leg, Leg] | None:
    """The caller and the agent in one bridge (nothing else is bridged in the benchmark)."""
    callers = [leg for leg in legs if leg.agent is None and leg.key is not None]
    agents = [leg for leg in legs if leg.agent is not None]
    return (callers[0], agents[0]) if len(callers) == 1 and len(agents) == 1 else None


def _queue_empty_at_key(pairs: list[tuple[Leg, Leg]], callers: list[Leg]) -> set[str]:
    """The callers who keyed while every earlier caller had been rung already."""
    rung = {caller.uniqueid: agent.made for caller, agent in pairs}
    waiting: list[float] = []  # the rings (or ends) of earlier callers, soonest first
    alone = set()
    for caller in sorted(callers, key=lambda leg: leg.key or 0.0):
        assert caller.key is not None
        while waiting and waiting[0] <= caller.key:
            heapq.heappop(waiting)
        if not waiting:
            alone.add(caller.uniqueid)
        ring = rung.get(caller.uniqueid, caller.ended)
        heapq.heappush(waiting, ring if ring is not None else math.inf)
    return alone


def _previous_ends(agent_legs: list[Leg]) -> dict[str, float | None]:
    """For each agent leg, when the same agent's previous leg ended (None: its first)."""
    last: dict[str, float | None] = {}
    out: dict[str, float | None] = {}
    for leg in agent_legs:
        assert leg.agent is not None
        out[leg.uniqueid] = last.get(leg.agent)
        last[leg.agent] = leg.ended
    return out


def _measure(caller: Leg, agent: Leg, freed: float | None, alone: bool, out: Latencies) -> None:
    assert caller.key is not None
    out.answered += 1
    out.key_to_ring.append(agent.made - caller.key)
    if freed is not None and freed > caller.key:
        out.free_to_ring.append(agent.made - freed)
    elif alone:
        out.entry_to_ring.append(agent.made - caller.key)
    if agent.up is not None and caller.bridged is not None and agent.bridged is not None:
        out.answer_to_bridged.append(max(caller.bridged, agent.bridged) - agent.up)


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50, p95 (milliseconds) and how many values."""
    if len(values) < 2:
        only = values[0] * 1000 if values else None
        return {"p50_ms": only, "p95_ms": only, "n": len(values)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "n": len(values)}


def summary(lat: Latencies) -> dict[str, object]:
    return {
        "callers": lat.callers,
        "answered": lat.answered,
        "unanswered": lat.unanswered,
        "entry_to_ring": percentiles(lat.entry_to_ring),
        "answer_to_bridged": percentiles(lat.answer_to_bridged),
        "free_to_ring": percentiles(lat.free_to_ring),
        "key_to_ring": percentiles(lat.key_to_ring),
    }
