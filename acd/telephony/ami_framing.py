"""The AMI stream cut into messages, and the messages a caller could have written refused.

Pure: text in, header lists out. Asterisk ends every header line with CR LF and every
message with a blank line, and writes a few values exactly as the caller sent them, %XX
escapes decoded (seen on Asterisk 22.10): ``CallerIDNum`` (the From user), ``Exten`` (the
request-URI user) and ``ConnectedLineNum`` (a copy of a caller's number). The dialplan cleans
them first thing (extensions.conf), but ``Newchannel`` is written before it runs, and a
``CoreShowChannels`` answer can catch a channel in that instant. In such a value

- a CR LF CR LF ends the message early and starts one of the caller's writing (a
  ``Hangup`` of another call, say). manager.conf's exclude filter keeps such events from
  the engine; list answers pass no filter: ``ListGuard`` watches them;
- a lone CR LF adds header lines of the caller's choosing to a real message: a second
  ``Event``, another call's ``Uniqueid``, the ``ActionID`` of a pending action ...;
- a lone CR or LF stays inside the value (lines end with CR LF only).

So ``parse`` refuses a whole message (``Refused``) when

- a line is not ``Name: value``;
- a header other than a ``ChanVariable`` comes twice: a forged header cannot hide a real one;
- a value holds a CR or LF;
- a caller's value is not followed by the header Asterisk writes right after it
  (``CallerIDNum`` by ``CallerIDName``, ``ConnectedLineNum`` by ``ConnectedLineName``,
  ``Exten`` by ``Priority``, or by ``Reason`` in ``OriginateResponse``): whatever a caller
  adds sits exactly there, so an added header that is no repeat is caught too (and one
  that ends with the expected header makes that header come twice).

A reason never quotes a value, nor a header name that could hold a number: the values are
the caller's (acd/redact.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

Headers = tuple[tuple[str, str], ...]
"""One message's headers in Asterisk's order; a repeated header (ChanVariable) repeats."""

GREETING = "Asterisk Call Manager/"
MAX_MESSAGE = 256 * 1024  # characters: Asterisk's longest messages are a few kilobytes
_END = "\r\n\r\n"
_NAME = r"[!-9;-~]+"  # printable ASCII but ':' and space
# a header line: its name up to the first ": ", its value (a lone CR or LF included: the
# checks below refuse it with its own reason)
_LINE = re.compile(rf"({_NAME}): (.*)", re.DOTALL)
_SHOWN = re.compile(r"[A-Za-z-]{1,40}")  # a name that may go to the log: no digits in it
# manager.conf channelvars: "ChanVariable: N=V" in a channel's block, and
# "ChanVariable(CHANNEL): N=V" after an event about channels (OriginateResponse)
_REPEATABLE = re.compile(r"ChanVariable(\([^()]*\))?")
# a caller's value, and the header Asterisk writes next (manager_channels.c's channel block)
_FOLLOWERS = {"CallerIDNum": "CallerIDName", "ConnectedLineNum": "ConnectedLineName",
              "Exten": "Priority"}  # fmt: skip
_ORIGINATE_FOLLOWERS = _FOLLOWERS | {"Exten": "Reason"}  # manager.c's OriginateResponse
_CALLERS_VALUES = tuple(_FOLLOWERS)


@dataclass(frozen=True, slots=True)
class Refused:
    """A message dropped whole: its kind (Event or Response name) and why."""

    kind: str
    reason: str


def shown(name: str) -> str:
    """``name`` if the log may show it (letters and '-' only), else '?'."""
    return name if _SHOWN.fullmatch(name) else "?"


def parse(block: str) -> Headers | Refused:
    """One message (the text between blank lines) as headers, or why it is refused."""
    headers: list[tuple[str, str]] = []
    for line in block.split("\r\n"):
        header = _LINE.fullmatch(line)
        if header is None:
            return Refused(_kind(block), "a line is not 'Name: value'")
        headers.append(header.groups())  # type: ignore[arg-type]  # (two groups, both found)
    reason = damage(tuple(headers))
    return Refused(_kind(block), reason) if reason else tuple(headers)


def _kind(block: str) -> str:
    return shown(block.split("\r\n", 1)[0].partition(": ")[2])


def damage(headers: Headers) -> str | None:
    """Why these headers cannot all be Asterisk's, or None."""
    return _repeated(headers) or _broken_value(headers) or _displaced(headers)


