"""The runner over a hand-written AGI session: what it sends, reports and records."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from acd.config import CenterConfig
from acd.core import events as e
from acd.core.callback import CallbackOrigin, CallbackRules
from acd.core.callbacks import AlreadyPending, NoCallbackHere
from acd.ivr_ports import CoreReports, CoreScheduler, callback_dialable
from acd.telephony.agi import parse_reply
from acd.telephony.outbound import OutboundPolicy
from ivr.runner import IvrPorts, IvrRunner, KeptMessage
from ivr.walk import SavedWalk
from tests.unit.ivr.helpers import CFG, MONDAY_10


class Gone(Exception):
    """Stands for acd.telephony.errors.ChannelGone."""


@dataclass
class FakeSession:
    """Answers GET DATA / STREAM FILE from a script of keys; ``None`` in it: caller hangs up."""

    keys: Iterator[str | None]
    headers: dict[str, str] = field(
        default_factory=lambda: {"agi_uniqueid": "c1", "agi_channel": "PJSIP/citizens-1",
                                 "agi_callerid": "333", "agi_dnid": "0590000000"}
    )  # fmt: skip
    sent: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)  # every SET VARIABLE
    recorded: str = "200 result=35 (dtmf) endpos=24000"  # how RECORD FILE ends: '#' here

    def _key(self) -> str:
        key = next(self.keys, "")
        if key is None:
            raise Gone("caller hung up")
        return key

    async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
        self.sent.append(f"STREAM {file}")
        return self._key() or None

    async def get_data(self, file: str, timeout_ms: int, max_digits: int) -> str:
        self.sent.append(f"GET DATA {file} {timeout_ms} {max_digits}")
        return self._key()

    async def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.history.append((name, value))

    async def set_variables(self, pairs: Sequence[tuple[str, str]]) -> None:
        for name, value in pairs:
            self.variables[name] = value
            self.history.append((name, value))

    async def get_variable(self, name: str) -> str | None:
        return self._key()

    async def set_language(self, language: str) -> None:
        self.sent.append(f"LANGUAGE {language}")

    async def command(self, text: str, timeout: float | None = None) -> Any:
        self.sent.append(text)
        return parse_reply(self.recorded if text.startswith("RECORD FILE") else "200 result=0")

    async def exec(self, app: str, args: str = "", timeout: float | None = None) -> Any:
        self.sent.append(f"EXEC {app} {args}")


def serve(
    keys: list[str | None],
    recorded: str = FakeSession.recorded,
    cfg: CenterConfig = CFG,
    **ports: Any,
) -> tuple[FakeSession, list[e.Event], list[SavedWalk]]:
    reported: list[e.Event] = []
    walks: list[SavedWalk] = []
    ports = {"save_walk": walks.append, **ports}
    runner = IvrRunner(
        cfg, IvrPorts(CoreReports(reported.append), sound, lambda: MONDAY_10, **ports)
    )
    session = FakeSession(iter(keys), recorded=recorded)
    asyncio.run(runner.serve(session, Gone))
    return session, reported, walks


def sound(lang: str, prompt: str) -> str:
    return f"/s/{lang}/{prompt}"


def test_queued_caller_in_english_is_reported_with_language_and_path() -> None:
    session, reported, walks = serve(["", "9", "1"])
    assert session.sent[:3] == ["STREAM /s/it/welcome", "GET DATA /s/it/menu 4000 1",
                                "LANGUAGE en"]  # fmt: skip
    assert session.sent[3] == "GET DATA /s/en/menu 4000 1"
    assert session.variables == {  # what a restarted engine reads to take the caller back
        "CENTRALINO_DEFAULT_SERVICE": "urp",  # (the main tree's: the first service)
        "CENTRALINO_SERVICE": "urp", "CENTRALINO_PRIORITY": "3",
        "CENTRALINO_REQUIREMENT": "urp >= 1",
        "CENTRALINO_ENTERED": f"{MONDAY_10.timestamp():.3f}", "CENTRALINO_QUEUED": "1",
    }  # fmt: skip
    assert list(session.variables)[-1] == "CENTRALINO_QUEUED"  # last: the others are there
    assert reported[0] == e.CallArrived("c1", "PJSIP/citizens-1", "333", "0590000000")
    assert reported[1] == e.CallerEntered("c1", "urp", ("9", "1"), 3, "urp >= 1", "en")
    (walk,) = walks
    assert (walk.outcome, walk.left_at, walk.language) == ("queued", "queue", "en")
    assert [v.node for v in walk.visits] == ["welcome", "hours", "menu", "english", "menu", "queue"]


def test_hang_up_mid_menu_is_reported_and_recorded_where_it_happened() -> None:
    _, reported, walks = serve(["", "7", None])
    assert reported[-1] == e.IvrLeft("c1", (), "ivr-hangup")
    assert (walks[0].outcome, walks[0].left_at) == ("ivr-hangup", "menu")


def test_transfer_sets_the_number_for_the_dialplan() -> None:
    session, reported, _walks = serve(["4"])
    assert session.variables["CENTRALINO_TRANSFER"] == "0592032000"
    assert reported[-1] == e.IvrLeft("c1", ("4",), "transferred")


def test_lookup_and_say_use_the_ports() -> None:
    async def lookup(query: str, key: str) -> dict[str, str] | None:
        return {"act_number": key} if key == "123456" else None

    session, reported, _walks = serve(["", "2", "123456"], lookup=lookup, estimate=lambda s: 90)
    assert "STREAM /s/it/found" in session.sent
    assert any(c.startswith('SAY DATETIME 1796284800 "" "AdB \'digits/at\' HM" Europe/Rome')
               for c in session.sent), session.sent  # fmt: skip
    assert 'SAY NUMBER 123456 ""' in session.sent
    assert reported[-1] == e.IvrLeft("c1", ("2",), "self-service")
    session, _, _ = serve(["", "5"], estimate=lambda s: 90)
    assert session.sent[2] == "STREAM /s/it/announce/wait-about-2"  # "circa due minuti"


def test_a_failing_lookup_is_not_found() -> None:
    async def lookup(query: str, key: str) -> dict[str, str] | None:
        raise OSError("database away")

    session, _, walks = serve(["", "2", "123456"], lookup=lookup)
    assert "STREAM /s/it/missing" in session.sent
    assert walks[0].visits[-3].result == "not-found"


@dataclass
class FakeMessageBox:
    kept: list[tuple[str, str, str]] = field(default_factory=list)
    messages: list[KeptMessage] = field(default_factory=list)

    def path(self, name: str) -> str:
        return f"/spool/{name}"

    async def keep(self, message: KeptMessage) -> None:
        self.kept.append((message.call_id, message.caller, message.name))
        self.messages.append(message)


def test_voice_message_is_recorded_heard_back_and_kept() -> None:
    box = FakeMessageBox()
    session, _, walks = serve(["", "3", "", "", "1"], messages=box)
    assert 'RECORD FILE "/spool/c1-1" wav "#" 30000 0 BEEP s=5' in session.sent
    assert "STREAM /spool/c1-1" in session.sent  # heard back before confirming
    assert box.kept == [("c1", "333", "c1-1")]
    [kept] = box.messages  # for the tree's default service (the node names none), its keys
    assert (kept.service, kept.ivr_path, kept.language) == ("urp", ("3",), "it")
    assert walks[0].outcome == "closed"  # the tree's goodbye after the message
    session, _, _ = serve(["", "3"])  # no message box: nothing recorded, the call goes on
    assert not any(c.startswith("RECORD") for c in session.sent)


def test_a_message_node_names_the_service_whose_agents_work_it() -> None:
    main = CFG.ivr["main"]
    node = main.nodes["message"].model_copy(update={"service": "other"})
    tree = main.model_copy(update={"nodes": {**main.nodes, "message": node}})
    services = {**CFG.services, "other": CFG.services["urp"]}
    cfg = CFG.model_copy(update={"ivr": {**CFG.ivr, "main": tree}, "services": services})
    box = FakeMessageBox()
    serve(["", "3", "", "", "1"], cfg=cfg, messages=box)
    assert [m.service for m in box.messages] == ["other"]


def test_a_caller_hanging_up_during_the_recording_keeps_the_message() -> None:
    box = FakeMessageBox()
    hung_up = "200 result=-1 (hangup) endpos=40000"
    _, reported, walks = serve(["", "3", ""], recorded=hung_up, messages=box)
    assert box.kept == [("c1", "333", "c1-1")]  # kept at once: no confirmation to wait for
    assert reported[-1] == e.IvrLeft("c1", ("3",), "ivr-hangup")
    assert (walks[0].left_at, walks[0].visits[-1].result) == ("message", "saved")


@pytest.mark.parametrize(
    "recorded", ["200 result=-1 (writefile)", "200 result=35 (randomerror) endpos=0"]
)
def test_a_recording_that_never_started_is_not_kept(recorded: str) -> None:
    box = FakeMessageBox()  # the file could not be opened; '#' pressed during the beep
    session, _, walks = serve(["", "3", ""], recorded=recorded, messages=box)
    assert box.kept == []
    assert not any(c.startswith("STREAM /spool") for c in session.sent)
    assert walks[0].visits[-2].result == "empty"  # the flow went on to the goodbye


def test_the_default_service_of_the_tree_walked_is_on_the_channel() -> None:
    """Should the engine go away mid-walk, the dialplan queues the caller there."""
    acts = CFG.ivr["acts"].model_copy(update={"default_service": "desk"})
    services = {**CFG.services, "desk": CFG.services["urp"]}
    cfg = CFG.model_copy(update={"ivr": {**CFG.ivr, "acts": acts}, "services": services})
    session, _, _ = serve(["", "2", None], cfg=cfg)  # into the acts tree, then hangs up
    defaults = [v for name, v in session.history if name == "CENTRALINO_DEFAULT_SERVICE"]
    assert defaults == ["urp", "desk"]  # set once per change, before the caller waits
    assert session.sent[0] == "STREAM /s/it/welcome"


def test_the_first_command_marks_the_channel_with_the_default_service() -> None:
    """The composition root's marks (CENTRALINO_ENGINE: the dialplan's fallback is off)
    and the entry tree's default service, in one round trip before the first prompt."""
    order: list[str] = []

    class Recording(FakeSession):
        async def set_variables(self, pairs: Sequence[tuple[str, str]]) -> None:
            order.append(f"MSET {', '.join(f'{n}={v}' for n, v in pairs)}")
            await super().set_variables(pairs)

        async def stream_file(self, file: str, escape_digits: str = "") -> str | None:
            order.append(f"STREAM {file}")
            return await super().stream_file(file, escape_digits)

    runner = IvrRunner(CFG, IvrPorts(CoreReports(lambda ev: None), sound, lambda: MONDAY_10))
    session = Recording(iter(["", None]))
    asyncio.run(runner.serve(session, Gone, marks=(("CENTRALINO_ENGINE", "1"),)))
    assert order[:2] == [
        "MSET CENTRALINO_ENGINE=1, CENTRALINO_DEFAULT_SERVICE=urp",
        "STREAM /s/it/welcome",
    ]
    assert [n for n, _ in session.history].count("CENTRALINO_DEFAULT_SERVICE") == 1


