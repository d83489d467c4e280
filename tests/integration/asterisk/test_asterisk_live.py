"""A real Asterisk, real SIP user agents (sipp), a FastAGI responder and AMI on a raw socket.

The tests of this module share one running instance (``pbx``); the last one stops it.
"""

from __future__ import annotations

import re
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from acd.asterisk import Asterisk, AsteriskStartError, InstancePaths, render_config
from acd.asterisk.account import run_as
from acd.config import CenterConfig, load_config
from acd.config.model import FALLBACK_QUEUE
from acd.telephony.queue_log import fallback_contacts
from demo.sipp import Answer, Busy, NoAnswer, SippAgent, SippCaller
from tests.integration.asterisk.helpers import (
    AGENT_PORT,
    Ami,
    FastAgi,
    asterisk_pids,
    wait_for,
    write_test_config,
)

pytestmark = pytest.mark.stack
NUMBER = "0592032032"


@pytest.fixture(autouse=True)
def no_channel_left(pbx: Asterisk) -> Iterator[None]:
    """A sipp we stopped sent no BYE: hang up what a test leaves behind."""
    yield
    if pbx.running_pid() is not None:
        pbx.cli("channel request hangup all")
        wait_for(lambda: not channels(pbx), timeout=5)


def channels(pbx: Asterisk) -> list[list[str]]:
    """``core show channels concise``: channel!context!exten!priority!state!app!data!..."""
    return [line.split("!") for line in pbx.cli("core show channels concise").splitlines()]


def waiting_caller(pbx: Asterisk) -> str:
    """The citizen's channel once it waits in music on hold."""
    held = wait_for(lambda: [c for c in channels(pbx) if c[5] == "MusicOnHold"], timeout=10)
    return str(held[0][0])


def queue_script(pbx: Asterisk) -> list[str]:
    """What the engine's IVR would do, in brief: ask for a digit, then queue the call."""
    return [
        f"GET DATA {pbx.prompt_path('it', 'welcome')} 5000 1",
        "SET VARIABLE CENTRALINO_QUEUED 1",
    ]


def test_endpoints_are_the_citizens_and_the_agents(pbx: Asterisk, center: CenterConfig) -> None:
    endpoints = pbx.cli("pjsip show endpoints")
    for name in ["citizens", *(a.id for a in center.agents)]:
        assert f"Endpoint:  {name}" in endpoints
    assert "127.0.0.1:25060" in endpoints  # the transport, on the test port


def test_ami_login_takes_the_generated_secret(pbx: Asterisk, center: CenterConfig) -> None:
    good = Ami(center.ports.ami, "centralino", pbx.ami_secret)
    bad = Ami(center.ports.ami, "centralino", "not-the-secret")
    try:
        assert good.login["Response"] == "Success"
        assert bad.login["Response"] == "Error"
    finally:
        good.close()
        bad.close()


def test_a_caller_reaches_the_ivr_then_waits_in_music_on_hold(pbx: Asterisk, ami: Ami) -> None:
    with FastAgi(24573, queue_script(pbx)) as agi, SippCaller(NUMBER, 25060, dtmf=[(1.0, "2")]):
        assert agi.done.wait(10), "the call never reached the FastAGI server"
        caller = waiting_caller(pbx)
        # What a restarted engine reads (acd/telephony/resume.py): the channel's variables.
        ami.action("CoreShowChannels")
        held = ami.wait(lambda m: m.get("Event") == "CoreShowChannel" and m["Channel"] == caller)
    session = agi.sessions[0]
    assert session["headers"]["agi_network_script"] == "ivr"
    assert session["headers"]["agi_extension"] == NUMBER
    assert session["replies"] == ["200 result=2", "200 result=1"]  # the DTMF came as SIP INFO
    assert held["Application"] == "MusicOnHold"
    assert "CENTRALINO_QUEUED=1" in held["ChanVariable"]


def test_the_announcement_phrases_play_and_the_session_tells_the_language(pbx: Asterisk) -> None:
    """What the announcer relies on: Asterisk opens and streams the synthesised phrases (its
    reply counts the samples played), fails a missing one, and sends the channel's language."""
    files = [pbx.prompt_path("it", "announce/place-3"), pbx.prompt_path("en", "announce/place-3"),
             pbx.prompt_path("en", "announce/no-such-phrase")]  # fmt: skip
    # The engine's mark first: the missing phrase fails the AGI (AGISTATUS=FAILURE), and a
    # session the engine took ends with the apology, not in the fallback queue.
    script = ["SET VARIABLE CENTRALINO_ENGINE 1"] + [f'STREAM FILE {f} ""' for f in files]
    with FastAgi(24573, script) as agi:
        result = SippCaller(NUMBER, 25060).run(timeout=20)  # hung up when the AGI ends
    assert result.ok, result
    session = agi.sessions[0]
    assert session["headers"]["agi_language"] == "it"  # the dialplan's, before any IVR choice
    replies = session["replies"][1:]
    played = [re.fullmatch(r"200 result=(-?\d+) endpos=(\d+)", r) for r in replies]
    assert [m and m[1] for m in played] == ["0", "0", "-1"], replies
    assert all(m and int(m[2]) > 8000 for m in played[:2]), replies  # over 1 s each


