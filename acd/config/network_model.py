"""Where the center listens: the ``network:`` section (addresses, TLS, NAT).

Ports stay in ``ports:``; this section says on which addresses, and how the web is
encrypted. Every default is loopback, so a configuration without ``network:`` listens on
127.0.0.1 only, as before.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from pydantic import Field

from acd.config.addresses import Host
from acd.config.base import Strict


class WebNetwork(Strict):
    """The web (pages, API, websocket). TLS: a certificate and key given here; when none is
    given and the bind is not loopback, a self-signed pair is generated once into the data
    directory (``acd.web.tls``)."""

    bind: IPv4Address = IPv4Address("127.0.0.1")
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Origins the browser may send besides the web's own (e.g. a reverse proxy's name).
    allowed_origins: tuple[str, ...] = ()
    # Behind a reverse proxy that terminates TLS: cookies are marked Secure anyway.
    behind_tls_proxy: bool = False
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_hours: int = Field(10, ge=1, le=7 * 24)

    @property
    def loopback(self) -> bool:
        return self.bind.is_loopback


class SipNetwork(Strict):
    """SIP and RTP: the bind address and what a PBX behind NAT must announce (to any address
    outside ``local_net``). RTP binds to the SIP address too, unless that is 0.0.0.0."""

    bind: IPv4Address = IPv4Address("127.0.0.1")
    external_signaling_address: Host | None = None
    external_media_address: Host | None = None
    local_net: tuple[IPv4Network, ...] = ()


class Network(Strict):
    web: WebNetwork = Field(default_factory=WebNetwork)  # type: ignore[arg-type]
    sip: SipNetwork = Field(default_factory=SipNetwork)