def test_a_voicemail_session_sets_no_default_service() -> None:
    session = FakeSession(iter([]), headers={"agi_uniqueid": "c1", "agi_arg_1": "record",
                                             "agi_arg_2": "30"})  # fmt: skip
    runner = IvrRunner(CFG, IvrPorts(CoreReports(lambda ev: None), sound, lambda: MONDAY_10))
    asyncio.run(runner.serve_voicemail(session, Gone))
    assert "CENTRALINO_DEFAULT_SERVICE" not in session.variables


SHIFT = timedelta(hours=2)  # the IVR's clock two hours ahead (CENTRALINO_FAKE_NOW)
TOMORROW_0830 = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


def book(keys: list[str | None], refusal: Exception | None = None) -> tuple[
    FakeSession, list[e.Event], list[e.Event]]:  # fmt: skip
    """Key 6 of the menu: a callback booked through the ports as the engine has them."""
    reported: list[e.Event] = []
    asked: list[e.Event] = []

    async def request(event: e.Event) -> list[Any]:
        asked.append(event)
        if refusal is not None:
            raise refusal
        return []

    dialable = callback_dialable({"urp": CallbackRules("citizens"), "acts": None},
                                 OutboundPolicy.of({"citizens": ["3[0-9]{8,9}"]}))  # fmt: skip
    ports = IvrPorts(CoreReports(reported.append), sound, lambda: MONDAY_10,
                     callbacks=CoreScheduler(request, SHIFT), dialable=dialable)  # fmt: skip
    session = FakeSession(iter(keys))
    session.headers["agi_callerid"] = "3331234567"
    asyncio.run(IvrRunner(CFG, ports).serve(session, Gone))
    return session, reported, asked