def test_a_caller_who_abandons_hangs_up_cleanly(pbx: Asterisk, ami: Ami) -> None:
    with FastAgi(24573, ["SET VARIABLE CENTRALINO_QUEUED 1"]):
        result = SippCaller(NUMBER, 25060, hangup_after=1.0).run(timeout=10)
    hangup = ami.wait(lambda m: m.get("Event") == "Hangup")
    assert result.ok, result
    assert result.successful == 1, result
    assert hangup["Channel"].startswith("PJSIP/citizens-")
    assert (hangup["Context"], hangup["Priority"]) == ("centralino-citizens", "8")  # on hold


def test_a_from_user_naming_an_agent_is_that_agent_and_must_authenticate(pbx: Asterisk) -> None:
    """Identification by username comes before the citizens' IP match, so an INVITE that
    claims to be an agent is challenged (the citizens' trunk never is) and, without the
    agent's password, gets no channel."""
    result = SippCaller(NUMBER, 25060, caller="agent3").run(timeout=10)
    assert result.failed == 1, result
    assert "401 Unauthorized" in result.errors, result
    assert not channels(pbx)


def ring_agent1(ami: Ami, n: int, caller: str | None = None) -> None:
    """The engine's Originate of agent1's leg ``ring-N`` of ``call-N`` into
    centralino-connect; with ``caller``, the caller's channel (CALLER) as the engine gives it."""
    variables = [f"CENTRALINO_RING=ring-{n}", f"CENTRALINO_CALL=call-{n}"]
    ami.action("Originate", Channel="PJSIP/agent1", Context="centralino-connect", Exten="s",
               Priority=1, Async="true", Timeout=5000, ChannelId=f"ring-{n}",
               Variable=variables + ([f"CALLER={caller}"] if caller else []))  # fmt: skip


def test_an_agent_answers_into_connect_and_is_bridged(pbx: Asterisk, ami: Ami) -> None:
    agent = SippAgent("agent1", AGENT_PORT, Answer(ring_seconds=0.3, talk_seconds=1.0))
    caller = SippCaller(NUMBER, 25060)
    with FastAgi(24573, ["SET VARIABLE CENTRALINO_QUEUED 1"]), agent, caller:
        waiting = waiting_caller(pbx)
        ring_agent1(ami, 1)
        answered = ami.wait(lambda m: m.get("UserEvent") == "CentralinoAgentAnswered")
        # As the engine does: the caller leaves the wait loop once the bridge ends.
        ami.action("Setvar", Channel=waiting, Variable="CENTRALINO_DONE", Value="1")
        assert ami.action("Bridge", Channel1=waiting, Channel2=answered["Channel"])["Response"] == (
            "Success"
        )
        # The agent hangs up (its BYE, inside the call, is not challenged); the caller goes
        # to +1: Hangup.
        result = caller.wait(timeout=10)
    assert (answered["Ring"], answered["Call"], answered["Uniqueid"]) == (
        "ring-1",
        "call-1",
        "ring-1",
    )
    assert answered["Context"] == "centralino-connect"
    assert result.ok, result
    assert result.successful == 1, result


