"""The telephony layer's errors: one small hierarchy, translated at the boundary.

TelephonyError
├── AmiError                 AMI (acd.telephony.ami)
│   ├── AmiNotConnected      no logged-in connection, or it dropped while the action waited
│   ├── AmiActionTimeout     Asterisk did not answer the action in time
│   ├── AmiActionError       Asterisk answered "Response: Error"
│   └── AmiUnsafeHeader      a header value holds CR or LF: refused before it is sent
├── OutboundNotAllowed       a call out a trunk may not make (acd.telephony.outbound)
└── AgiError                 FastAGI (acd.telephony.agi)
    ├── ChannelGone          the channel hung up: HANGUP line, 511 reply, closed connection
    ├── AgiCommandTimeout    no reply in time (the session ends: later replies would shift)
    └── AgiCommandError      a 5xx reply (510 unknown command, 520 usage) or a failed command
"""

from __future__ import annotations


class TelephonyError(Exception):
    """Anything the telephony adapters could not do."""


class AmiError(TelephonyError):
    pass


class AmiNotConnected(AmiError):
    pass


class AmiActionTimeout(AmiError):
    pass


class AmiUnsafeHeader(AmiError):
    """A header name or value with CR or LF, which would smuggle headers into the action."""


class AmiActionError(AmiError):
    """Asterisk refused the action; ``response`` holds its answer's headers."""

    def __init__(self, action: str, response: dict[str, str]) -> None:
        super().__init__(f"{action}: {response.get('Message') or response.get('Response')}")
        self.action = action
        self.response = response


class OutboundNotAllowed(TelephonyError):
    """A call out refused before anything was sent: an unknown trunk, or a number it may
    not dial."""


class AgiError(TelephonyError):
    pass


class ChannelGone(AgiError):
    pass


class AgiCommandTimeout(AgiError):
    pass


class AgiCommandError(AgiError):
    pass
