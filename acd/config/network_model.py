"""Where the center listens: the ``network:`` section (addresses, TLS, NAT).

Ports stay in ``ports:``; this section says on which addresses, and how the web is
encrypted. Every default is loopback, so a configuration without ``network:`` listens on
127.0.0.1 only, as before.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from acd.config.addresses import Host
from acd.config.base import Strict

_HOST = r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
_ORIGIN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"


class WebNetwork(Strict):
    """The web (pages, API, websocket). TLS: a certificate and key given here; when none is
    given and the bind is not loopback, a self-signed pair is generated once into the data
    directory (``acd.web.tls``)."""

    bind: IPv4Address = IPv4Address("127.0.0.1")
    # The names people type to reach it (DNS names; addresses are always accepted): a Host
    # header naming anything else is refused, against DNS rebinding.
    names: tuple[Annotated[str, Field(pattern=_HOST)], ...] = ()
    tls: bool | None = None  # None: TLS when the bind is not loopback or a cert is given
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Origins the browser may send besides the web's own (e.g. a reverse proxy's).
    allowed_origins: tuple[Annotated[str, Field(pattern=_ORIGIN)], ...] = ()
    # Behind a reverse proxy that terminates TLS: cookies are marked Secure anyway.
    behind_tls_proxy: bool = False
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_hours: int = Field(10, ge=1, le=7 * 24)

    @property
    def wants_tls(self) -> bool:
        if self.tls is not None:
            return self.tls
        return self.tls_cert is not None or not self.bind.is_loopback

    @model_validator(mode="after")
    def _tls_consistent(self) -> WebNetwork:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        if self.tls is False and self.tls_cert is not None:
            raise ValueError("tls is false but a certificate is given")
        if self.tls is False and not self.bind.is_loopback:
            raise ValueError("plain HTTP only on a loopback bind: passwords would cross the "
                             "network in clear (put a TLS reverse proxy in front and bind it "
                             "to 127.0.0.1, with behind_tls_proxy: true)")  # fmt: skip
        return self


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
