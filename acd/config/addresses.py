"""Addresses in the SIP parts of the configuration: hosts, ``host[:port]`` servers, and the
sources a trunk's calls may come from.

Each is checked when loaded, so nothing that reaches pjsip.conf can hold a space, a ``;``
(a comment there) or a line break.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from acd.config.base import Strict

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
SIP_PORT = 5060


def _host(text: str) -> str:
    if not _HOST.match(text):
        raise ValueError(f"not a host name or IPv4 address: {text!r}")
    return text


def _source(text: str) -> str:
    """An IPv4 address, an IPv4 network (``10.1.2.0/24``) or a host name."""
    if "/" not in text:
        return _host(text)
    try:
        network = IPv4Network(text, strict=False)
    except ValueError:
        raise ValueError(f"not an IPv4 network: {text!r}") from None
    if network.prefixlen == 0:
        raise ValueError(f"{text!r} is every address: anybody could call in as the trunk")
    return text


Host = Annotated[str, AfterValidator(_host)]
Source = Annotated[str, AfterValidator(_source)]


class Server(Strict):
    """A SIP server, written ``host`` or ``host:port`` (5060 when not given)."""

    host: Host
    port: int = Field(SIP_PORT, ge=1, le=65535)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        host, colon, port = value.partition(":")
        if not colon:
            return {"host": host}
        if not port.isdigit():
            raise ValueError(f"a server is host or host:port, got {value!r}")
        return {"host": host, "port": int(port)}

    @property
    def uri(self) -> str:
        return f"sip:{self.host}:{self.port}"