def test_a_callback_booked_in_the_ivr_reaches_the_core_on_the_engines_clock() -> None:
    # welcome, menu 6, the intro and three slot phrases, key 2, the number read, confirmed
    session, reported, asked = book(["", "6", "", "", "", "", "2", "", "1"])
    assert asked == [e.CallbackScheduled("sched-c1", "urp", "3331234567", TOMORROW_0830 - SHIFT,
                                         CallbackOrigin.IVR, "it", ivr_path=("6",))]  # fmt: skip
    assert 'SAY DIGITS 3331234567 ""' in session.sent
    assert session.sent[-1] == "STREAM /s/it/schedule/booked"
    assert session.variables["CENTRALINO_DONE"] == "1"  # the dialplan hangs up
    assert reported[-1] == e.IvrLeft("c1", ("6",), "callback-scheduled")


def test_a_booking_the_core_refuses_is_said_and_nothing_else_is_asked() -> None:
    first = AlreadyPending("a callback to that number is pending in urp", "sched-c0")
    session, reported, asked = book(["", "6", "1", "", "1"], first)
    assert len(asked) == 1
    assert "STREAM /s/it/schedule/already-booked" in session.sent
    assert reported[-1] == e.CallerEntered("c1", "urp", ("6",), 3, "urp >= 1", "it")
    _, reported, _ = book(["", "6", "1", "", "1"], NoCallbackHere("no"))
    assert isinstance(reported[-1], e.CallerEntered)  # "not booked", then the fallback
