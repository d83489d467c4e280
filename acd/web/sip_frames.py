"""What a browser may send to Asterisk through the ``/sip`` proxy: SIP as its own softphone.

The proxy reaches Asterisk from 127.0.0.1, an address Asterisk trusts more than the browser:
a request whose From names no endpoint would be taken for the local trunk's (identified by
its address) and reach the IVR as a citizen, and digest attempts on other accounts would
reach Asterisk's security log as the proxy's, which fail2ban never bans. So each message the
browser sends is read before it goes on (pure: no I/O):

- credentials (``Authorization``, ``Proxy-Authorization``) must be its own softphone's;
- a request that starts something (no To tag: REGISTER, INVITE, OPTIONS ...) must come From
  its own softphone, the only endpoint it may be identified as.

Answers (``SIP/2.0 ...``) and requests inside a dialog (a BYE, with a To tag, whose From is
the dialog's own and may name the browser's contact) go on as they are. Anything else is
refused, and the proxy closes both sides.
"""

from __future__ import annotations

import re

_URI_USER = re.compile(r"sips?:([^@;>\s]+)@", re.IGNORECASE)
_USERNAME = re.compile(r'\busername\s*=\s*"([^"]*)"', re.IGNORECASE)
_CREDENTIALS = ("authorization", "proxy-authorization")
_FROM, _TO = ("from", "f"), ("to", "t")  # full and compact header names


def refusal(frame: str, own: str) -> str | None:
    """Why the browser's ``frame`` must not reach Asterisk (None: it may). ``own``: the
    agent's softphone endpoint, its SIP user name."""
    head = frame.partition("\r\n\r\n")[0]
    if not head.strip():
        return None  # a keep-alive (CRLF): nothing to say
    start, *lines = head.split("\r\n")
    headers = _headers(lines)
    for name, value in headers:
        if name in _CREDENTIALS:
            user = _USERNAME.search(value)
            if user is None or user.group(1) != own:
                return f"credentials of {user.group(1) if user else 'nobody'!r}, not {own!r}"
    if start.startswith("SIP/2.0 ") or _has_tag(_first(headers, _TO)):
        return None  # an answer, or a request inside a dialog
    sender = _URI_USER.search(_first(headers, _FROM))
    if sender is None or sender.group(1) != own:
        return f"a request from {sender.group(1) if sender else 'nobody'!r}, not {own!r}"
    return None


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    """(lower-case name, value) of each header, folded lines joined to theirs."""
    found: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and found:
            name, value = found[-1]
            found[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            found.append((name.strip().lower(), value.strip()))
    return found


def _first(headers: list[tuple[str, str]], names: tuple[str, ...]) -> str:
    return next((value for name, value in headers if name in names), "")


def _has_tag(to: str) -> bool:
    """A To header with a tag: the request belongs to a dialog already made."""
    params = to.rpartition(">")[2] if ">" in to else to
    return re.search(r";\s*tag=", params, re.IGNORECASE) is not None
