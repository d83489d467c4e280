"""The rendered configuration, read back (pyst2 where it parses the file), and the prompts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from acd.asterisk import (
    InstancePaths,
    render_config,
    synthesize_announcements,
    synthesize_prompts,
)
from acd.asterisk.prompts import (
    prompt_path,
    synthesize_callback_phrases,
    synthesize_schedule_phrases,
)
from acd.asterisk.secret import load_agent_passwords, load_or_create_secret
from acd.config import CenterConfig, load_config
from acd.telephony.translate import EVENTS_USED
from tests.integration.asterisk.helpers import SAMPLE, ConfFile


@pytest.fixture(scope="module")
def sample() -> CenterConfig:
    return load_config(SAMPLE)


@pytest.fixture
def instance(tmp_path: Path) -> InstancePaths:
    return InstancePaths(tmp_path / "root", tmp_path / "data")


@pytest.fixture
def rendered(sample: CenterConfig, instance: InstancePaths) -> InstancePaths:
    render_config(sample, instance, "s3cret", stored_passwords(sample, instance))
    return instance


def stored_passwords(cfg: CenterConfig, instance: InstancePaths) -> dict[str, str]:
    """What ``Asterisk.start`` renders with: the passwords kept in the data directory."""
    return load_agent_passwords(instance.agent_passwords_file, cfg.phone_owners())


def conf(instance: InstancePaths, name: str) -> ConfFile:
    return ConfFile(str(instance.host("etc", name)))


def test_instance_lives_inside_the_root_under_a_stable_name(tmp_path: Path) -> None:
    a = InstancePaths(tmp_path / "root", tmp_path / "var")
    b = InstancePaths(tmp_path / "root", tmp_path / "." / "var")
    other = InstancePaths(tmp_path / "root", tmp_path / "elsewhere" / "var")
    assert a.name == b.name != other.name
    assert a.name.startswith("var-")
    assert a.host_base == tmp_path / "root" / "srv" / "centralino" / a.name
    assert a.conf_file == f"/srv/centralino/{a.name}/etc/asterisk.conf"
    assert a.to_host(a.inside("run")) == a.host("run")


def test_directories_point_inside_the_instance(rendered: InstancePaths) -> None:
    directories = conf(rendered, "asterisk.conf").section("directories")
    base = f"/srv/centralino/{rendered.name}"
    assert directories["astetcdir"] == [f"{base}/etc"]
    assert directories["astrundir"] == [f"{base}/run"]
    for name in ("etc", "run", "lib", "spool", "log", "sounds"):
        assert rendered.host(name).is_dir()


def test_modules_are_an_explicit_list(rendered: InstancePaths) -> None:
    modules = conf(rendered, "modules.conf").section("modules")
    assert modules["autoload"] == ["no"]
    required = set(modules["require"])
    assert {"chan_pjsip.so", "res_agi.so", "res_musiconhold.so", "pbx_config.so"} <= required
    assert "app_userevent.so" in modules["load"]
    trunks = {"res_pjsip_outbound_registration.so", "res_pjsip_outbound_authenticator_digest.so"}
    assert trunks | {"res_pjsip_nat.so"} <= set(modules["load"])  # registration, NAT


def test_security_events_go_to_their_own_log(rendered: InstancePaths) -> None:
    """What fail2ban reads (docs/fail2ban): res_security_log's lines, in log/security.log."""
    assert "res_security_log.so" in conf(rendered, "modules.conf").section("modules")["require"]
    logfiles = conf(rendered, "logger.conf").section("logfiles")
    assert logfiles["security.log"] == ["security"]


def test_manager_binds_loopback_with_the_secret(
    rendered: InstancePaths, sample: CenterConfig
) -> None:
    manager = conf(rendered, "manager.conf")
    general, user = manager.section("general"), manager.section("centralino")
    assert general["bindaddr"] == ["127.0.0.1"]
    assert general["port"] == [str(sample.ports.ami)]
    assert general["channelvars"] == [
        "CENTRALINO_CALL,CENTRALINO_RING,CENTRALINO_QUEUED,CENTRALINO_DONE,CENTRALINO_SERVICE,"
        "CENTRALINO_PRIORITY,CENTRALINO_REQUIREMENT,CENTRALINO_ENTERED,"
        "CENTRALINO_REQUIREMENT_SECONDS,CENTRALINO_BOOST"
    ]
    assert user["secret"] == ["s3cret"]


