"""An extra requirement that holds for a time only (a kiosk's call: a video agent for
``voice_after_seconds``, then any agent of the service): the core drops it when its
``RequirementTimer`` fires, the call keeps its place, and its view says it is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from acd.config import load_config
from acd.config.rules import build_engine
from acd.core import commands as c
from acd.core import events as e
from acd.core.engine import Engine
from acd.core.timers import RequirementTimer

CFG = load_config(Path(__file__).parents[2] / "e2e" / "kiosk.yaml")  # agent6 video, agent7 not
T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def center(*ready: str) -> Engine:
    engine = build_engine(CFG, "r")
    for agent in ("agent6", "agent7"):
        engine.handle(e.PhoneRegistered(agent, f"{agent}-web"), T0)
        engine.handle(e.AgentLoggedIn(agent), T0)
        if agent in ready:
            engine.handle(e.AgentWentReady(agent), T0)
    return engine


def kiosk_call(engine: Engine, seconds: float | None = 30) -> list[c.Command]:
    out = engine.handle(e.CallArrived("k1", "PJSIP/kiosk-q1-centro-0001", "kiosk:q1-centro",
                                      "urp"), T0)  # fmt: skip
    entered = e.CallerEntered("k1", "urp", (), 0, "video", "it", requirement_seconds=seconds)
    return out + engine.handle(entered, T0)


def rung(commands: list[c.Command]) -> list[str]:
    return [cmd.agent_id for cmd in commands if isinstance(cmd, c.RingAgent)]


def test_a_voice_agent_gets_the_call_only_once_the_video_requirement_has_held_its_time() -> None:
    engine = center("agent7")  # the video agent is not ready: only a voice agent is
    out = kiosk_call(engine)
    assert rung(out) == []
    assert c.StartTimer(RequirementTimer("k1"), at(30)) in out
    view = engine.call_view("k1")
    assert view is not None
    assert (view.requirement, view.position) == ("video", 1)
    out = engine.handle(e.TimerFired(RequirementTimer("k1")), at(30))
    assert rung(out) == ["agent7"]
    view = engine.call_view("k1")
    assert view is not None
    assert view.requirement == ""  # the kiosk's feed reads it: the call turned voice


def test_a_video_agent_free_in_time_takes_it_and_the_timer_is_cancelled() -> None:
    engine = center()
    kiosk_call(engine)
    (ring,) = [cmd for cmd in engine.handle(e.AgentWentReady("agent6"), at(10))
               if isinstance(cmd, c.RingAgent)]  # fmt: skip
    engine.handle(e.AgentAnswered(ring.ring_id), at(12))
    out = engine.handle(e.Bridged("k1"), at(12))
    assert c.CancelTimer(RequirementTimer("k1")) in out


def test_dropped_while_a_video_agent_rings_it_waits_for_anyone_if_that_ring_fails() -> None:
    engine = center("agent6")
    (ring,) = [cmd for cmd in kiosk_call(engine) if isinstance(cmd, c.RingAgent)]
    assert engine.handle(e.TimerFired(RequirementTimer("k1")), at(30)) == []
    engine.handle(e.AgentWentReady("agent7"), at(31))  # (the call is ringing: not offered)
    out = engine.handle(e.RingFailed(ring.ring_id, "no answer"), at(35))
    assert rung(out) == ["agent7"]


def test_without_a_time_the_requirement_holds_and_no_timer_starts() -> None:
    engine = center("agent7")
    out = kiosk_call(engine, seconds=None)
    assert not any(isinstance(cmd, c.StartTimer) and isinstance(cmd.key, RequirementTimer)
                   for cmd in out)  # fmt: skip
    view = engine.call_view("k1")
    assert view is not None
    assert view.requirement == "video"


def test_after_a_restart_past_its_time_the_call_is_taken_back_without_it() -> None:
    engine = center("agent7")
    resumed = e.CallerResumed("k1", "PJSIP/kiosk-q1-centro-0001", "kiosk:q1-centro", "urp",
                              "urp", T0, requirement="video", requirement_seconds=30)  # fmt: skip
    out = engine.handle(resumed, at(45))
    assert rung(out) == ["agent7"]
    engine = center("agent7")
    out = engine.handle(resumed, at(10))
    assert rung(out) == []
    assert c.StartTimer(RequirementTimer("k1"), at(30)) in out
