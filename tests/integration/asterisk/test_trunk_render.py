"""Trunks and the SIP network, rendered: PJSIP objects per trunk, their dialplan contexts,
the transport's bind and NAT settings, and where RTP listens."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from acd.asterisk import InstancePaths, render_config
from acd.asterisk.errors import AsteriskError
from acd.config import CenterConfig, load_config
from acd.config.network_model import Network, SipNetwork
from tests.integration.asterisk.helpers import ConfFile

E2E = Path(__file__).resolve().parents[2] / "e2e"
PASSWORD = "pr0v;der"
Objects = dict[tuple[str, str], dict[str, list[str]]]


@pytest.fixture(scope="module")
def trunks() -> CenterConfig:
    return load_config(E2E / "trunks.yaml")


def render(cfg: CenterConfig, tmp_path: Path, passwords: dict[str, str] | None = None) -> Path:
    instance = InstancePaths(tmp_path / "root", tmp_path / "data")
    agents = {a.id: "agent-pw" for a in cfg.agents}
    render_config(cfg, instance, "s3cret", agents, {"provider": PASSWORD} | (passwords or {}))
    return instance.host("etc")


def pjsip_objects(etc: Path) -> Objects:
    """Every pjsip.conf section by (name, type), each option with all its values; a section
    from the endpoint template has no type line of its own."""
    objects: Objects = {}
    for block in ("\n" + (etc / "pjsip.conf").read_text()).split("\n[")[1:]:
        head, *lines = block.splitlines()
        options: dict[str, list[str]] = {}
        for line in (ln.split(";", 1)[0] for ln in lines):
            if "=" in line:
                key, _, value = line.partition("=")
                options.setdefault(key.strip(), []).append(value.strip())
        kind = options.get("type", ["endpoint" if "](endpoint-common)" in head else ""])[0]
        objects[(head[: head.index("]")], kind)] = options
    return objects


def test_a_registration_trunk_is_identified_by_its_registrar_and_registers(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    objects = pjsip_objects(render(trunks, tmp_path))
    endpoint = objects[("provider", "endpoint")]
    assert endpoint["identify_by"] == ["ip"]
    assert endpoint["context"] == ["centralino-trunk-provider"]
    assert endpoint["allow"] == ["alaw,ulaw"]
    assert (endpoint["aors"], endpoint["outbound_auth"]) == (["provider"], ["provider-auth"])
    assert "auth" not in endpoint  # the provider is never challenged: its address says who
    assert objects[("provider", "identify")]["match"] == ["127.0.0.3"]
    assert objects[("provider", "aor")]["contact"] == ["sip:127.0.0.3:35070"]
    registration = objects[("provider", "registration")]
    assert registration["server_uri"] == ["sip:127.0.0.3:35070"]
    assert registration["client_uri"] == ["sip:centralino-mo@127.0.0.3:35070"]
    assert registration["outbound_auth"] == ["provider-auth"]
    assert registration["contact_user"] == ["0590000000"]
    auth = objects[("provider-auth", "auth")]
    assert auth["username"] == ["centralino-mo"]


def test_the_password_is_escaped_for_pjsip_conf(trunks: CenterConfig, tmp_path: Path) -> None:
    text = (render(trunks, tmp_path) / "pjsip.conf").read_text()
    assert "password = pr0v\\;der\n" in text  # unescaped, ';' would start a comment


def test_a_registration_trunk_without_its_password_is_not_rendered(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    with pytest.raises(AsteriskError, match="no password for trunk 'provider'"):
        render_config(trunks, InstancePaths(tmp_path / "r", tmp_path / "d"), "s", {}, {})


def test_an_ip_trunk_has_its_addresses_and_no_way_out_without_a_server(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    objects = pjsip_objects(render(trunks, tmp_path))
    endpoint = objects[("carrier", "endpoint")]
    assert (endpoint["identify_by"], endpoint["allow"]) == (["ip"], ["alaw"])
    assert "aors" not in endpoint
    assert "outbound_auth" not in endpoint
    assert objects[("carrier", "identify")]["match"] == ["127.0.0.4"]
    assert ("carrier", "aor") not in objects
    assert ("carrier", "registration") not in objects


def test_only_trunks_enter_the_citizens_numbers_and_nothing_dials_a_trunk(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    etc = render(trunks, tmp_path)
    contexts = {o["context"][0] for o in pjsip_objects(etc).values() if "context" in o}
    assert contexts == {
        "centralino-trunk-provider",
        "centralino-trunk-carrier",
        "centralino-agents",
    }
    dialplan = ConfFile(str(etc / "extensions.conf"))
    for trunk, did in (("provider", "0590000000"), ("carrier", "0590000001")):
        context = dialplan.section(f"centralino-trunk-{trunk}")
        assert [line.split(",")[0] for line in context["exten"]] == [did]
        assert context["same"][-1] == "n,Goto(centralino-citizens,${EXTEN},1)"
    agents = dialplan.section("centralino-agents")
    assert not any("Dial" in line for lines in agents.values() for line in lines)
    outbound = dialplan.section("centralino-outbound")
    assert outbound["exten"] == [
        "s,1,UserEvent(CentralinoOutboundAnswered,Call: ${CENTRALINO_CALL})"
    ]


def test_without_trunks_the_local_trunk_keeps_every_number(tmp_path: Path) -> None:
    etc = render(load_config(E2E / "center.yaml"), tmp_path)
    objects = pjsip_objects(etc)
    citizens = objects[("citizens", "endpoint")]
    assert (citizens["identify_by"], citizens["allow"]) == (["ip"], ["ulaw,alaw"])
    assert objects[("citizens", "identify")]["match"] == ["127.0.0.1"]
    context = ConfFile(str(etc / "extensions.conf")).section("centralino-trunk-citizens")
    assert [e.split(",")[0] for e in context["exten"]] == ["0590000000", "_X.", "s"]


def test_the_local_trunks_calls_out_reach_the_citizens_line_when_given(tmp_path: Path) -> None:
    """``ports.citizens_line`` (the demo's simulated citizens, called back): an AOR."""
    cfg = load_config(E2E / "center.yaml")
    cfg = cfg.model_copy(update={"ports": cfg.ports.model_copy(update={"citizens_line": 27000})})
    objects = pjsip_objects(render(cfg, tmp_path))
    assert objects[("citizens", "endpoint")]["aors"] == ["citizens"]
    assert objects[("citizens", "aor")]["contact"] == ["sip:127.0.0.1:27000"]
    assert objects[("citizens", "identify")]["match"] == ["127.0.0.1"]


def test_a_trunks_calls_have_the_callers_values_cleaned_first(tmp_path: Path) -> None:
    """Before anything reads them (the AGI, AMI events): CALLERID(num), (name), (dnid),
    (rdnis) keep what a number or a name may hold; an EXTEN the pattern let in dirty goes to
    's'; a raw EXTEN is only ever measured, never put into an expression."""
    etc = render(load_config(E2E / "center.yaml"), tmp_path)
    text = (etc / "extensions.conf").read_text()
    context = text.split("[centralino-trunk-citizens]\n", 1)[1].split("\n\n", 1)[0]
    entries = context.split("exten => ")[1:]
    assert [entry.split(",", 1)[0] for entry in entries] == ["0590000000", "_X.", "s"]
    number, name = "0-9A-Za-z+*#._\\x2d", "\\x20-\\x7e\\x80-\\xff"
    for entry in entries:
        lines = entry.splitlines()
        assert [line.split(",", 1)[1] for line in lines[:4]] == [
            "1," + cleans("num", number),
            cleans("name", name),
            cleans("dnid", number),
            cleans("rdnis", number),
        ]
        assert lines[-1] == " same => n,Goto(centralino-citizens,${EXTEN},1)"
    dirty = " same => n,GotoIf($[${LEN(${FILTER(0-9+*#,${EXTEN})})} != ${LEN(${EXTEN})}]?s,1)"
    assert [dirty in entry.splitlines() for entry in entries] == [False, True, False]


def cleans(field: str, allowed: str) -> str:
    return f"Set(CALLERID({field})=${{FILTER({allowed},${{CALLERID({field})}})}})"


def with_sip(cfg: CenterConfig, **sip: object) -> CenterConfig:
    return cfg.model_copy(update={"network": Network(sip=SipNetwork.model_validate(sip))})


def test_by_default_sip_and_rtp_listen_on_loopback(trunks: CenterConfig, tmp_path: Path) -> None:
    objects = pjsip_objects(render(trunks, tmp_path))
    transport = objects[("transport-udp", "transport")]
    assert transport["bind"] == ["127.0.0.1:35060"]
    assert not {"external_media_address", "external_signaling_address", "local_net"} & set(
        transport
    )
    common = objects[("endpoint-common", "endpoint")]
    assert (common["media_address"], common["bind_rtp_to_media_address"]) == (
        ["127.0.0.1"],
        ["yes"],
    )


def test_a_bind_behind_nat_announces_the_external_addresses(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    cfg = with_sip(
        trunks,
        bind=IPv4Address("192.168.1.10"),
        external_signaling_address="pbx.example.org",
        external_media_address="203.0.113.7",
        local_net=(IPv4Network("192.168.0.0/16"), IPv4Network("10.0.0.0/8")),
    )
    objects = pjsip_objects(render(cfg, tmp_path))
    transport = objects[("transport-udp", "transport")]
    assert transport["bind"] == ["192.168.1.10:35060"]
    assert transport["external_signaling_address"] == ["pbx.example.org"]
    assert transport["external_media_address"] == ["203.0.113.7"]
    assert transport["local_net"] == ["192.168.0.0/16", "10.0.0.0/8"]
    common = objects[("endpoint-common", "endpoint")]
    assert common["media_address"] == ["192.168.1.10"]  # RTP on the SIP address only


def test_a_bind_on_every_address_lets_rtp_listen_on_every_address(
    trunks: CenterConfig, tmp_path: Path
) -> None:
    objects = pjsip_objects(render(with_sip(trunks, bind=IPv4Address("0.0.0.0")), tmp_path))
    assert objects[("transport-udp", "transport")]["bind"] == ["0.0.0.0:35060"]
    common = objects[("endpoint-common", "endpoint")]
    assert "media_address" not in common
    assert "bind_rtp_to_media_address" not in common