def test_an_agent_leg_given_its_caller_bridges_itself_and_marks_the_caller(
    pbx: Asterisk, ami: Ami
) -> None:
    """What the engine's Originate does (CALLER): the leg marks its caller done, says so
    (Bridging: 1) and bridges itself with it: no AMI Bridge. After the talk the caller
    leaves the wait loop (+1: Hangup), it does not go back to the music. The engine's AMI
    user hears the caller's BridgeEnter, not the agent leg's, and no OriginateResponse of
    a ring that went through (manager.conf's filters)."""
    agent = SippAgent("agent1", AGENT_PORT, Answer(ring_seconds=0.3, talk_seconds=1.0))
    caller = SippCaller(NUMBER, 25060)
    with FastAgi(24573, ["SET VARIABLE CENTRALINO_QUEUED 1"]), agent, caller:
        waiting = waiting_caller(pbx)
        ring_agent1(ami, 3, waiting)
        answered = ami.wait(lambda m: m.get("UserEvent") == "CentralinoAgentAnswered"
                            and m.get("Ring") == "ring-3")  # fmt: skip
        entered = ami.wait(lambda m: m.get("Event") == "BridgeEnter" and m["Channel"] == waiting)
        marked = ami.action("Getvar", Channel=waiting, Variable="CENTRALINO_DONE")
        result = caller.wait(timeout=10)
        hangup = ami.wait(lambda m: m.get("Event") == "Hangup" and m["Channel"] == waiting)
    assert answered["Bridging"] == "1"
    bridges = [m for m in ami.seen if m.get("Event") == "BridgeEnter"]
    assert [m["Uniqueid"] for m in bridges] == [entered["Uniqueid"]]  # not ring-3's
    # nor the ring's OriginateResponse: only a failed one is sent (the answer says the rest)
    assert not [m for m in ami.seen if m.get("Event") == "OriginateResponse"]
    assert marked.get("Value") == "1", marked
    assert result.ok, result
    assert hangup["Context"] == "centralino-citizens"


def test_a_caller_bridged_by_a_ring_the_engine_dropped_goes_back_to_the_music(
    pbx: Asterisk, ami: Ami
) -> None:
    """A ring the engine had dropped (timed out) answered in the gap bridges its caller and
    marks it done; the engine then does what RequeueCaller and HangUpChannel do (the mark
    undone, a Redirect to the wait loop, the leg hung up): the caller waits in music again,
    its call not ended by the end of that bridge."""
    agent = SippAgent("agent1", AGENT_PORT, Answer(ring_seconds=0.2, talk_seconds=5.0))
    caller = SippCaller(NUMBER, 25060, hangup_after=12.0)
    with FastAgi(24573, ["SET VARIABLE CENTRALINO_QUEUED 1"]), agent, caller:
        waiting = waiting_caller(pbx)
        ring_agent1(ami, 5, waiting)
        ami.wait(lambda m: m.get("Event") == "BridgeEnter" and m["Channel"] == waiting)
        ami.action("Setvar", Channel=waiting, Variable="CENTRALINO_DONE", Value="0")
        ami.action("Redirect", Channel=waiting, Context="centralino-citizens", Exten="s",
                   Priority="queued")  # fmt: skip
        ami.action("Hangup", Channel="ring-5")
        ami.wait(lambda m: m.get("Event") == "Hangup" and m["Uniqueid"] == "ring-5")
        time.sleep(0.5)
        held = [c for c in channels(pbx) if c[0] == waiting]
    assert held, "the caller's call ended"
    assert held[0][5] == "MusicOnHold", held


def test_an_agent_leg_whose_caller_is_gone_says_its_bridge_failed(pbx: Asterisk, ami: Ami) -> None:
    with SippAgent("agent1", AGENT_PORT, Answer(ring_seconds=0.2, talk_seconds=3.0)):
        ring_agent1(ami, 4, "PJSIP/citizens-0000ffff")
        failed = ami.wait(lambda m: m.get("UserEvent") == "CentralinoBridgeFailed"
                          and m.get("Ring") == "ring-4")  # fmt: skip
        # the leg waits for the engine (its own Bridge, or its hang-up)
        assert next(c for c in channels(pbx) if c[0] == failed["Channel"])[5] == "Wait"
    assert failed["Result"] == "NONEXISTENT"


@pytest.mark.parametrize(
    ("behaviour", "reason", "cause"),
    [(NoAnswer(), "3", None), (Busy(ring_seconds=0.2), "0", "17")],  # 17: user busy
    ids=["no-answer", "busy"],
)
def test_an_agent_who_does_not_answer(
    pbx: Asterisk, ami: Ami, behaviour: NoAnswer | Busy, reason: str, cause: str | None
) -> None:
    with SippAgent("agent2", AGENT_PORT + 1, behaviour) as agent:
        ami.action("Originate", Channel="PJSIP/agent2", Context="centralino-connect", Exten="s",
                   Priority=1, Async="true", Timeout=1000, ChannelId="ring-2")  # fmt: skip
        response = ami.wait(lambda m: m.get("Event") == "OriginateResponse")
        hangup = ami.wait(lambda m: m.get("Event") == "Hangup" and m["Uniqueid"] == "ring-2")
        time.sleep(0.2)  # the 487/ACK exchange after the CANCEL
    assert (response["Response"], response["Reason"]) == ("Failure", reason)
    assert cause is None or hangup["Cause"] == cause
    assert agent.result is not None
    assert agent.result.failed == 0, agent.result