def test_the_engines_ami_user_gets_only_what_the_engine_uses(rendered: InstancePaths) -> None:
    user = conf(rendered, "manager.conf").section("centralino")
    assert user["write"] == ["originate,call,reporting"]  # no system, command, config ...
    assert user["read"] == ["call,user,system"]
    filters = [key for key in user if key.startswith("eventfilter")]
    by_name = sorted(EVENTS_USED - {"SoftHangupRequest", "OriginateResponse"})
    failed = "eventfilter(action(include),name(OriginateResponse),header(Response),method(exact))"
    narrowed = "eventfilter(action(include),name(SoftHangupRequest),header(Cause),method(exact))"
    agents_legs = "eventfilter(action(exclude),name(BridgeEnter),method(regex))"
    forged = "eventfilter(action(exclude),method(regex))"
    assert filters == [*(f"eventfilter(action(include),name({event}))" for event in by_name),
                       failed, narrowed, agents_legs, forged]  # fmt: skip
    assert all(user[key] == [""] for key in filters[:-4])  # by name alone, no regex to match
    assert user[narrowed] == ["4"]  # a SoftHangupRequest only as Asterisk stops
    assert user[failed] == ["Failure"]  # an OriginateResponse only for a ring that failed
    # an agent's leg entering a bridge (it has a CENTRALINO_RING): test_asterisk_live.py
    assert user[agents_legs] == [
        "[[:cntrl:]]ChanVariable([(][^)]*[)])?: CENTRALINO_RING=[^[:cntrl:]]"
    ]
    # but an event holding a blank line a caller wrote (tests/e2e/test_caller_values.py)
    assert user[filters[-1]] == ["[[:cntrl:]]{3}[^[:cntrl:]]"]


def test_only_the_files_with_secrets_are_private(rendered: InstancePaths) -> None:
    """Readable by Asterisk's group once handed over (test_asterisk_ownership), not by all."""
    for path in rendered.host("etc").iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        private = path.name in ("manager.conf", "pjsip.conf")
        assert mode == (0o640 if private else 0o644), path.name
    assert stat.S_IMODE(rendered.host("etc").stat().st_mode) == 0o750


def test_asterisk_becomes_the_unprivileged_account(rendered: InstancePaths) -> None:
    options = conf(rendered, "asterisk.conf").section("options")
    assert (options["runuser"], options["rungroup"]) == (["asterisk"], ["asterisk"])
    assert options["live_dangerously"] == ["no"]  # no SHELL() or FILE() from AMI or AGI


def test_rtp_http_and_music(rendered: InstancePaths, sample: CenterConfig) -> None:
    rtp = conf(rendered, "rtp.conf").section("general")
    assert (rtp["rtpstart"], rtp["rtpend"]) == ([str(sample.ports.rtp_start)], ["10999"])
    http = conf(rendered, "http.conf").section("general")
    assert (http["bindaddr"], http["bindport"]) == (["127.0.0.1"], ["8088"])
    music = conf(rendered, "musiconhold.conf").section("default")
    assert music["directory"] == ["/usr/share/asterisk/moh"]


def test_dialplan_runs_the_ivr_for_every_number(
    rendered: InstancePaths, sample: CenterConfig
) -> None:
    citizens = conf(rendered, "extensions.conf").section("centralino-citizens")
    assert [e.split(",")[0] for e in citizens["exten"]] == ["0592032032", "_X.", "s"]
    assert citizens["same"].count("n,AGI(agi://127.0.0.1:4573/ivr)") == 3
    hold = f"n(queued),MusicOnHold(default,{sample.routing.announce_every_seconds:g})"
    assert citizens["same"].count(hold) == 3
    # After the music: leave when the engine says so (after a bridge), else announce and loop.
    after_hold = citizens["same"].index(hold) + 1
    assert citizens["same"][after_hold] == 'n,GotoIf($["${CENTRALINO_DONE}" = "1"]?done)'
    assert citizens["same"][after_hold + 1] == "n,AGI(agi://127.0.0.1:4573/announce)"


def test_overflow_plays_a_message_or_takes_a_voice_message(rendered: InstancePaths) -> None:
    overflow = conf(rendered, "extensions.conf").section("centralino-overflow")
    assert overflow["exten"] == ["message,1,Playback(${CENTRALINO_PROMPT})",
        "voicemail,1,AGI(agi://127.0.0.1:4573/voicemail,${CENTRALINO_VOICEMAIL},"
        "${CENTRALINO_VOICEMAIL_SECONDS})"]  # fmt: skip
    # After the message, or when the engine is unreachable (sorry, call later): hang up.
    assert overflow["same"] == [
        "n,Hangup()",
        'n,GotoIf($["${AGISTATUS}" = "FAILURE"]?unreachable)',
        "n,Hangup()",
        "n(unreachable),Playback(im-sorry&please-try-call-later)",
        "n,Hangup()",
    ]


