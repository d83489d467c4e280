"""sipp's message trace (-trace_msg), read back message by message."""

from __future__ import annotations

from demo.sipp import TracedMessage, traced_messages

TRACE = """\
----------------------------------------------- 2026-11-29 22:03:37.387716
UDP message received [321] bytes :

REGISTER sip:127.0.0.3:35972 SIP/2.0
CSeq: 1 REGISTER


----------------------------------------------- 2026-11-29 22:03:37.389240
UDP message sent (342 bytes):

SIP/2.0 401 Unauthorized
CSeq: 1 REGISTER

"""


def test_each_message_with_its_direction() -> None:
    assert traced_messages(TRACE) == [
        TracedMessage(True, "REGISTER sip:127.0.0.3:35972 SIP/2.0\nCSeq: 1 REGISTER"),
        TracedMessage(False, "SIP/2.0 401 Unauthorized\nCSeq: 1 REGISTER"),
    ]
    assert traced_messages(TRACE)[1].first_line == "SIP/2.0 401 Unauthorized"


def test_no_trace_no_messages() -> None:
    assert traced_messages("") == []