def in_the_fallback_queue(pbx: Asterisk) -> None:
    queued = wait_for(lambda: [c for c in channels(pbx) if c[5] == "Queue"], timeout=10)
    assert queued[0][6].startswith("centralino-fallback,"), queued


def test_without_the_agi_server_the_caller_waits_in_the_fallback_queue(pbx: Asterisk) -> None:
    """Nobody listens on the AGI port (the engine is down): app_queue takes the caller, and
    queue_log keeps its entry and its hang-up for the engine (acd/telephony/queue_log.py)."""
    with SippCaller(NUMBER, 25060, hangup_after=3, caller="3337770001") as call:
        in_the_fallback_queue(pbx)
        result = call.wait(timeout=15)
    assert result.ok, result
    queue_log = pbx.paths.host("log", "queue_log")
    lines = wait_for(lambda: [x for x in queue_log.read_text().splitlines()
                              if "|centralino-fallback|" in x and "3337770001" in x])  # fmt: skip
    call_id = lines[-1].split("|")[1]
    written = wait_for(lambda: [c for c in fallback_contacts(queue_log.read_text().splitlines(),
                                                              FALLBACK_QUEUE, "urp")
                                if c.contact_id == call_id and c.ended_at])  # fmt: skip
    assert (written[0].caller_number, written[0].dialled_number) == ("3337770001", NUMBER)
    assert (written[0].outcome, written[0].agent_id) == ("abandoned", None)


def test_failure_from_the_agi_server_before_the_engine_took_the_call(pbx: Asterisk) -> None:
    """What the engine answers to a malformed AGI environment (acd/telephony/agi.py): res_agi
    ends the AGI with AGISTATUS=FAILURE before the engine marked the call as its own, so the
    dialplan sends it to the fallback queue as if the engine were away."""
    with FastAgi(24573, ["FAILURE"]), SippCaller(NUMBER, 25060, hangup_after=3) as call:
        in_the_fallback_queue(pbx)
        result = call.wait(timeout=15)
    assert result.ok, result


# The IVR's first command (ivr/runner.py, IvrRunner.serve): both marks in one MSet
FIRST_COMMAND = 'EXEC MSet "CENTRALINO_ENGINE=1,CENTRALINO_DEFAULT_SERVICE=urp"'


def test_a_session_the_engine_lost_midway_gets_the_apology(pbx: Asterisk) -> None:
    """The engine set CENTRALINO_ENGINE=1 (its first act, with the tree's default service:
    see below), then the session failed: the caller is the engine's (its contact exists),
    so "sorry" and hang-up, not the queue."""
    script = ["SET VARIABLE CENTRALINO_ENGINE 1", "FAILURE"]
    with FastAgi(24573, script), SippCaller(NUMBER, 25060) as call:
        played = wait_for(lambda: [c for c in channels(pbx) if c[5] == "Playback"], timeout=10)
        result = call.wait(timeout=15)
    assert played[0][6] == "im-sorry&please-try-call-later"
    assert result.ok, result


def test_a_session_lost_midway_queues_the_caller_for_the_trees_default_service(
    pbx: Asterisk, ami: Ami
) -> None:
    """The IVR had put its tree's default service on the channel: the engine gone, the
    caller waits in the queue loop, marked as the IVR marks a queued caller, for the next
    engine to take back (acd/telephony/resume.py)."""
    script = [FIRST_COMMAND]
    # (then the socket closes, as when the engine is killed: AGISTATUS=SUCCESS, no end mark)
    with FastAgi(24573, script), SippCaller(NUMBER, 25060, hangup_after=None):
        caller = waiting_caller(pbx)
        ami.action("CoreShowChannels")
        held = ami.wait(lambda m: m.get("Event") == "CoreShowChannel" and m["Channel"] == caller)
    variables = dict(line.split("=", 1) for line in held["ChanVariable"].splitlines())
    assert variables["CENTRALINO_QUEUED"] == "1"
    assert (variables["CENTRALINO_SERVICE"], variables["CENTRALINO_PRIORITY"]) == ("urp", "0")
    assert abs(float(variables["CENTRALINO_ENTERED"]) - time.time()) < 30
    assert variables.get("CENTRALINO_DONE", "") == ""


def test_instances_run_side_by_side(pbx: Asterisk, tmp_path: Path) -> None:
    other = Asterisk(load_config(write_test_config(tmp_path, offset=100)), tmp_path / "data")
    try:
        with other:
            assert other.running_pid() not in (None, pbx.running_pid())
            assert "127.0.0.1:25160" in other.cli("pjsip show transports")
            assert "127.0.0.1:25060" in pbx.cli("pjsip show transports")
        assert other.running_pid() is None
        assert not asterisk_pids(other.paths.conf_file)
    finally:
        shutil.rmtree(other.paths.host_base, ignore_errors=True)


