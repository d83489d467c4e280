"""The AMI framing's cost per event, this tree against another revision, in one run.

    python bench/ami_framing.py [--base REV] [--events 20000] [--rounds 5] [--json]

A call's events as the engine's AMI user receives them (manager.conf: Newchannel, the
agent's UserEvent, OriginateResponse, BridgeEnter twice, Hangup twice; every channel event
with the ten channelvars) are cut and checked by ``Framer.feed`` (``parse`` and its checks
of forged values), ``--events`` of them a round, in chunks of about 4 kB as a socket gives
them. Printed: the median over ``--rounds`` of the microseconds per event, for this tree
and, with ``--base``, for that revision's ``acd/telephony/ami_framing.py`` (loaded from git
beside it), and the ratio (below 1: this tree is faster). Both run in this process, one
round each in turn, so both see the same machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parents[1]
CHANNELVARS = (
    "CENTRALINO_CALL",
    "CENTRALINO_RING",
    "CENTRALINO_QUEUED",
    "CENTRALINO_DONE",
    "CENTRALINO_SERVICE",
    "CENTRALINO_PRIORITY",
    "CENTRALINO_REQUIREMENT",
    "CENTRALINO_ENTERED",
    "CENTRALINO_REQUIREMENT_SECONDS",
    "CENTRALINO_BOOST",
)


def channel(prefix: str, name: str, uniqueid: str, state: str = "6 Up") -> list[str]:
    """The channel block Asterisk writes (manager_channels.c), with its channelvars."""
    number, code = "3331234567", state.split()[0]
    return [
        f"{prefix}Channel: {name}",
        f"{prefix}ChannelState: {code}",
        f"{prefix}ChannelStateDesc: {state.split()[1]}",
        f"{prefix}CallerIDNum: {number}",
        f"{prefix}CallerIDName: {number}",
        f"{prefix}ConnectedLineNum: <unknown>",
        f"{prefix}ConnectedLineName: <unknown>",
        f"{prefix}Language: it",
        f"{prefix}AccountCode: ",
        f"{prefix}Context: centralino-citizens",
        f"{prefix}Exten: 0590000000",
        f"{prefix}Priority: 9",
        f"{prefix}Uniqueid: {uniqueid}",
        f"{prefix}Linkedid: {uniqueid}",
        *(f"ChanVariable: {v}=" for v in CHANNELVARS),
    ]


def call_events(n: int) -> list[str]:
    """The blocks of one call's events, ``n`` numbering its channels."""
    caller, agent = f"centralino-1796036862.{n}", f"cz51d9674b-{n}"
    head = "Privilege: call,all\r\nSystemName: centralino"

    def event(name: str, lines: list[str]) -> str:
        return "\r\n".join([f"Event: {name}", *head.split("\r\n"), *lines])

    bridge = [
        "BridgeUniqueid: 6b1f",
        "BridgeType: basic",
        "BridgeTechnology: simple_bridge",
        "BridgeCreator: <unknown>",
        "BridgeName: <unknown>",
        "BridgeNumChannels: 1",
        "BridgeVideoSourceMode: none",
    ]
    return [
        event("Newchannel", channel("", f"PJSIP/citizens-{n:08x}", caller, "0 Down")),
        event(
            "UserEvent",
            [
                *channel("", f"PJSIP/agent1-{n:08x}", agent),
                "UserEvent: CentralinoAgentAnswered",
                f"Ring: {agent}",
                f"Call: {caller}",
            ],
        ),
        "\r\n".join(
            [
                "Event: OriginateResponse",
                head,
                f"ActionID: centralino-ring/{agent}",
                "Response: Success",
                f"Channel: PJSIP/agent1-{n:08x}",
                "Context: centralino-connect",
                "Exten: s",
                "Reason: 4",
                f"Uniqueid: {agent}",
                "CallerIDNum: 3331234567",
                "CallerIDName: 3331234567",
            ]
        ),
        event("BridgeEnter", [*bridge, *channel("", f"PJSIP/citizens-{n:08x}", caller)]),
        event("BridgeEnter", [*bridge, *channel("", f"PJSIP/agent1-{n:08x}", agent)]),
        event(
            "Hangup",
            [
                *channel("", f"PJSIP/agent1-{n:08x}", agent),
                "Cause: 16",
                "Cause-txt: Normal Clearing",
            ],
        ),
        event(
            "Hangup",
            [
                *channel("", f"PJSIP/citizens-{n:08x}", caller),
                "Cause: 16",
                "Cause-txt: Normal Clearing",
            ],
        ),
    ]


def stream(events: int) -> list[str]:
    """The greeting and ``events`` events, in chunks of about 4 kB."""
    blocks: list[str] = []
    n = 0
    while len(blocks) < events:
        blocks.extend(call_events(n))
        n += 1
    text = "Asterisk Call Manager/9.0.0\r\n" + "".join(b + "\r\n\r\n" for b in blocks[:events])
    return [text[i : i + 4096] for i in range(0, len(text), 4096)]


def framing_of(revision: str) -> ModuleType:
    """``acd/telephony/ami_framing.py`` as it was at ``revision``, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:acd/telephony/ami_framing.py"],
        cwd=HERE,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="ami-framing-")) / "ami_framing_base.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("ami_framing_base", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def per_event_us(module: ModuleType, chunks: list[str], events: int) -> float:
    framer = module.Framer()
    started = time.perf_counter()
    got = sum(len(framer.feed(chunk)) for chunk in chunks)
    elapsed = time.perf_counter() - started
    assert got == events, (got, events)
    return elapsed / events * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a git revision to compare with")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from acd.telephony import ami_framing

    sides = {"tree": ami_framing}
    if args.base:
        sides["base"] = framing_of(args.base)
    chunks = stream(args.events)
    for module in sides.values():  # every event parses clean: nothing refused
        framer = module.Framer()
        parsed = [m for chunk in chunks[:40] for m in framer.feed(chunk)]
        assert not any(isinstance(m, module.Refused) for m in parsed), parsed
    runs: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(args.rounds):
        for side, module in sides.items():
            runs[side].append(per_event_us(module, chunks, args.events))
    figures = {f"{side}_us_per_event": round(statistics.median(r), 2) for side, r in runs.items()}
    if args.base:
        figures["ratio"] = round(figures["tree_us_per_event"] / figures["base_us_per_event"], 3)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:24} {value}")


if __name__ == "__main__":
    main()