def test_agents_are_endpoints_with_their_aor(sample: CenterConfig, rendered: InstancePaths) -> None:
    text = rendered.host("etc", "pjsip.conf").read_text()
    assert "bind = 127.0.0.1:5060" in text
    assert "endpoint_identifier_order = username,ip" in text
    for agent in sample.agents:
        assert f"[{agent.id}](endpoint-common)" in text
        assert f"aors = {agent.id}" in text
    assert "max_contacts = 1" in text  # the sample's agents register (no fixed contact)


def test_each_agent_authenticates_with_its_stored_password(
    sample: CenterConfig, rendered: InstancePaths
) -> None:
    sections = pjsip_sections(rendered.host("etc", "pjsip.conf").read_text())
    stored = json.loads(rendered.agent_passwords_file.read_text())
    assert set(stored) == {*(a.id for a in sample.agents), *(s.id for s in sample.supervisors)}
    for agent in sample.agents:
        assert sections[f"{agent.id}-auth"] == {
            "type": "auth",
            "auth_type": "digest",
            "username": agent.id,
            "password": stored[agent.id],
        }
        assert sections[agent.id]["auth"] == f"{agent.id}-auth"
    assert "auth" not in sections["citizens"]  # the trunk is never challenged
    assert stat.S_IMODE(rendered.agent_passwords_file.stat().st_mode) == 0o600


def test_each_agent_has_a_webrtc_softphone_with_its_own_password(
    sample: CenterConfig, instance: InstancePaths
) -> None:
    softphones = load_agent_passwords(instance.softphone_passwords_file, sample.phone_owners())
    render_config(sample, instance, "s", stored_passwords(sample, instance), None, softphones)
    sections = pjsip_sections(instance.host("etc", "pjsip.conf").read_text())
    assert sections["transport-ws"] == {"type": "transport", "protocol": "ws",
                                        "bind": "127.0.0.1"}  # fmt: skip
    webrtc = sections["webrtc-common"]
    assert (webrtc["transport"], webrtc["webrtc"], webrtc["dtls_auto_generate_cert"]) == (
        "transport-ws", "yes", "yes",
    )  # fmt: skip
    assert (webrtc["allow"], webrtc["max_audio_streams"]) == ("opus,ulaw,alaw,vp8,h264", "1")
    desk = json.loads(instance.agent_passwords_file.read_text())
    for agent in sample.agents:
        web = f"{agent.id}-web"
        assert sections[web]["auth"] == f"{web}-auth"
        assert sections[f"{web}-auth"]["username"] == web
        assert sections[f"{web}-auth"]["password"] == softphones[agent.id] != desk[agent.id]
        assert (sections[web]["max_contacts"], sections[web]["remove_existing"]) == ("1", "yes")
    assert stat.S_IMODE(instance.softphone_passwords_file.stat().st_mode) == 0o600
    modules = conf(instance, "modules.conf").section("modules")
    websocket = {"res_http_websocket.so", "res_pjsip_transport_websocket.so", "res_srtp.so"}
    assert websocket <= set(modules["require"])
    assert conf(instance, "rtp.conf").section("general")["icesupport"] == ["yes"]


def test_a_supervisor_has_a_desk_phone_and_a_softphone_as_an_agent_has(
    sample: CenterConfig, instance: InstancePaths
) -> None:
    (supervisor,) = sample.supervisors
    softphones = load_agent_passwords(instance.softphone_passwords_file, sample.phone_owners())
    desk = stored_passwords(sample, instance)
    render_config(sample, instance, "s", desk, None, softphones)
    text = instance.host("etc", "pjsip.conf").read_text()
    sections = pjsip_sections(text)
    me, web = supervisor.id, supervisor.web_endpoint
    assert (sections[me]["context"], sections[me]["auth"]) == ("centralino-agents", f"{me}-auth")
    assert sections[f"{me}-auth"]["password"] == desk[me]
    assert sections[me]["max_contacts"] == "1"  # no fixed contact: its desk phone registers
    assert sections[f"{web}-auth"]["password"] == softphones[me] != desk[me]
    assert f"[{web}](webrtc-common)" in text


