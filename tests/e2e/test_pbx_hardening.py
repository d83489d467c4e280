"""The hardened PBX on the real stack (center: routing.yaml, for its voicemail service).

Asterisk runs as its root's unprivileged account, with no capability; it may write only its
own directories, and the callers' recordings are its own only. The engine's AMI login may
send only the actions the engine sends and receives only the events it reads. Wrong SIP
passwords from another host (127.0.0.2) become security log lines that the fail2ban filter
of docs/fail2ban turns into that host's address.
"""

from __future__ import annotations

import contextlib
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from acd.asterisk.account import RunAs, run_as
from acd.telephony.translate import EVENTS_USED
from demo.sipp import Answer, SippCaller, SippRegistration
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_calls import AFTER_MENU, agent_phone, caller
from tests.integration.asterisk.helpers import Ami
from tests.unit.fail2ban import Fail2banFilter

CENTER = Path(__file__).with_name("routing.yaml")
pytestmark = pytest.mark.stack
OTHER_HOST = "127.0.0.2"
SYSTEM = {"Channel": "Local/s@centralino-connect", "Application": "System", "Data": "id"}


@pytest.fixture
def account(center: Stack) -> RunAs:
    return run_as(center.asterisk().paths.root)


@pytest.fixture
def ami(center: Stack) -> Iterator[Ami]:
    """A second login with the engine's own credentials (the secret in the data dir)."""
    client = Ami(center.cfg.ports.ami, "centralino", center.asterisk().ami_secret)
    assert client.login["Response"] == "Success", client.login
    yield client
    client.close()


def owner(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test_asterisk_runs_as_the_unprivileged_account_with_no_capability(
    center: Stack, account: RunAs
) -> None:
    pid = center.asterisk().running_pid()
    assert pid is not None
    status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines())  # fmt: skip
    assert status["Uid"].split() == [str(account.uid)] * 4  # real, effective, saved, fs
    assert status["Gid"].split() == [str(account.gid)] * 4
    assert int(status["CapPrm"], 16) == int(status["CapEff"], 16) == 0  # not even NET_ADMIN
    assert status["NoNewPrivs"] == "1"
    ps = subprocess.run(["ps", "-o", "uid=", "-p", str(pid)], capture_output=True, text=True)
    assert ps.stdout.strip() == str(account.uid)


def test_asterisk_reads_its_configuration_and_writes_only_its_own_directories(
    center: Stack, account: RunAs
) -> None:
    paths = center.asterisk().paths
    engine, asterisk = (0, account.gid), (account.uid, account.gid)
    assert owner(paths.host_base) == (*engine, 0o750)
    assert owner(paths.host("etc")) == (*engine, 0o750)
    for secrets in ("manager.conf", "pjsip.conf"):
        assert owner(paths.host("etc", secrets)) == (*engine, 0o640), secrets
    assert owner(paths.host("etc", "extensions.conf")) == (*engine, 0o644)
    assert owner(paths.host("sounds")) == (*engine, 0o750)
    for name in ("run", "lib", "log", "spool"):
        assert owner(paths.host(name))[:2] == asterisk, name
    assert owner(paths.host("spool", "voice-messages")) == (*asterisk, 0o700)
    assert owner(paths.host("log", "messages.log")) == (*asterisk, 0o600)  # umask 077


def test_a_voice_message_is_recorded_for_asterisk_and_the_engine_only(
    center: Stack, account: RunAs
) -> None:
    number = "3339000001"
    call = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "4"), (8, "#")],
                      hangup_after=None, caller=number)  # fmt: skip
    assert call.run(timeout=40).ok
    row = eventually(lambda: center.contact(number), 15, "the contact row")
    assert row["outcome"] == "voicemail"
    sql = "select file from voice_messages where contact_id = $1"
    found = eventually(lambda: center.query(sql, row["contact_id"]), 15, "the voice message")
    recording = Path(found[0]["file"])
    assert recording.parent == center.asterisk().paths.host("spool", "voice-messages")
    assert owner(recording) == (account.uid, account.gid, 0o600)
    assert recording.read_bytes()[:4] == b"RIFF"  # and the engine (root) reads it


