"""The kiosk's live feed (``acd.web.kiosk.KioskFeed``) on the real core: its call's place
and wait while it waits, ringing, then talking once bridged (out of its queue), nothing once
over; another kiosk's call is not its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from acd.config import load_config
from acd.config.rules import build_engine
from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import Engine
from acd.web.kiosk import KioskFeed, KioskSetup, service_entry

CFG = load_config(Path(__file__).parents[2] / "e2e" / "kiosk.yaml")
T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


def kiosk_call(engine: Engine, call_id: str, kiosk: str, at: datetime) -> list[c.Command]:
    out = engine.handle(e.CallArrived(call_id, f"PJSIP/kiosk-{kiosk}-0001", f"kiosk:{kiosk}",
                                      "urp"), at)  # fmt: skip
    return out + engine.handle(e.CallerEntered(call_id, "urp", (), 0, "video", "it"), at)


def test_the_feed_follows_the_kiosks_own_call_from_its_place_in_line_to_the_agent() -> None:
    engine = build_engine(CFG, "r")
    engine.handle(e.PhoneRegistered("agent6", "agent6-web"), T0)
    engine.handle(e.AgentLoggedIn("agent6"), T0)
    feed, other = KioskFeed("q1-centro", "video"), KioskFeed("q2-crocetta", "video")
    assert feed(engine.view()) == {"in_service": True, "call": None}
    kiosk_call(engine, "c1", "q1-centro", T0)
    shown = feed(engine.view())["call"]
    assert (shown["stage"], shown["position"], shown["ringing"], shown["voice"]) == (
        "waiting", 1, False, False)  # fmt: skip
    assert "id" not in shown  # the kiosk is never told a call id
    assert other(engine.view())["call"] is None
    ring = next(cmd for cmd in engine.handle(e.AgentWentReady("agent6"), T0 + timedelta(seconds=5))
                if isinstance(cmd, c.RingAgent))  # fmt: skip
    assert feed(engine.view())["call"]["ringing"]
    engine.handle(e.AgentAnswered(ring.ring_id), T0 + timedelta(seconds=7))
    engine.handle(e.Bridged("c1"), T0 + timedelta(seconds=7))
    assert feed(engine.view())["call"]["stage"] == "talking"
    engine.handle(e.HungUp("c1"), T0 + timedelta(seconds=60))
    assert feed(engine.view())["call"] is None


def test_a_service_shows_its_opening_hours_and_whether_it_is_open() -> None:
    setup = KioskSetup(CFG.kiosks, {"anagrafe": "Anagrafe"},
                       {"anagrafe": {"mon": ("08:30-13:00",), "fri": ("08:30-12:00",)}},
                       lambda service: False, {})  # fmt: skip
    assert service_entry(setup, "anagrafe") == {
        "id": "anagrafe", "name": "Anagrafe", "open": False,
        "hours": [{"day": "mon", "times": ["08:30-13:00"]},
                  {"day": "fri", "times": ["08:30-12:00"]}],
    }  # fmt: skip