def pjsip_sections(text: str) -> dict[str, dict[str, str]]:
    """``[name](template)`` sections (pyst2 refuses templates), same-named ones merged."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            current = sections.setdefault(line[1 : line.index("]")], {})
        elif "=" in line:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    return sections


def test_secret_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ami-secret"
    first = load_or_create_secret(path)
    assert len(first) >= 24
    assert load_or_create_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_prompts_are_rebuilt_only_when_their_text_changes(
    sample: CenterConfig, instance: InstancePaths
) -> None:
    built = synthesize_prompts(sample, instance)
    assert len(built) == 2 * len(sample.prompts)
    welcome = instance.to_host(prompt_path(instance, "it", "welcome") + ".wav")
    header = welcome.read_bytes()[:44]
    assert header[:4] == b"RIFF"
    assert int.from_bytes(header[24:28], "little") == 8000
    assert int.from_bytes(header[22:24], "little") == 1  # mono
    assert synthesize_prompts(sample, instance) == []
    changed = sample.model_copy(
        update={
            "prompts": {
                **sample.prompts,
                "welcome": sample.prompts["welcome"].model_copy(update={"it": "Benvenuti."}),
            }
        }
    )
    assert synthesize_prompts(changed, instance) == [welcome]


def test_announcement_phrases_are_built_once_where_asterisk_can_read_them(
    instance: InstancePaths,
) -> None:
    built = synthesize_announcements(instance)
    assert len(built) == 2 * 38  # it and en: 22 places, 16 waits
    third = instance.to_host(prompt_path(instance, "en", "announce/place-3") + ".wav")
    assert third in built
    header = third.read_bytes()[:44]
    assert int.from_bytes(header[24:28], "little") == 8000
    assert int.from_bytes(header[22:24], "little") == 1  # mono
    for directory in (third.parent, third.parent.parent):  # sounds/en/announce, sounds/en
        assert stat.S_IMODE(directory.stat().st_mode) == 0o755
    assert synthesize_announcements(instance) == []


def test_the_callback_offer_phrases_are_built_for_the_keys_in_use(
    instance: InstancePaths, sample: CenterConfig
) -> None:
    built = synthesize_callback_phrases(sample, instance)
    assert len(built) == 2 * 7  # it and en: the offer with key 1, six more phrases
    offer = instance.to_host(prompt_path(instance, "it", "callback/offer-1") + ".wav")
    assert offer in built
    assert synthesize_callback_phrases(sample, instance) == []


def test_the_scheduling_phrases_are_built_when_a_tree_books_callbacks(
    instance: InstancePaths, sample: CenterConfig
) -> None:
    trees = {name: tree.model_copy(update={"nodes": {n: node for n, node in tree.nodes.items()
                                                     if node.type != "schedule_callback"}})
             for name, tree in sample.ivr.items()}  # fmt: skip
    assert synthesize_schedule_phrases(sample.model_copy(update={"ivr": trees}), instance) == []
    built = synthesize_schedule_phrases(sample, instance)
    assert len(built) == 2 * 31  # it, en: 9 sentences, 4 keys, 9 days x morning, afternoon
    tomorrow = instance.to_host(prompt_path(instance, "it", "schedule/tomorrow-morning") + ".wav")
    assert tomorrow in built
    assert synthesize_schedule_phrases(sample, instance) == []


def test_the_fallback_queue_rings_the_desk_phones_of_the_services_agents(
    rendered: InstancePaths, sample: CenterConfig
) -> None:
    text = rendered.host("etc", "queues.conf").read_text()
    members = [line for line in text.splitlines() if line.startswith("member =>")]
    assert members == [f"member => PJSIP/{a.id},0,{a.id}" for a in sample.fallback_members()]
    assert "ringinuse = no" in text
    assert "musicclass = default" in text
    assert "load = app_queue.so" in rendered.host("etc", "modules.conf").read_text()
    citizens = conf(rendered, "extensions.conf").section("centralino-citizens")["same"]
    assert 'n,GotoIf($["${AGISTATUS}" = "FAILURE"]?lost)' in citizens
    assert 'n(lost),GotoIf($["${CENTRALINO_ENGINE}" != "1"]?fallback)' in citizens
    assert 'n(fallback),GotoIf($["${CENTRALINO_ENGINE}" = "1"]?unreachable)' in citizens
    wait = sample.fallback.wait_seconds
    assert f"n(fallbackqueue),Queue(centralino-fallback,,${{EXTEN}},,{wait})" in citizens
    # a waiting caller whose engine stays away goes there too, marked done
    away = sample.fallback.engine_away_seconds
    assert (f"n,GotoIf($[${{EPOCH}} - ${{CENTRALINO_AWAY}} < {away}]?queued)") in citizens
    # app_queue's events never reach the engine: its AMI user's filter is unchanged
    assert not any(e.startswith("Queue") or e.startswith("Agent") for e in EVENTS_USED)