def test_a_start_takes_over_what_a_run_as_root_left(tmp_path: Path) -> None:
    """An instance last run as root (before Asterisk had its own account): its root-owned
    directories and files are handed to Asterisk, which starts and writes to them."""
    asterisk = Asterisk(load_config(write_test_config(tmp_path, offset=500)), tmp_path / "data")
    for name in ("lib", "log", "run", "spool/voice-messages"):
        asterisk.paths.host(name).mkdir(parents=True)
    old_log = asterisk.paths.messages_log
    old_log.write_text("[2025-01-01 00:00:00.000] NOTICE[1] an older run as root\n")
    try:
        with asterisk:
            account = run_as(asterisk.paths.root)
            assert old_log.stat().st_uid == account.uid
            wait_for(lambda: "NOTICE" in old_log.read_text().splitlines()[-1], timeout=5)
            voice = asterisk.paths.host("spool", "voice-messages").stat()
            assert (voice.st_uid, stat.S_IMODE(voice.st_mode)) == (account.uid, 0o700)
    finally:
        shutil.rmtree(asterisk.paths.host_base, ignore_errors=True)


def test_a_second_start_of_the_same_instance_is_refused(
    pbx: Asterisk, center: CenterConfig
) -> None:
    twin = Asterisk(center, pbx.paths.data_dir)
    with pytest.raises(AsteriskStartError, match=f"already running.*pid {pbx.running_pid()}"):
        twin.start()


def test_a_start_with_the_sip_port_taken_names_the_port(tmp_path: Path) -> None:
    cfg = load_config(write_test_config(tmp_path, offset=200))
    with SippAgent("squatter", cfg.ports.sip, NoAnswer()) as squatter:
        with pytest.raises(AsteriskStartError) as failure:
            Asterisk(cfg, tmp_path / "data").start()
        pid = squatter.pid
    assert f"SIP port 127.0.0.1:{cfg.ports.sip}/udp is already taken by pid {pid} (sipp)" in str(
        failure.value
    )


Passwords = dict[str, str]
Render = Callable[[CenterConfig, InstancePaths, str, Passwords, Passwords, Passwords], None]


def broken(pattern: str, replacement: str) -> Render:
    """render_config, then one file of it spoilt."""

    def render(
        cfg: CenterConfig,
        instance: InstancePaths,
        secret: str,
        passwords: Passwords,
        trunk_passwords: Passwords,
        softphone_passwords: Passwords,
    ) -> None:
        render_config(cfg, instance, secret, passwords, trunk_passwords, softphone_passwords)
        for path in instance.host("etc").glob("*.conf"):
            path.write_text(re.sub(pattern, replacement, path.read_text()))

    return render


@pytest.mark.parametrize(
    ("pattern", "replacement", "why", "logged"),
    [
        (
            "require = pbx_config.so",
            "require = pbx_nonexistent.so",
            "Asterisk exited while starting",
            "pbx_nonexistent.so",
        ),
        (
            r"bind = 127\.0\.0\.1:",
            "bind = 127.0.0.256:",
            "SIP port 127.0.0.1:25460/udp is not Asterisk's",
            "transport",
        ),
    ],
    ids=["missing-module", "bad-transport"],
)
def test_a_refused_configuration_is_explained_with_its_log_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pattern: str,
    replacement: str,
    why: str,
    logged: str,
) -> None:
    monkeypatch.setattr("acd.asterisk.control.render_config", broken(pattern, replacement))
    asterisk = Asterisk(load_config(write_test_config(tmp_path, offset=400)), tmp_path / "data")
    try:
        with pytest.raises(AsteriskStartError) as failure:
            asterisk.start()
        assert asterisk.running_pid() is None
        assert not asterisk_pids(asterisk.paths.conf_file)
    finally:
        shutil.rmtree(asterisk.paths.host_base, ignore_errors=True)
    message = str(failure.value)
    assert message.startswith(why), message
    assert "ERROR" in message, message
    assert logged in message, message


def test_stop_leaves_no_asterisk_process(pbx: Asterisk) -> None:
    pid = pbx.running_pid()
    assert pid is not None
    started = time.monotonic()
    pbx.stop()
    assert time.monotonic() - started < 5
    assert pbx.running_pid() is None
    assert asterisk_pids(pbx.paths.conf_file) == []
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
