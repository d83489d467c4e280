"""Checks of the trunks and the SIP network that need the whole configuration.

Trunks: names unique and apart from the agents' and supervisors' PJSIP sections; each DID a
number of ``numbers:``; calls out over an ``ip`` trunk need its ``server``; the IVR's transfer
nodes dial out over the outside line, so it must be a trunk that allows their numbers.

The SIP network (``network.sip``): an external address (behind NAT) needs ``local_net``, the
networks reached without NAT, and a bind address others can reach; ``local_net`` alone does
nothing. A trunk or an agent on 127.0.0.1 with a bind that is not loopback is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from acd.config.model import CenterConfig, agent_sections
from acd.config.network_model import SipNetwork
from acd.config.trunk_model import IpTrunk, RegistrationTrunk
from ivr.model import TransferNode

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]
NO_LOCAL_NET = "an external address needs local_net: the networks reached without NAT"
LOOPBACK_BEHIND_NAT = (
    "a loopback bind is not reachable from outside: external addresses need the address"
    " (or 0.0.0.0) that the NAT forwards to"
)
RESERVED = frozenset({"global", "transport-udp", "transport-ws", "endpoint-common",
                      "webrtc-common"})  # pjsip.conf sections  # fmt: skip


def check_trunks(cfg: CenterConfig) -> Found:
    taken = RESERVED | {name for owner in cfg.phone_owners() for name in agent_sections(owner)}
    seen: set[str] = set()
    numbers = {n.number for n in cfg.numbers}
    for i, trunk in enumerate(cfg.trunks or ()):
        at: Path = ("trunks", i)
        yield from _name(at, trunk.name, seen, taken)
        seen |= {trunk.name, f"{trunk.name}-auth"}
        yield from _dids(at, trunk, numbers)
        if not trunk.codecs:
            yield (*at, "codecs"), "a trunk needs a codec (alaw, ulaw)"
        if isinstance(trunk, IpTrunk):
            yield from _ip_trunk(at, trunk)
    yield from _outside_line(cfg)


def _ip_trunk(at: Path, trunk: IpTrunk) -> Found:
    if not trunk.addresses:
        yield (*at, "addresses"), "an ip trunk needs the addresses its provider calls from"
    if trunk.outbound and trunk.server is None:
        yield (*at, "outbound"), "calls out need the trunk's server (where they go)"


def _name(at: Path, name: str, seen: set[str], taken: frozenset[str] | set[str]) -> Found:
    if name in seen:
        yield (*at, "name"), f"trunk {name!r} is defined twice"
    elif name in taken or f"{name}-auth" in taken:
        yield (*at, "name"), (f"{name!r} is taken (an agent's or a supervisor's id, or a name "
                              "Centralino uses)")  # fmt: skip


def _dids(at: Path, trunk: IpTrunk | RegistrationTrunk, numbers: set[str]) -> Found:
    for j, did in enumerate(trunk.dids):
        if did not in numbers:
            yield (*at, "dids", j), f"{did!r} is not in numbers: (no IVR tree answers it)"
        elif did in trunk.dids[:j]:
            yield (*at, "dids", j), f"{did!r} is listed twice"


def _outside_line(cfg: CenterConfig) -> Found:
    """Transfer nodes dial out over ``outside.endpoint``: a trunk that allows their numbers."""
    transfers = [
        (("ivr", tree_name, "nodes", node_name, "number"), node.number)
        for tree_name, tree in cfg.ivr.items()
        for node_name, node in tree.nodes.items()
        if isinstance(node, TransferNode)
    ]
    if not transfers:
        return
    name = cfg.outside.endpoint
    trunk = next((t for t in cfg.trunks_in_use() if t.name == name), None)
    for at, number in transfers:
        if trunk is None:
            yield at, f"no trunk {name!r} to dial out on (outside.endpoint)"
        elif not any(re.fullmatch(p, number) for p in trunk.outbound):
            yield at, f"trunk {name!r} does not allow calls out to {number!r} (its outbound)"


def check_sip_network(sip: SipNetwork) -> Found:
    at: Path = ("network", "sip")
    external = sip.external_signaling_address or sip.external_media_address
    if external and not sip.local_net:
        yield (*at, "local_net"), NO_LOCAL_NET
    if external and sip.bind.is_loopback:
        yield (*at, "bind"), LOOPBACK_BEHIND_NAT
    if sip.local_net and not external:
        yield (*at, "local_net"), "local_net does nothing without an external address"
