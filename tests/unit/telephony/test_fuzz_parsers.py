"""Property-based fuzzing (hypothesis) of what reads Asterisk's wire: AMI framing and list
guard, the AGI environment and reply parsers. Whatever comes in: a result or the parser's
own refusal, never another exception, never a hang, and memory bounded."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.telephony.agi import AgiEnvironment, _read_headers, parse_reply
from acd.telephony.ami_framing import GREETING, Framer, ListGuard, Refused, damage, parse
from acd.telephony.errors import AgiCommandError, AgiError
from tests.unit.telephony.fakes import AGI_HEADERS

pytestmark = pytest.mark.timeout(60)
FAST = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

# Text near the protocols: their separators and names come up often, the rest at random.
PIECES = st.sampled_from(["\r\n", "\r\n\r\n", "\n", "\r", ": ", ":", "Event", "Response",
                          "ActionID", "EventList", "start", "Complete", "ListItems",
                          "CallerIDNum", "CallerIDName", "Exten", "Priority", "ChanVariable",
                          "OriginateResponse", "Uniqueid", "1", "agi_", "agi_threadid",
                          "agi_uniqueid", "200 result=", "HANGUP", "(", ")", "=", " ", "\x00",
                          "é", "\ud7ff"])  # fmt: skip
WIRE_TEXT = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=60).map("".join)


@FAST
@given(chunks=st.lists(WIRE_TEXT, max_size=8), greet=st.booleans())
def test_the_ami_framer_takes_any_stream(chunks: list[str], greet: bool) -> None:
    framer = Framer(max_message=500)
    guard = ListGuard()
    for chunk in ([GREETING + "9.0.0\r\n"] if greet else []) + chunks:
        for frame in framer.feed(chunk):
            if isinstance(frame, Refused):
                assert frame.reason
            else:
                assert all(isinstance(n, str) and isinstance(v, str) for n, v in frame)
                assert guard.check(dict(frame)) in (None, *_GUARD_REASONS)
        assert len(framer._buffer) <= 500 + len(chunk)


_GUARD_REASONS = (
    "a message inside a list answer that is not part of it",
    "a list answer whose ListItems does not count its items",
    "a message of a list answer after its end",
)


@FAST
@given(block=WIRE_TEXT)
def test_ami_parse_gives_headers_or_a_reason(block: str) -> None:
    got = parse(block)
    if isinstance(got, Refused):
        assert got.reason
    else:
        assert damage(got) is None


def test_an_endless_ami_message_is_refused_and_memory_stays_bounded() -> None:
    framer = Framer(max_message=1000)
    frames = framer.feed(GREETING + "9.0.0\r\nEvent: Newchannel\r\n")
    for _ in range(100):
        frames += framer.feed("Variable: " + "x" * 100 + "\r\n")
        assert len(framer._buffer) <= 1000 + 200
    assert [f for f in frames if isinstance(f, Refused)] == [
        Refused("?", "a message longer than 1000 characters")
    ]
    frames = framer.feed("Tail: x\r\n\r\nEvent: Hangup\r\nUniqueid: 1.2\r\n\r\n")
    assert frames == [(("Event", "Hangup"), ("Uniqueid", "1.2"))]  # the tail skipped


@FAST
@given(line=WIRE_TEXT)
def test_an_agi_reply_parses_or_is_unreadable(line: str) -> None:
    try:
        reply = parse_reply(line)
    except AgiCommandError:
        return
    assert 0 <= reply.code <= 999


async def _environment(data: bytes) -> AgiEnvironment | None:
    reader = asyncio.StreamReader(limit=2**12)
    reader.feed_data(data)
    reader.feed_eof()
    try:
        return await asyncio.wait_for(_read_headers(reader), 2.0)
    except (AgiError, ValueError):  # the session's own refusals (ValueError: a line too long)
        return None


@FAST
@given(
    data=st.one_of(
        WIRE_TEXT.map(str.encode),
        st.binary(max_size=300),
        st.tuples(st.integers(0, len(AGI_HEADERS)), WIRE_TEXT).map(
            lambda cut: (AGI_HEADERS[: cut[0]] + cut[1] + AGI_HEADERS[cut[0] :]).encode()
        ),
    )
)
def test_the_agi_environment_parses_or_is_refused(data: bytes) -> None:
    env = asyncio.run(_environment(data))
    if env is not None:
        assert all(name.startswith("agi_") for name in env.headers)
        assert env.fault or "agi_threadid" in env.headers


def test_the_real_environment_parses_clean() -> None:
    env = asyncio.run(_environment(AGI_HEADERS.encode()))
    assert env is not None
    assert not env.fault
