"""A kiosk's call entering the engine (FastAGI ``kiosk``): who may call what and when, and a
call admitted reaches the core's queue with its origin and the video requirement."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from acd.config import load_config
from acd.config.rules import build_engine
from acd.core import commands as c
from acd.core import events as e
from acd.kiosk_entry import Admitted, KioskEntry, Refusal, admit, kiosk_of, opening_hours

CFG = load_config(Path(__file__).parents[1] / "e2e" / "kiosk.yaml")
MONDAY_10 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)  # 10:00 in Rome: the anagrafe is open
MONDAY_15 = datetime(2026, 12, 14, 14, 0, tzinfo=UTC)  # 15:00: it is closed
Q1 = "PJSIP/kiosk-q1-centro-0000002a"


class FakeSession:
    def __init__(self, channel: str, extension: str) -> None:
        self.headers = {"agi_uniqueid": "1700000000.7", "agi_channel": channel,
                        "agi_extension": extension}  # fmt: skip
        self.variables: dict[str, str] = {}

    async def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value


def test_the_kiosk_is_the_endpoint_asterisk_named_the_channel_after() -> None:
    assert kiosk_of(CFG.kiosks, Q1) == CFG.kiosks.kiosk("q1-centro")
    for channel in ("PJSIP/agent6-web-00000001", "PJSIP/kiosk-q9-nowhere-00000001",
                    "PJSIP/kiosk-q1-centro", "SIP/kiosk-q1-centro-0000002a", ""):  # fmt: skip
        assert kiosk_of(CFG.kiosks, channel) is None, channel


def test_only_a_known_kiosk_calls_a_service_it_offers_while_open() -> None:
    open_at_10 = opening_hours(CFG, lambda: MONDAY_10)
    open_at_15 = opening_hours(CFG, lambda: MONDAY_15)
    q1 = CFG.kiosks.kiosk("q1-centro")
    assert q1 is not None
    assert admit(CFG.kiosks, Q1, "anagrafe", open_at_10) == Admitted(q1, "anagrafe")
    assert admit(CFG.kiosks, Q1, "anagrafe", open_at_15) is Refusal.CLOSED
    assert admit(CFG.kiosks, Q1, "urp", open_at_15) == Admitted(q1, "urp")  # no hours: open
    q2 = "PJSIP/kiosk-q2-crocetta-00000001"
    assert admit(CFG.kiosks, q2, "anagrafe", open_at_10) is Refusal.NOT_OFFERED
    assert admit(CFG.kiosks, "PJSIP/agent6-web-00000001", "urp", open_at_10) is (
        Refusal.UNKNOWN_KIOSK)  # fmt: skip


def entry(events: list[e.Event], at: datetime) -> KioskEntry:
    return KioskEntry(CFG.kiosks, opening_hours(CFG, lambda: at), events.append, lambda: at, "it")


def test_an_admitted_call_queues_with_its_origin_and_rings_only_a_video_agent() -> None:
    events: list[e.Event] = []
    session = FakeSession(Q1, "urp")
    assert isinstance(asyncio.run(entry(events, MONDAY_10).serve(session)), Admitted)
    assert session.variables == {
        "CENTRALINO_SERVICE": "urp", "CENTRALINO_PRIORITY": "0",
        "CENTRALINO_REQUIREMENT": "video", "CENTRALINO_QUEUED": "1",
        "CENTRALINO_REQUIREMENT_SECONDS": "30",
        "CENTRALINO_ENTERED": f"{MONDAY_10.timestamp():.3f}",
    }  # fmt: skip
    engine = build_engine(CFG, "r")
    for agent in ("agent7", "agent6"):  # agent7, without video, has waited longer
        engine.handle(e.PhoneRegistered(agent, f"{agent}-web"), MONDAY_10)
        engine.handle(e.AgentLoggedIn(agent), MONDAY_10)
        engine.handle(e.AgentWentReady(agent), MONDAY_10)
    commands = [cmd for ev in events for cmd in engine.handle(ev, MONDAY_10)]
    rings = [cmd for cmd in commands if isinstance(cmd, c.RingAgent)]
    assert [r.agent_id for r in rings] == ["agent6"]
    call = engine.call_view("1700000000.7")
    assert call is not None
    assert (call.caller_number, call.service) == ("kiosk:q1-centro", "urp")


def test_a_refused_call_reports_nothing_and_says_why_on_the_channel() -> None:
    events: list[e.Event] = []
    session = FakeSession(Q1, "anagrafe")
    assert asyncio.run(entry(events, MONDAY_15).serve(session)) is Refusal.CLOSED
    assert events == []
    assert session.variables == {"CENTRALINO_REFUSED": "service-closed"}
