"""Trunks and the SIP network in the configuration: shapes and cross-checks at load, each
problem as FILE:LINE: PATH: message."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from acd.config import load_config
from acd.config.trunk_model import IpTrunk, RegistrationTrunk
from tests.unit.config_helpers import broken, line_of, problems

TESTS = Path(__file__).parents[1]
SOURCE = TESTS / "e2e" / "trunks.yaml"
WITHOUT_TRUNKS = TESTS / "e2e" / "center.yaml"
REGISTRATION = "    type: registration\n"
CARRIER_DIDS = 'dids: ["0590000001"]'


def found_after(tmp_path: Path, old: str, new: str) -> tuple[Path, list[str]]:
    path = broken(SOURCE, tmp_path, old, new)
    return path, problems(path)


def test_trunks_load_with_their_types() -> None:
    cfg = load_config(SOURCE)
    provider, carrier = cfg.trunks_in_use()
    assert isinstance(provider, RegistrationTrunk)
    assert (provider.server.host, provider.server.port) == ("127.0.0.3", 35070)
    assert provider.sources == ("127.0.0.3",)  # its calls come from the registrar's host
    assert (provider.codecs, provider.context) == (("alaw", "ulaw"), "centralino-trunk-provider")
    assert isinstance(carrier, IpTrunk)
    assert (carrier.sources, carrier.codecs, carrier.outbound) == (("127.0.0.4",), ("alaw",), ())


def test_without_trunks_the_local_trunk_carries_every_number() -> None:
    cfg = load_config(WITHOUT_TRUNKS)
    (local,) = cfg.trunks_in_use()
    assert isinstance(local, IpTrunk)
    assert (local.name, local.sources) == ("citizens", ("127.0.0.1",))
    assert local.dids == tuple(n.number for n in cfg.numbers)
    assert cfg.network.sip.bind == IPv4Address("127.0.0.1")


def test_a_did_must_be_a_public_number(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, CARRIER_DIDS, 'dids: ["0590000009", "0590000001"]')
    line = line_of(path, "0590000009")
    assert found == [
        f"trunks.yaml:{line}: trunks.1.dids.0: '0590000009' is not in numbers: "
        "(no IVR tree answers it)"
    ]
    _, found = found_after(tmp_path, CARRIER_DIDS, 'dids: ["0590000001", "0590000001"]')
    assert found == [f"trunks.yaml:{line}: trunks.1.dids.1: '0590000001' is listed twice"]


def test_a_registration_trunk_needs_its_server_and_username(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, "    username: centralino-mo\n", "")
    line = line_of(path, "- name: provider")
    assert found == [f"trunks.yaml:{line}: trunks.0: missing required field 'username'"]
    _, found = found_after(tmp_path, "    server: 127.0.0.3:35070\n", "")
    assert found == [f"trunks.yaml:{line}: trunks.0: missing required field 'server'"]


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (REGISTRATION, "    type: sip\n", "trunks.0", "unknown type 'sip'"),
        ("127.0.0.3:35070", "127.0.0.3:sip", "trunks.0.server", "host or host:port"),
        ("127.0.0.3:35070", "127.0.0.3:70000", "trunks.0.server.port", "less than or equal"),
        ("127.0.0.3:35070", "'bad host;x'", "trunks.0.server.host", "not a host name"),
        ("[127.0.0.4]", "[0.0.0.0/0]", "trunks.1.addresses.0", "anybody could call in"),
        ("[127.0.0.4]", "[10.0.0.0/33]", "trunks.1.addresses.0", "not an IPv4 network"),
        ("[127.0.0.4]", "[]", "trunks.1.addresses", "needs the addresses its provider"),
        ("codecs: [alaw]", "codecs: []", "trunks.1.codecs", "needs a codec"),
        ("codecs: [alaw]", "codecs: [g729]", "trunks.1.codecs.0", "'alaw' or 'ulaw'"),
        ('"3[0-9]{8,9}"]', '"3[0-9"]', "trunks.0.outbound.1", "not a regular expression"),
        ("username: centralino-mo", "username: a b", "trunks.0.username", "should match"),
        (CARRIER_DIDS, f"{CARRIER_DIDS}\n    username: x", "trunks.1.username", "unknown field"),
    ],
)
def test_shape_errors_name_the_trunk_field(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    _, found = found_after(tmp_path, old, new)
    assert len(found) == 1, found
    assert f": {where}: " in found[0], found
    assert message in found[0], found


def test_trunk_names_are_unique_and_apart_from_the_agents(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, "- name: carrier", "- name: provider")
    line = line_of(path, "type: ip") - 1  # the second trunk's name
    assert found == [f"trunks.yaml:{line}: trunks.1.name: trunk 'provider' is defined twice"]
    _, found = found_after(tmp_path, "- name: carrier", "- name: agent1")
    assert found == [
        f"trunks.yaml:{line}: trunks.1.name: 'agent1' is taken (an agent's or a supervisor's "
        "id, or a name Centralino uses)"
    ]
    _, found = found_after(tmp_path, "- name: carrier", "- name: global")
    assert len(found) == 1
    assert "'global' is taken" in found[0]


def test_calls_out_over_an_ip_trunk_need_its_server(tmp_path: Path) -> None:
    outbound = 'outbound: ["0.*"]'
    path, found = found_after(tmp_path, CARRIER_DIDS, f"{CARRIER_DIDS}\n    {outbound}")
    assert found == [
        f"trunks.yaml:{line_of(path, outbound)}: trunks.1.outbound: calls out need the "
        "trunk's server (where they go)"
    ]
    path = broken(SOURCE, tmp_path, CARRIER_DIDS,
                  f'{CARRIER_DIDS}\n    outbound: ["0.*"]\n    server: 127.0.0.4')  # fmt: skip
    carrier = load_config(path).trunks_in_use()[1]
    assert isinstance(carrier, IpTrunk)
    assert carrier.server is not None
    assert carrier.server.uri == "sip:127.0.0.4:5060"


TRANSFER = "      to-urp: {type: transfer, number: NUMBER}\n"
ENQUEUE = "      to-urp: {type: enqueue, service: urp}\n"


def test_transfer_nodes_dial_out_over_a_trunk_that_allows_their_number(tmp_path: Path) -> None:
    path, found = found_after(tmp_path, ENQUEUE, TRANSFER.replace("NUMBER", '"0592032000"'))
    assert found == [
        f"trunks.yaml:{line_of(path, '0592032000')}: ivr.main.nodes.to-urp.number: no trunk "
        "'citizens' to dial out on (outside.endpoint)"
    ]
    outside = "outside: {endpoint: provider}\n\nnumbers:"
    text = path.read_text().replace("numbers:", outside, 1)
    path.write_text(text)
    assert load_config(path).outside.endpoint == "provider"  # 0592032000 is allowed
    path.write_text(text.replace('"0592032000"', '"899123456"'))
    assert problems(path) == [
        f"trunks.yaml:{line_of(path, '899123456')}: ivr.main.nodes.to-urp.number: trunk "
        "'provider' does not allow calls out to '899123456' (its outbound)"
    ]


NETWORK = "\nnetwork:\n  sip: SIP\n\nnumbers:"


def with_sip(tmp_path: Path, sip: str) -> Path:
    return broken(SOURCE, tmp_path, "\nnumbers:", NETWORK.replace("SIP", sip))


def test_external_addresses_need_local_net_and_a_reachable_bind(tmp_path: Path) -> None:
    path = with_sip(tmp_path, "{bind: 0.0.0.0, external_media_address: 203.0.113.7}")
    line = line_of(path, "  sip: {")
    assert problems(path) == [
        f"trunks.yaml:{line}: network.sip.local_net: an external address needs local_net: the "
        "networks reached without NAT"
    ]
    path = with_sip(
        tmp_path, "{external_signaling_address: pbx.example.org, local_net: [192.168.0.0/16]}"
    )
    (only,) = problems(path)
    assert only.startswith(f"trunks.yaml:{line}: network.sip.bind: a loopback bind is not")
    path = with_sip(tmp_path, "{bind: 192.168.1.10, local_net: [192.168.0.0/16]}")
    assert problems(path) == [
        f"trunks.yaml:{line}: network.sip.local_net: local_net does nothing without an "
        "external address"
    ]
    path = with_sip(tmp_path, "{external_media_address: 'a;b'}")
    assert any("network.sip.external_media_address: " in p for p in problems(path))


def test_a_public_bind_behind_nat_loads(tmp_path: Path) -> None:
    path = with_sip(
        tmp_path,
        "{bind: 192.168.1.10, external_signaling_address: 203.0.113.7, "
        "external_media_address: 203.0.113.7, local_net: [192.168.0.0/16, 10.0.0.0/8]}",
    )
    sip = load_config(path).network.sip
    assert (sip.bind, sip.external_media_address) == (IPv4Address("192.168.1.10"), "203.0.113.7")
