"""The supervisors' page of voice messages (acd.web.voice_message_page) on a real aiohttp
server and the sample city's engine: the filters and their refusals, each message's state
(waiting, worked now by an agent, handled, empty), numbers masked for a supervisor, the
recording served to a supervisor as audio/wav with each listening audited, and who may
use the routes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from acd.audit import MemoryAudit
from acd.privacy.numbers import masked
from acd.runtime import Runtime
from acd.store.ivr import StoredVoiceMessage
from acd.web.voice_message_page import DAYS, BadFilter, Filters, duration_of, filters_of
from tests.unit.core.helpers import T0
from tests.unit.web.test_supervision import Client, Telephony, actions, call, run
from tests.unit.web.test_voice_messages_web import NUMBER, Recordings, recording, working

SERVICES = {"urp": object(), "anagrafe": object()}


def test_the_filters_default_to_a_week_of_every_service_and_state() -> None:
    assert filters_of({}, SERVICES) == Filters(DAYS, "", "")
    assert filters_of({"days": " 90 ", "service": "urp", "state": "worked"}, SERVICES) == (
        Filters(90, "urp", "worked"))  # fmt: skip


@pytest.mark.parametrize(
    ("query", "code"),
    [({"days": "0"}, "bad-days"), ({"days": "91"}, "bad-days"), ({"days": "sette"}, "bad-days"),
     ({"days": "-3"}, "bad-days"), ({"days": "7.5"}, "bad-days"),
     ({"service": "pizzeria"}, "unknown-service"), ({"state": "lost"}, "bad-state")],
)  # fmt: skip
def test_a_bad_filter_is_a_400_that_names_it(query: dict[str, str], code: str) -> None:
    with pytest.raises(BadFilter) as refused:
        filters_of(query, SERVICES)
    assert (refused.value.status, refused.value.code) == (400, code)


def test_the_length_is_read_from_the_recordings_header(tmp_path: Path) -> None:
    recording(tmp_path / "a.wav")  # one second at 8 kHz
    (tmp_path / "b.wav").write_bytes(b"not a wav")
    assert duration_of(str(tmp_path / "a.wav")) == 1.0
    assert [duration_of(f) for f in ("", str(tmp_path / "b.wav"), str(tmp_path / "c.wav"))] == [
        None, None, None]  # fmt: skip


def stored(name: str, file: str, minutes: int, service: str = "urp") -> StoredVoiceMessage:
    return StoredVoiceMessage(name, name.split("-")[0], NUMBER, file,
                              T0 - timedelta(minutes=minutes), service, "it", ("1",), None,
                              None, None)  # fmt: skip


class Recent(Recordings):
    """The store's messages of the last days: handled, empty, waiting, worked, gone."""

    def __init__(self, spool: Path) -> None:
        super().__init__(spool, {})
        handled_at = T0 - timedelta(minutes=5)
        self.messages = [
            stored("c1-1", str(spool / "c1-1.wav"), 1),  # worked now by agent1
            stored("c2-vm1", str(spool / "c2-vm1.wav"), 2, "anagrafe"),  # waiting
            replace(
                stored("c3-1", str(spool / "c3-1.wav"), 30),
                handled_at=handled_at,
                handled_by="agent2",
                disposition="altro",
            ),
            replace(
                stored("c4-1", str(spool / "c4-1.wav"), 40),
                handled_at=handled_at,
                disposition="empty",
            ),
            replace(
                stored("c5-1", "", 60 * 24 * 3),
                handled_at=handled_at,
                handled_by="agent1",
                disposition="altro",
            ),  # its recording erased
        ]
        self.asked: list[tuple[datetime, str | None, str | None]] = []

    async def voice_message(self, name: str) -> StoredVoiceMessage | None:
        return next((m for m in self.messages if m.name == name), None)

    async def recent_voice_messages(
        self, since: datetime, service: str | None = None, limit: int = 500,
        closed: str | None = None,
    ) -> list[StoredVoiceMessage]:  # fmt: skip
        self.asked.append((since, service, closed))
        return [m for m in self.messages if m.recorded_at >= since
                and service in (None, m.service) and closed in (None, kind(m))][:limit]  # fmt: skip


def kind(message: StoredVoiceMessage) -> str:
    """What the store's ``closed`` filter calls it."""
    if message.handled_at is None:
        return "open"
    return "empty" if message.disposition == "empty" else "handled"