def _repeated(headers: Headers) -> str | None:
    names = [name for name, _ in headers
             if not name.startswith("ChanVariable") or not _REPEATABLE.fullmatch(name)]  # fmt: skip
    if len(set(names)) == len(names):  # (nearly always: one pass in C)
        return None
    twice = [name for name, count in Counter(names).items() if count > 1]
    return f"{shown(twice[0])} comes twice"


def _broken_value(headers: Headers) -> str | None:
    values = "".join(value for _, value in headers)
    broken = "\r" in values or "\n" in values
    return "a value holds a line break" if broken else None


def _displaced(headers: Headers) -> str | None:
    """A caller's value must be followed by the header Asterisk writes right after it."""
    originate = headers[0] == ("Event", "OriginateResponse")
    followers = _ORIGINATE_FOLLOWERS if originate else _FOLLOWERS
    names = [name for name, _ in headers] + [""]
    for index, name in enumerate(names[:-1]):
        if not name.endswith(_CALLERS_VALUES):  # (most headers: one test in C)
            continue
        for field, follower in followers.items():
            prefix = name.removesuffix(field)  # (a prefixed block: DestCallerIDNum ...)
            if name.endswith(field) and names[index + 1] != prefix + follower:
                return f"{shown(name)} is not followed by {shown(prefix + follower)}"
    return None


class Framer:
    """Cuts the decoded stream into messages: ``feed`` text, get what it completed.

    A message that grows past ``max_message`` characters without its end is refused and
    the rest of it, up to its blank line, skipped: the buffer never holds more."""

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self._buffer = ""
        self._greeted = False
        self._skipping = False  # inside a message refused for its length
        self._max = max_message

    def feed(self, text: str) -> list[Headers | Refused]:
        self._buffer += text
        if not self._greeted and not self._skip_greeting():
            if len(self._buffer) > self._max:  # no greeting line, ever: not Asterisk
                self._greeted = True
            return []
        *blocks, self._buffer = self._buffer.split(_END)
        if blocks and self._skipping:  # the end of the overlong message
            blocks, self._skipping = blocks[1:], False
        # (panoramisk tolerates a stray line end between messages: so do we)
        out = [parse(block.lstrip("\r\n")) for block in blocks if block.strip("\r\n")]
        if len(self._buffer) > self._max:
            self._buffer = self._buffer[-(len(_END) - 1) :]  # (an end cut in two survives)
            if not self._skipping:
                self._skipping = True
                out.append(Refused("?", f"a message longer than {self._max} characters"))
        return out

    def _skip_greeting(self) -> bool:
        """The greeting line, which no blank line follows; False until it is whole."""
        if "\r\n" not in self._buffer and self._buffer.startswith(GREETING[: len(self._buffer)]):
            return False
        if self._buffer.startswith(GREETING):
            self._buffer = self._buffer.split("\r\n", 1)[1]
        self._greeted = True
        return True


class ListGuard:
    """Tells when a message cannot be Asterisk's, around list answers.

    Asterisk handles one action at a time and sends the events queued meanwhile only
    between actions (main/manager.c, ``do_message``): a list answer (``EventList: start``
    ... ``EventList: Complete``) comes in one piece, with its ActionID on every message and
    ``ListItems`` counting its items. A message without that ActionID inside it, a count that
    does not match, or a message of the list after its end were written by a caller (a
    forged value cut the list); nothing that follows on the connection can be trusted.
    """

    def __init__(self) -> None:
        self._open: str | None = None  # the ActionID of the list being answered
        self._items = 0
        self._closed = ""  # the last list answered

    @property
    def listing(self) -> bool:
        return self._open is not None

    def check(self, message: Mapping[str, str]) -> str | None:
        """Why ``message`` cannot be Asterisk's here, or None (it is then taken as read)."""
        action_id = message.get("ActionID", "")
        if self._open is None:
            return self._outside(message, action_id)
        if action_id != self._open:
            return "a message inside a list answer that is not part of it"
        if message.get("EventList") != "Complete":
            self._items += 1
            return None
        self._open, self._closed = None, action_id
        if message.get("ListItems") != str(self._items):
            return "a list answer whose ListItems does not count its items"
        return None

    def _outside(self, message: Mapping[str, str], action_id: str) -> str | None:
        if action_id and action_id == self._closed:
            return "a message of a list answer after its end"
        if message.get("EventList") == "start":
            self._open, self._items = action_id, 0
        return None
