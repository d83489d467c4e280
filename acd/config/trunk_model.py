"""The trunks: the lines from the telephone providers (the ``trunks:`` section).

A trunk is a PJSIP endpoint that only its provider's addresses can use (``identify_by =
ip``): a request from anywhere else, whatever its From says, never reaches the IVR. Two
types:

- ``ip``: the provider calls from ``addresses`` (hosts or networks) and, if the engine
  calls out over the trunk, takes the calls at ``server``;
- ``registration``: the center registers at the provider's registrar ``server`` as
  ``username`` (digest authentication, also answered on calls out). The password is never
  in this file: it is kept in the data directory (``centralino asterisk trunk-secret``).
  Calls come in from the server's host, and from any other ``addresses`` given.

Calls in: a call to one of the trunk's ``dids`` (each a number of ``numbers:``) reaches that
number's IVR tree; a call to any other number is refused. Calls out: only the engine places
them (``acd.telephony.outbound``), and only to a number that one of the trunk's ``outbound``
patterns matches in full; no pattern, no call out. No dialplan route leads to a trunk.

Without ``trunks:`` the center has the local trunk of the demo and the tests (``local_trunk``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from acd.config.addresses import Server, Source
from acd.config.base import Strict

TRUNK_NAME = r"^[a-z][a-z0-9_-]*$"
DID = Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")]
Codec = Literal["alaw", "ulaw"]  # the codecs the instance loads (modules.conf)
LOCAL_ADDRESS = "127.0.0.1"


def _pattern(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {text!r} ({exc})") from None
    return text


Pattern = Annotated[str, AfterValidator(_pattern)]


class _Trunk(Strict):
    name: Annotated[str, Field(pattern=TRUNK_NAME)]
    codecs: tuple[Codec, ...] = ("alaw", "ulaw")
    dids: tuple[DID, ...] = ()
    outbound: tuple[Pattern, ...] = ()  # regular expressions, each matching a whole number
    addresses: tuple[Source, ...] = ()

    @property
    def context(self) -> str:
        """The dialplan context the trunk's calls enter (only its DIDs lead on)."""
        return f"centralino-trunk-{self.name}"


class IpTrunk(_Trunk):
    """A provider identified by the addresses it calls from."""

    type: Literal["ip"]
    server: Server | None = None  # where calls out go

    @property
    def sources(self) -> tuple[str, ...]:
        return self.addresses


class RegistrationTrunk(_Trunk):
    """A provider the center registers with; its calls come from the server's host."""

    type: Literal["registration"]
    server: Server
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.server.host, *self.addresses)))


Trunk = Annotated[IpTrunk | RegistrationTrunk, Field(discriminator="type")]


def local_trunk(numbers: tuple[str, ...], line_port: int | None = None) -> IpTrunk:
    """The trunk of a center without ``trunks:``: the sipp callers of the demo and the tests
    on 127.0.0.1, carrying every number; calls out may go to any number (the IVR's transfer
    nodes dial out over it, callbacks call back over it), and reach 127.0.0.1:``line_port``
    (``ports.citizens_line``: the demo's simulated citizens) if it is given."""
    return IpTrunk(
        type="ip",
        name="citizens",
        addresses=(LOCAL_ADDRESS,),
        server=None if line_port is None else Server(host=LOCAL_ADDRESS, port=line_port),
        dids=numbers,
        codecs=("ulaw", "alaw"),  # as before trunks
        outbound=(r"\+?[0-9]+",),
    )