def test_a_supervisor_lists_the_messages_with_their_state_and_plays_one(tmp_path: Path) -> None:
    audio = recording(tmp_path / "c3-1.wav")
    store = Recent(tmp_path)

    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await working(runtime, "c1-1")  # agent1 is given it
        status, body = await call(client, "sup", "GET", "/api/voice-messages")
        assert (status, body["days"], body["more"]) == (200, 7, False)
        assert store.asked == [(T0 - timedelta(days=7), None, None)]
        assert [(m["message"], m["state"], m["agent"], m["disposition"])
                for m in body["messages"]] == [
            ("c1-1", "worked", "agent1", None),
            ("c2-vm1", "waiting", None, None),
            ("c3-1", "handled", "agent2", "altro"),
            ("c4-1", "empty", None, "empty"),
            ("c5-1", "handled", "agent1", "altro"),
        ]  # fmt: skip
        first, _, handled, _, gone = body["messages"]
        assert (first["caller"], first["ivr_path"], first["service"]) == (masked(NUMBER), ["1"],
                                                                          "urp")  # fmt: skip
        assert first["recorded_at"] == (T0 - timedelta(minutes=1)).isoformat()
        assert handled["duration_seconds"] == 1.0
        assert handled["audio"] == "/api/voice-messages/c3-1/audio"
        assert (handled["handled_at"], first["duration_seconds"]) == (
            (T0 - timedelta(minutes=5)).isoformat(),
            None,
        )  # (no file for c1-1 here)
        assert gone["audio"] is None
        # filtered: the days, the service and handled or not go to the store (before its
        # limit), waiting or worked is read here
        asked = "/api/voice-messages?days=1&service=urp&state=handled"
        status, body = await call(client, "sup", "GET", asked)
        assert store.asked[-1] == (T0 - timedelta(days=1), "urp", "handled")
        assert [m["message"] for m in body["messages"]] == ["c3-1"]
        status, body = await call(client, "sup", "GET", "/api/voice-messages?state=waiting")
        assert store.asked[2] == (T0 - timedelta(days=7), None, "open")
        assert [m["message"] for m in body["messages"]] == ["c2-vm1"]  # c1-1 is worked
        for query, code in (
            ("days=0", "bad-days"),
            ("days=91", "bad-days"),
            ("service=x", "unknown-service"),
            ("state=x", "bad-state"),
        ):
            status, body = await call(client, "sup", "GET", f"/api/voice-messages?{query}")
            assert (status, body["error"]) == (400, code), query
        # the page: masked numbers, each state in Italian, a play button for a recording
        status, page = await call(client, "sup", "GET", "/voice-messages")
        assert status == 200
        assert masked(NUMBER) in page
        assert NUMBER not in page
        for said in ("In lavorazione", "In attesa", "Gestito", "Vuoto"):
            assert f'<td class="state">{said}</td>' in page
        assert 'data-audio="/api/voice-messages/c3-1/audio"' in page
        assert "registrazione non più disponibile" in page  # c5-1's
        status, page = await call(client, "sup", "GET", "/voice-messages?days=100&lang=en")
        assert status == 400
        assert "The days are a whole number from 1 to 90" in page
        assert actions(audit) == []  # listing is not listening
        # listening: the stored file, audited once from its start (not for each range)
        answer = await client.get("/api/voice-messages/c3-1/audio",
                                  headers={"Cookie": "centralino=sup"})  # fmt: skip
        assert (answer.status, answer.headers["Content-Type"]) == (200, "audio/wav")
        assert answer.headers["Cache-Control"] == "no-store"
        assert await answer.read() == audio
        ranged = await client.get(
            "/api/voice-messages/c3-1/audio",
            headers={"Cookie": "centralino=sup", "Range": "bytes=100-"},
        )
        assert ranged.status == 206
        assert actions(audit) == [("supervisore", "voice-message.play", "voice-message", "c3-1")]
        assert audit.entries[0].detail == {"service": "urp"}
        for name, code in (("c5-1", "no-recording"), ("c9-1", "no-such-message"),
                           ("c2-vm1", "no-recording")):  # (c2-vm1's file is not there)  # fmt: skip
            status, body = await call(client, "sup", "GET", f"/api/voice-messages/{name}/audio")
            assert (status, body["error"]) == (404, code)
        assert len(audit.entries) == 1

    run(scenario, store)


def test_an_agent_or_nobody_may_not_read_the_page_nor_its_recordings(tmp_path: Path) -> None:
    recording(tmp_path / "c3-1.wav")

    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        for path in ("/api/voice-messages", "/api/voice-messages/c3-1/audio"):
            status, body = await call(client, "anna", "GET", path)
            assert (status, body["error"]) == (403, "forbidden"), path
            answer = await client.get(path)
            assert answer.status == 401, path
        assert (await call(client, "anna", "GET", "/voice-messages"))[0] == 403
        answer = await client.get("/voice-messages", allow_redirects=False)
        assert (answer.status, answer.headers["Location"]) == (303, "/login?next=/voice-messages")
        assert list(audit.entries) == []

    run(scenario, Recent(tmp_path))


def test_the_live_page_links_to_it() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        page = (await call(client, "sup", "GET", "/"))[1]
        assert '<a href="/voice-messages">Messaggi vocali</a>' in page

    run(scenario)
