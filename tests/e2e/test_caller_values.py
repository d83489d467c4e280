"""Values a caller writes (From user and display name, request-URI user) on the real stack.

PJSIP decodes %XX escapes, so a caller can put CR, LF or any control character into its
number, its name and the number it dials. Asterisk 22.10 writes them unescaped into the
AGI environment and into AMI's CallerIDNum and Exten (the name's CR/LF are escaped, other
control characters not). What stops them (docs/security.md, "The PBX"):

- the trunk's context cleans CALLERID(num), (name), (dnid), (rdnis) first thing, and sends
  a dirty EXTEN to 's' (extensions.conf): the AGI environment and every later event are clean;
- Newchannel is written before that: an event holding three control characters in a row
  (a blank line of the caller's) is not sent (manager.conf), and the engine refuses a
  message with a header line the caller added (acd/telephony/ami_framing.py).

Each case: a victim waits in the queue; the attacker calls with values aimed at the victim's
uniqueid (a forged ``Event: Hangup``); both reach the IVR and an agent, the attacker's
number is stored cleaned, and the engine logs no traceback. A raw AMI login with the
engine's own credentials records what Asterisk really sends.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import asyncpg
import pytest

from acd.privacy.numbers import masked
from demo.sipp import Answer, SippCaller
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import AFTER_MENU, agent_phone

pytestmark = pytest.mark.stack

HANGUP_OF = "%0D%0AEvent%3A%20Hangup%0D%0AUniqueid%3A%20{victim}"  # ':' must be escaped too


@dataclass(frozen=True)
class Case:
    id: str
    victim: str  # the number of the caller waiting when the attacker calls
    user: str  # the attacker's From user ({victim}: the victim's uniqueid)
    display: str | None = None
    dialled: str = ""  # what follows the public number in the request-URI user
    refused: str = ""  # the engine's warning on Asterisk's raw Newchannel, if it gets one

    def number(self, victim: str) -> str:
        return self.user.format(victim=victim)

    def request_uri_user(self, public: str, victim: str) -> str:
        return public + self.dialled.format(victim=victim)


CASES = [
    # a CR LF adds header lines to Newchannel: the engine refuses it
    Case("crlf-header", "3330000050", "3330000041" + HANGUP_OF,
         refused="AMI message refused (Newchannel): Event comes twice"),
    # a CR LF CR LF would start an event of the caller's: Asterisk does not send it
    Case("blank-line-event", "3330000051", "3330000042%0D%0A" + HANGUP_OF + "%0D%0A%0D%0AX%3A%20"),
    # the AGI reply spoof seen on the stack: LF LF ended the environment, "200 result=49"
    # was read as the answer to the first command
    Case("agi-reply-spoof", "3330000052", "3330000043%0A%0A200%20result%3D49%0A"),
    # (inside the name: at its end, next to the CR LF, manager.conf's filter drops the event)
    Case("control-in-name", "3330000053", "3330000044", display="Mario\x1b[31m\x01Rossi"),
    # the request-URI user reaches EXTEN through the local trunk's _X.: it goes to 's'
    Case("dirty-request-uri", "3330000054", "3330000045", dialled="%0A%0A200%20result%3D49%0A"),
    Case("crlf-request-uri", "3330000055", "3330000046", dialled=HANGUP_OF,
         refused="AMI message refused (Newchannel): Event comes twice"),
    # an agent's leg entering a bridge is not sent (manager.conf): a name that looks like
    # its mark must not hide the caller's own bridge
    Case("ring-mark-in-name", "3330000056", "3330000047",
         display="x ChanVariable: CENTRALINO_RING=cz1"),
]  # fmt: skip


def cleaned(value: str) -> str:
    """What the trunk's context leaves of a number (extensions.conf: FILTER)."""
    return re.sub(r"[^0-9A-Za-z+*#._-]", "", value)


class RawAmi:
    """A second AMI login with the engine's credentials, keeping every byte it receives."""

    def __init__(self, port: int, secret: str) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._sock.settimeout(None)  # quiet for a while when nobody calls: read on
        self._sock.sendall(f"Action: Login\r\nUsername: centralino\r\nSecret: {secret}\r\n\r\n"
                           .encode())  # fmt: skip
        self.data = bytearray()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while chunk := self._recv():
            self.data += chunk

    def _recv(self) -> bytes:
        try:
            return self._sock.recv(65536)
        except OSError:
            return b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread
        self._sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def ami(center: Stack) -> Iterator[RawAmi]:
    raw = RawAmi(center.cfg.ports.ami, center.asterisk().ami_secret)
    eventually(lambda: b"Authentication accepted" in raw.data, 5, "the AMI login")
    yield raw
    raw.close()


