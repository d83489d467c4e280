"""The screen pop's words for the IVR walk and the act looked up, from saved steps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from acd.config import load_config
from acd.core.callback import CallbackOrigin, CallbackState
from acd.core.view import CallbackView, CallStage, CallView
from acd.screen_pop import ivr_words, kiosk_of_call, looked_up_act, screen_pop
from acd.store.desk import IvrStep
from tests.unit.test_config import SAMPLE as EXAMPLE


def test_the_path_is_the_labelled_menus_then_the_service() -> None:
    cfg = load_config(EXAMPLE)
    services = cfg.ivr["main"].nodes["services"]
    labelled = services.model_copy(update={"label": "Servizi del Comune"})
    nodes = {**cfg.ivr["main"].nodes, "services": labelled}
    tree = cfg.ivr["main"].model_copy(update={"nodes": nodes})
    cfg = cfg.model_copy(update={"ivr": {**cfg.ivr, "main": tree}})
    steps = [IvrStep("main", "welcome", "", ""), IvrStep("main", "services", "2", "")]
    assert ivr_words(cfg, steps, "informagiovani") == ["Servizi del Comune", "Informagiovani"]
    assert ivr_words(cfg, [], "urp") == [cfg.services["urp"].name]
    assert ivr_words(cfg, [IvrStep("gone", "x", "1", "")], None) == []


def test_the_act_keyed_and_what_the_lookup_found() -> None:
    cfg = load_config(EXAMPLE)
    steps = [IvrStep("acts", "act-number", "12345", ""), IvrStep("acts", "find-act", "", "found")]
    assert looked_up_act(cfg, steps) == {"number": "12345", "result": "found"}
    assert looked_up_act(cfg, steps[:1]) is None


def test_a_kiosks_call_shows_the_place_of_its_totem() -> None:
    kiosks = load_config(Path(__file__).parents[1] / "e2e" / "kiosk.yaml")
    assert kiosk_of_call(kiosks, "kiosk:q2-crocetta") == {
        "id": "q2-crocetta", "place": "Quartiere 2 - Crocetta"}  # fmt: skip
    for caller in ("kiosk:q9-nowhere", "3335550001", ""):
        assert kiosk_of_call(kiosks, caller) is None


class _Store:
    """The desk store's two reads a screen pop makes, with a past contact for anybody."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def ivr_walk(self, call_id: str) -> tuple[str, list[IvrStep]]:
        return "", []

    async def last_contacts(self, number: str, call_id: str) -> list[object]:
        self.asked.append(number)
        raise AssertionError("a totem's earlier visitors are not this caller's past")


def test_a_kiosks_call_lists_no_earlier_contacts_which_were_other_visitors() -> None:
    cfg = load_config(Path(__file__).parents[1] / "e2e" / "kiosk.yaml")
    at = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    call = CallView("k.1", "PJSIP/kiosk-q2-crocetta-1", "kiosk:q2-crocetta", "urp",
                    CallStage.RINGING, at, "urp", ("urp",), (), "it", 0.0, (), at,
                    None, None, 0, "agent1", None, False, "video")  # fmt: skip
    store = _Store()
    pop = asyncio.run(screen_pop(call, cfg, store, at))  # type: ignore[arg-type]
    assert pop["last_contacts"] == []
    assert store.asked == []
    assert pop["kiosk"] == {"id": "q2-crocetta", "place": "Quartiere 2 - Crocetta"}
    assert pop["caller"] == "kiosk:q2-crocetta"


def _called_back(origin: CallbackOrigin, requested_at: datetime, entered: datetime) -> CallView:
    callback = CallbackView("3331234567", CallbackState.RINGING, 0, None, "agent1",
                            requested_at, origin)  # fmt: skip
    return CallView("c.1", "", "3331234567", "0590000000", CallStage.RINGING, entered, "urp",
                    ("urp",), (), "it", 0.0, (), entered, None, None, 0, "agent1", None, False,
                    callback=callback)  # fmt: skip


def test_only_a_kept_place_shows_the_wait_on_the_line_before_the_request() -> None:
    """A kept place: its caller waited from its entry to the request. A scheduled callback
    enters its queue at its time, after the request (the wait would be negative), and a
    voice message's was asked by the agent (no caller on the line): neither has one."""
    cfg = load_config(EXAMPLE)
    entered = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    later, earlier = entered + timedelta(seconds=95), entered - timedelta(hours=22)
    cases = [(CallbackOrigin.QUEUE, later, 95), (CallbackOrigin.IVR, earlier, None),
             (CallbackOrigin.WEB, earlier, None), (CallbackOrigin.AGENT, later, None)]  # fmt: skip
    for origin, requested_at, shown in cases:
        call = _called_back(origin, requested_at, entered)
        pop = asyncio.run(screen_pop(call, cfg, _Past(), entered + timedelta(hours=1)))  # type: ignore[arg-type]
        assert pop["callback"]["waited_on_line_seconds"] == shown, origin
        assert pop["callback"]["number"] == "3331234567"


class _Past:
    async def ivr_walk(self, call_id: str) -> tuple[str, list[IvrStep]]:
        return "", []

    async def last_contacts(self, number: str, call_id: str) -> list[object]:
        return []
