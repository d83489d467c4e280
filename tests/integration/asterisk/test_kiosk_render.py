"""A district totem in Asterisk's configuration: a WebRTC endpoint with video, its own
password, and a context that leads only to its entry into the engine."""

from __future__ import annotations

from pathlib import Path

from acd.asterisk import InstancePaths, render_config
from acd.asterisk.secret import load_agent_passwords
from acd.config import load_config
from tests.integration.asterisk.test_asterisk_render import conf, pjsip_sections

KIOSK_CENTER = Path(__file__).parents[2] / "e2e" / "kiosk.yaml"


def test_a_kiosk_is_a_webrtc_endpoint_with_video_that_calls_only_its_entry(
    tmp_path: Path,
) -> None:
    cfg = load_config(KIOSK_CENTER)
    instance = InstancePaths(tmp_path / "root", tmp_path / "data")
    owners = [*cfg.phone_owners(), "kiosk-q1-centro", "kiosk-q2-crocetta"]
    phones = load_agent_passwords(instance.softphone_passwords_file, owners)
    desks = load_agent_passwords(instance.agent_passwords_file, cfg.phone_owners())
    render_config(cfg, instance, "s", desks, None, phones)
    sections = pjsip_sections(instance.host("etc", "pjsip.conf").read_text())
    kiosk = sections["kiosk-q1-centro"]
    assert (kiosk["context"], kiosk["aors"], kiosk["auth"]) == (
        "centralino-kiosks", "kiosk-q1-centro", "kiosk-q1-centro-auth")  # fmt: skip
    assert kiosk["callerid"] == '"Quartiere 1 - Centro Storico" <kiosk-q1-centro>'
    assert kiosk["rtp_timeout"] == "0"  # waiting in music, Asterisk sees no video
    assert "vp8,h264" in sections["webrtc-common"]["allow"]  # its template's codecs
    auth = sections["kiosk-q1-centro-auth"]
    assert (auth["username"], auth["password"]) == ("kiosk-q1-centro", phones["kiosk-q1-centro"])
    assert phones["kiosk-q1-centro"] != phones["kiosk-q2-crocetta"]
    text = instance.host("etc", "pjsip.conf").read_text()
    assert text.count("[kiosk-q1-centro](webrtc-common)") == 1
    kiosks = conf(instance, "extensions.conf").section("centralino-kiosks")
    # The services some kiosk offers, each to the engine's AGI; nothing else to dial.
    assert [e.split(",")[0] for e in kiosks["exten"]] == ["urp", "anagrafe"]
    assert kiosks["same"].count("n,AGI(agi://127.0.0.1:34673/kiosk)") == 2
    assert not any("Dial" in line for line in kiosks["same"])


def test_without_kiosks_nothing_is_rendered_for_them(tmp_path: Path) -> None:
    cfg = load_config(Path(__file__).parents[2] / "e2e" / "center.yaml")
    instance = InstancePaths(tmp_path / "root", tmp_path / "data")
    render_config(cfg, instance, "s", load_agent_passwords(instance.agent_passwords_file,
                                                           cfg.phone_owners()))  # fmt: skip
    assert "kiosk-" not in instance.host("etc", "pjsip.conf").read_text()
    assert "exten" not in conf(instance, "extensions.conf").section("centralino-kiosks")