def waiting_call(center: Stack, number: str) -> str | None:
    calls = [c for q in center.snapshot()["queues"] for c in q["calls"]]
    return next((c["call_id"] for c in calls if c["caller"] == masked(number)), None)


def finished(center: Stack, number: str) -> asyncpg.Record:
    return eventually(lambda: center.contact(number), 15, f"the contact of {number}")


def citizen(center: Stack, user: str, number: str, display: str | None = None) -> SippCaller:
    """A caller who keys 1 (urp) and stays until the agent hangs up."""
    return SippCaller(number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")], caller=user,
                      display=display)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_callers_escaped_values_reach_the_engine_clean_and_touch_no_other_call(
    center: Stack, ami: RawAmi, case: Case
) -> None:
    log_start = center.log.stat().st_size
    victim = citizen(center, case.victim, center.number)
    victim.start()
    victim_id = eventually(lambda: waiting_call(center, case.victim), 20, "the victim queued")
    user = case.number(victim_id)
    dialled = case.request_uri_user(center.number, victim_id)
    attacker = citizen(center, user, dialled, case.display)
    attacker.start()
    eventually(lambda: waiting_call(center, cleaned(unquote(user))), 20, "the attacker queued")
    assert waiting_call(center, case.victim) == victim_id  # no forged Hangup reached the core
    talk = Answer(ring_seconds=0.3, talk_seconds=2)
    with agent_phone(center, "agent1", talk), agent_phone(center, "agent2", talk):
        center.ready("agent1", "agent2")
        assert victim.wait(40).ok
        assert attacker.wait(40).ok
        rows = [finished(center, n) for n in (case.victim, cleaned(unquote(user)))]
    assert [row["outcome"] for row in rows] == ["answered", "answered"]
    assert rows[1]["dialled_number"] == cleaned(unquote(dialled))
    engine_log = center.log.read_bytes()[log_start:].decode(errors="replace")
    assert "Traceback" not in engine_log
    assert "AMI connection dropped" not in engine_log
    assert (case.refused in engine_log) if case.refused else ("refused" not in engine_log)
    check_what_asterisk_sent(bytes(ami.data), case, unquote(user), unquote(dialled))


def check_what_asterisk_sent(data: bytes, case: Case, user: str, dialled: str) -> None:
    """Raw before the dialplan (Newchannel), clean after it (the Hangup)."""
    raw_number = f"CallerIDNum: {user}\r\nCallerIDName: ".encode()
    raw_exten = f"Exten: {dialled}\r\nPriority: ".encode()
    match case.id:
        case "crlf-header":  # written unescaped, refused by the engine
            assert raw_number in data
        case "blank-line-event" | "agi-reply-spoof":  # not sent at all (manager.conf)
            assert raw_number not in data
        case "control-in-name":  # the name's other control characters: raw, then gone
            assert b"CallerIDName: Mario\x1b[31m\x01Rossi\r\n" in data
            assert b"CallerIDName: Mario[31mRossi\r\n" in data
        case "dirty-request-uri":
            assert raw_exten not in data
        case "crlf-request-uri":
            assert raw_exten in data
    messages = data.split(b"\r\n\r\n")
    hangups = [m for m in messages if m.startswith(b"Event: Hangup\r\n")]
    number = f"\r\nCallerIDNum: {cleaned(user)}\r\n".encode()
    [mine] = [m for m in hangups if number in m and b"\r\nChannel: PJSIP/citizens-" in m]
    assert (b"\r\nExten: s\r\n" in mine) == bool(case.dialled)
    # the callers' bridges, the attacker's too; never an agent's leg's
    bridges = [m for m in messages if m.startswith(b"Event: BridgeEnter\r\n")]
    assert [m for m in bridges if number in m and b"\r\nChannel: PJSIP/citizens-" in m]
    assert not [m for m in bridges if b"\r\nChanVariable: CENTRALINO_RING=cz" in m]