def event_names(ami: Ami, quiet: float = 1.5) -> set[str]:
    """Every event this login received, once none came for ``quiet`` seconds."""
    with contextlib.suppress(TimeoutError):
        ami.wait(lambda _: False, timeout=quiet)
    return {message["Event"] for message in ami.seen if "Event" in message}


def test_the_engines_ami_login_receives_only_the_events_the_engine_reads(
    center: Stack, ami: Ami
) -> None:
    """A whole call, answered: the engine works, and the engine's login never saw a VarSet,
    a Newexten, a Newstate (the dialplan ran, the channels rang and answered)."""
    number = "3339000002"
    with agent_phone(center, "agent1", Answer(ring_seconds=0.3, talk_seconds=2)):
        center.ready("agent1")
        assert caller(center, number, "1", hangup_after=None).run(timeout=30).ok
        row = eventually(lambda: center.contact(number), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
    received = event_names(ami)
    assert {"Newchannel", "UserEvent", "BridgeEnter", "Hangup"} <= received
    assert received - EVENTS_USED <= {"FullyBooted"}  # (written to a new login directly)
    assert not received & {"VarSet", "Newexten", "Newstate", "DialBegin", "MusicOnHoldStart"}


@pytest.mark.parametrize(
    ("action", "fields", "refusal"),
    [
        ("Command", {"Command": "core show version"}, "Permission denied"),
        ("Originate", SYSTEM, "Forbidden"),
        ("Filter", {"Operation": "Add", "Filter": "Event: Newexten"}, "Permission denied"),
        ("GetConfig", {"Filename": "manager.conf"}, "Permission denied"),
    ],
    ids=["command", "originate-system", "filter", "getconfig"],
)
def test_actions_beyond_the_engines_are_refused(
    ami: Ami, action: str, fields: dict[str, str], refusal: str
) -> None:
    answer = ami.action(action, **fields)
    assert answer["Response"] == "Error", answer
    assert refusal in answer["Message"]


def test_the_engines_own_actions_are_allowed(ami: Ami) -> None:
    assert ami.action("CoreShowChannels")["Response"] == "Success"
    setvar = ami.action("Setvar", Channel="PJSIP/nobody-00000000", Variable="X", Value="1")
    assert setvar["Message"] == "No such channel"  # allowed; there is just no such channel


def new_lines(log: Path, offset: int) -> list[str]:
    with log.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace").splitlines()


def test_wrong_passwords_from_another_host_are_security_events_that_fail2ban_bans(
    center: Stack,
) -> None:
    log = center.asterisk().paths.host("log", "security.log")
    offset = log.stat().st_size
    sip = center.cfg.ports.sip
    for _ in range(3):
        attempt = SippRegistration("agent1", sip, "not-the-password", local_ip=OTHER_HOST)
        assert attempt.run(timeout=10).failed == 1
    assert SippRegistration("nobody", sip, "guess", local_ip=OTHER_HOST).run(timeout=10).failed

    def failures() -> list[str] | None:
        lines = new_lines(log, offset)
        wrong = [line for line in lines if '"ChallengeResponseFailed"' in line]
        unknown = [line for line in lines if '"InvalidAccountID"' in line]
        return wrong + unknown if len(wrong) >= 3 and unknown else None

    lines = eventually(failures, 10, "the security events")
    print("\n".join(lines))  # what tests/unit/test_fail2ban_filter.py quotes
    assert all(f'RemoteAddress="IPV4/UDP/{OTHER_HOST}/' in line for line in lines)
    assert sum('AccountID="agent1"' in line for line in lines) >= 3
    f2b = Fail2banFilter.read()
    assert [f2b.host(line) for line in lines] == [OTHER_HOST] * len(lines)
    challenges = [line for line in new_lines(log, offset) if '"ChallengeSent"' in line]
    assert challenges
    assert {f2b.host(line) for line in challenges} == {None}  # a challenge is no failure
