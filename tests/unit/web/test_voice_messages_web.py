"""The voice message an agent works, over the web (acd.web.voice_messages) on a real aiohttp
server and the sample city's engine: its feed, its recording served only to the agent
working it (and supervisors) as audio/wav from the stored path, the listening audited; its
close with one of the service's dispositions, its call-back where the service calls back;
every refusal clear, with nothing changed."""

from __future__ import annotations

import wave
from pathlib import Path

from acd.audit import MemoryAudit
from acd.config import load_config
from acd.core import events as e
from acd.runtime import Runtime
from acd.store.desk import DeskStore
from acd.store.ivr import StoredVoiceMessage
from acd.web.desk_api import desk_feed
from tests.unit.core.helpers import T0
from tests.unit.test_config import SAMPLE
from tests.unit.web.test_supervision import Client, Telephony, actions, call, run

NUMBER = "3331234567"


class Recordings(DeskStore):
    """The store's voice messages: a recording for each name given, in ``spool``."""

    def __init__(self, spool: Path, services: dict[str, str]) -> None:
        super().__init__(None)
        self.spool, self.services = spool, services

    async def voice_message(self, name: str) -> StoredVoiceMessage | None:
        if name not in self.services:
            return None
        file = self.spool / f"{name}.wav"
        return StoredVoiceMessage(name, name.split("-")[0], NUMBER, str(file), T0,
                                  self.services[name], "it", ("1",), None, None, None)  # fmt: skip


def recording(path: Path) -> bytes:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x10\x20" * 8000)
    return path.read_bytes()


async def working(runtime: Runtime, message: str, service: str = "urp") -> None:
    """agent1 (its browser phone registered) ready, given the voice message ``message``."""
    await runtime.request(e.PhoneRegistered("agent1", "agent1-web"))
    await runtime.request(e.TelephonyReconnected())
    await runtime.request(e.ChannelsListed(frozenset()))
    await runtime.request(e.AgentWentReady("agent1"))
    await runtime.request(e.VoiceMessageLeft(message, message.split("-")[0], service, NUMBER, T0,
                                             ("1",), "it"))  # fmt: skip


def test_the_agent_working_a_message_hears_it_and_closes_it(tmp_path: Path) -> None:
    audio = recording(tmp_path / "c9-1.wav")

    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await working(runtime, "c9-1")
        feed = desk_feed(runtime.engine, runtime.engine.view(), "agent1", T0, load_config(SAMPLE))
        assert feed["agent"]["state"] == "on_call"
        assert feed["task"] == {
            "message": "c9-1", "caller": NUMBER, "service": "urp",
            "service_name": "URP – Ufficio relazioni con il pubblico", "ivr_path": ["1"],
            "language": "it", "recorded_at": T0.isoformat(), "can_call_back": True,
            "dispositions": ["informazioni fornite", "pratica avviata", "appuntamento fissato",
                             "da richiamare", "inoltrata ad altro ufficio", "reclamo", "altro"],
        }  # fmt: skip
        path = "/api/agents/agent1/voice-messages/c9-1/audio"
        answer = await client.get(path, headers={"Cookie": "centralino=anna"})
        assert (answer.status, answer.headers["Content-Type"]) == (200, "audio/wav")
        assert answer.headers["Cache-Control"] == "no-store"
        assert await answer.read() == audio
        assert actions(audit) == [("anna", "voice-message.play", "voice-message", "c9-1")]
        # another agent: refused at the door on agent1's path, no such task on its own
        assert (await call(client, "bruno", "GET", path))[0] == 403
        status, body = await call(client, "bruno", "GET",
                                  "/api/agents/agent2/voice-messages/c9-1/audio")  # fmt: skip
        assert (status, body["error"]) == (404, "no-such-task")
        assert (await client.get(path, headers={"Cookie": "centralino=sup"})).status == 200
        # not a call: no screen pop, no call control
        status, body = await call(client, "anna", "GET", "/api/agents/agent1/screen-pop")
        assert (status, body["error"]) == (404, "no-call")
        status, body = await call(client, "anna", "POST", "/api/agents/agent1/call/hangup")
        assert (status, body["error"]) == (409, "not-a-call")
        close = "/api/agents/agent1/voice-messages/c9-1/close"
        for bad in ({}, {"disposition": "dance"}):
            status, body = await call(client, "anna", "POST", close, bad)
            assert (status, body["error"]) == (400, "unknown-disposition")
        status, body = await call(client, "anna", "POST", close, {"disposition": "altro"})
        assert (status, body) == (200, {"closed": "c9-1", "disposition": "altro"})
        assert runtime.engine.agent_view("agent1").state == "wrap_up"
        assert runtime.engine.call_view("c9-1") is None
        status, body = await call(client, "anna", "POST", close, {"disposition": "altro"})
        assert (status, body["error"]) == (404, "no-such-task")
        assert (await call(client, "anna", "GET", path))[0] == 404  # no longer its task
        assert len(audit.entries) == 2  # the agent's own close is not an audited act

    run(scenario, Recordings(tmp_path, {"c9-1": "urp"}))


def test_a_call_back_queues_a_callback_where_the_service_calls_back(tmp_path: Path) -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await working(runtime, "c8-1", "demografici")  # no callbacks there
        path = "/api/agents/agent1/voice-messages/c8-1"
        status, body = await call(client, "anna", "POST", f"{path}/call-back")
        assert (status, body["error"]) == (409, "no-callback")
        status, body = await call(client, "anna", "GET", f"{path}/audio")  # none recorded
        assert (status, body["error"]) == (404, "no-recording")
        status, body = await call(
            client, "sup", "POST", f"{path}/close", {"disposition": "certificato richiesto"}
        )  # its service's
        assert status == 200
        assert actions(audit) == [("supervisore", "agent.voice-message.close", "agent",
                                   "agent1")]  # fmt: skip
        await runtime.request(e.AgentWentReady("agent1"))
        await runtime.request(e.VoiceMessageLeft("c7-1", "c7", "urp", NUMBER, T0))
        status, body = await call(client, "anna", "POST",
                                  "/api/agents/agent1/voice-messages/c7-1/call-back")  # fmt: skip
        assert (status, body) == (200, {"called_back": "c7-1"})
        feed = desk_feed(runtime.engine, runtime.engine.view(), "agent1", T0)
        assert [(c["call_id"], c["callback"]["number"]) for c in feed["callbacks"]] == [
            ("c7-1-callback", NUMBER)]  # fmt: skip
        assert feed["task"] is None

    run(scenario, Recordings(tmp_path, {"c8-1": "demografici"}))
