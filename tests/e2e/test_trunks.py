"""Trunks on the real stack: a provider played by sipp on 127.0.0.3.

The center (trunks.yaml) registers with the provider's registrar (digest, the password
stored in the data directory by ``centralino asterisk trunk-secret``); the provider's calls
to its DID reach the IVR, the same INVITE from any other host does not; an agent's phone
cannot dial out; the engine's ``dial_out`` reaches the provider for an allowed number and
refuses any other before sending anything.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from acd.bootstrap import outbound_policy
from acd.telephony.actions import TelephonyActions
from acd.telephony.ami import AmiClient, AmiMessage
from acd.telephony.outbound import DialOut, OutboundNotAllowed
from acd.telephony.translate import ChannelDirectory
from demo.sipp import (
    Answer,
    SippAgentDialling,
    SippCaller,
    SippProviderLine,
    SippRegistrar,
    traced_messages,
)
from tests.e2e.stack import Stack, eventually

pytestmark = pytest.mark.stack

CENTER = Path(__file__).with_name("trunks.yaml")
PROVIDER, PROVIDER_PORT = "127.0.0.3", 35070  # trunks.yaml: provider's server
USERNAME = "centralino-mo"
PASSWORD = "pr0v;der-s3cret"  # a ';' starts a comment in pjsip.conf: it must be escaped
DID, OTHER_TRUNKS_DID = "0590000000", "0590000001"


def PREPARE_DATA_DIR(data_dir: Path) -> None:  # noqa: N802 (the conftest's hook name)
    argv = [sys.executable, "-m", "acd.cli", "asterisk", "trunk-secret", "provider",
            str(CENTER), "--data-dir", str(data_dir)]  # fmt: skip
    stored = subprocess.run(argv, input=PASSWORD + "\n", capture_output=True, text=True)
    assert stored.returncode == 0, stored.stderr


def requests(trace: str, method: str) -> list[str]:
    """The ``method`` requests that the sipp peer received."""
    return [m.text for m in traced_messages(trace) if m.received and m.text.startswith(method)]


def test_the_registration_trunk_registers_with_its_digest_credentials(stack: Stack) -> None:
    pbx = stack.asterisk()
    with SippRegistrar(PROVIDER, PROVIDER_PORT, USERNAME, PASSWORD) as registrar:
        pbx.cli("pjsip send register provider")
        status = eventually(lambda: _registered(pbx.cli("pjsip show registrations")), 20,
                            "the trunk's registration")  # fmt: skip
    assert f"provider/sip:{PROVIDER}:{PROVIDER_PORT}" in status
    assert registrar.result is not None
    registers = requests(registrar.result.messages, "REGISTER")
    assert "Authorization:" not in registers[0]  # challenged first (401) ...
    answered = [r for r in registers if "Authorization:" in r]
    assert answered, registrar.result.messages  # ... then answered (verified: 200)
    assert f'username="{USERNAME}"' in answered[-1]


def _registered(table: str) -> str | None:
    lines = [line for line in table.splitlines() if line.strip().startswith("provider/")]
    return next((line for line in lines if re.search(r"\bRegistered\b", line)), None)


def test_a_call_from_the_provider_to_its_did_reaches_the_ivr(stack: Stack) -> None:
    call = SippCaller(DID, stack.cfg.ports.sip, dtmf=[(2.5, "1")], hangup_after=3,
                      caller="3331110001", local_ip=PROVIDER)  # fmt: skip
    assert call.run(timeout=30).ok
    row = eventually(lambda: stack.contact("3331110001"), 15, "the contact row")
    assert row["dialled_number"] == DID


@pytest.mark.parametrize(
    ("source", "number", "caller"),
    [
        ("127.0.0.2", DID, "3331110002"),  # another host
        ("127.0.0.1", DID, "3331110003"),  # the agents' host: no trunk there any more
        (PROVIDER, OTHER_TRUNKS_DID, "3331110004"),  # a number the provider does not carry
    ],
)
def test_a_call_the_provider_does_not_place_gets_no_ivr(
    stack: Stack, source: str, number: str, caller: str
) -> None:
    result = SippCaller(number, stack.cfg.ports.sip, hangup_after=2, caller=caller,
                        local_ip=source).run(timeout=30)  # fmt: skip
    assert (result.ok, result.successful) == (False, 0)
    time.sleep(1)  # an IVR would have recorded the call by now
    arrived = stack.query("select count(*) from contacts where caller_number = $1", caller)
    assert arrived[0][0] == 0


def test_an_agent_cannot_dial_out_over_a_trunk(stack: Stack) -> None:
    password = stack.asterisk().agent_password("agent1")
    with SippProviderLine(PROVIDER, PROVIDER_PORT, Answer(ring_seconds=0.2)) as line:
        dialling = SippAgentDialling("agent1", password, "0591234567", stack.cfg.ports.sip)
        result = dialling.run(timeout=30)
        time.sleep(1)
    assert result.ok, result.errors  # refused after the authenticated INVITE
    answers = [m.first_line for m in traced_messages(result.messages)
               if m.received and "CSeq: 2 INVITE" in m.text]  # fmt: skip
    assert answers, result.messages
    assert not any(" 200 " in status for status in answers), answers
    assert line.result is not None
    assert requests(line.result.messages, "INVITE") == []


def test_the_engine_dials_an_allowed_number_over_the_trunk(stack: Stack) -> None:
    call = DialOut("provider", "0591234567", channel_id=f"out-{time.time_ns()}",
                   variables={"CENTRALINO_CALL": "callback-1"})  # fmt: skip
    with SippProviderLine(PROVIDER, PROVIDER_PORT, Answer(ring_seconds=0.2)) as line:
        events = _dial_out(stack, call, until=_answered("callback-1"))
    assert any(_answered("callback-1")(e) for e in events)
    assert line.result is not None
    [invite, *_] = requests(line.result.messages, "INVITE")
    assert invite.startswith(f"INVITE sip:0591234567@{PROVIDER}:{PROVIDER_PORT} ")
    assert re.search(rf"^From:.*sip:{USERNAME}@{PROVIDER}", invite, re.MULTILINE), invite


@pytest.mark.parametrize("number", ["899123456", "0591234567@carrier", "+390591234567"])
def test_a_number_the_trunk_does_not_allow_is_refused_before_sending(
    stack: Stack, number: str
) -> None:
    call = DialOut("provider", number, channel_id=f"out-{time.time_ns()}")
    with SippProviderLine(PROVIDER, PROVIDER_PORT, Answer(ring_seconds=0.2)) as line:
        with pytest.raises(OutboundNotAllowed):
            _dial_out(stack, call, until=lambda _: False)
        time.sleep(1)
    assert line.result is not None
    assert requests(line.result.messages, "INVITE") == []


def _answered(call_id: str) -> Callable[[AmiMessage], bool]:
    def seen(event: AmiMessage) -> bool:
        return event.get("UserEvent") == "CentralinoOutboundAnswered" and (
            event.get("Call") == call_id
        )

    return seen


def _dial_out(stack: Stack, call: DialOut, until: Callable[[AmiMessage], bool]) -> list[AmiMessage]:
    """The engine's ``dial_out`` over an AMI connection of its own (the engine's policy from
    the configuration); wait for the event ``until`` (10 s), hang the leg up, return the
    events seen."""
    events: list[AmiMessage] = []

    async def run() -> None:
        seen = asyncio.Event()

        def on_event(event: AmiMessage) -> None:
            events.append(event)
            if until(event):
                seen.set()

        client = AmiClient("127.0.0.1", stack.cfg.ports.ami, "centralino",
                           stack.asterisk().ami_secret, on_event=on_event)  # fmt: skip
        await client.start()
        actions = TelephonyActions(client, ChannelDirectory(), lambda _: None,
                                   outbound=outbound_policy(stack.cfg))  # fmt: skip
        try:
            await client.wait_connected(10)
            await actions.dial_out(call)
            await asyncio.wait_for(seen.wait(), 10)
            await client.send({"Action": "Hangup", "Channel": call.channel_id})
        finally:
            await actions.close()
            await client.close()

    asyncio.run(run())
    return events
