"""AgiServer and AgiSession against a fake Asterisk speaking FastAGI from transcripts."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from acd.telephony.agi import AgiReply, AgiServer, AgiSession, parse_reply, quote
from acd.telephony.errors import AgiCommandError, AgiCommandTimeout, ChannelGone
from tests.unit.telephony.fakes import AGI_HEADERS, FakeAsterisk, run, serve_one_call

pytestmark = pytest.mark.timeout(20)  # a frozen loop fails here instead of hanging the run

USAGE_ERROR = (
    "520-Invalid command syntax.  Proper usage follows:\n"
    "Usage: GET DATA <file to be streamed> [timeout] [maxdigits]\n"
    "520 End of proper usage.\n"
)


def test_connection_closed_before_end_of_headers_does_not_freeze_the_loop() -> None:
    """(a) an empty read ends the half-born session; other coroutines keep running."""
    handled: list[AgiSession] = []

    async def handler(session: AgiSession) -> None:
        handled.append(session)

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, handler)
        await server.start()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.002)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        try:
            for partial in (b"", b"agi_network: yes\nagi_channel: PJSIP/tr"):  # scan, cut
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(partial)
                writer.write_eof()  # our side is done: the server reads EOF
                assert await asyncio.wait_for(reader.read(), 1.0) == b""  # it closed too
                writer.close()
                await writer.wait_closed()
                before = ticks
                await asyncio.sleep(0.05)
                assert ticks > before
            assert server.live_sessions == 0
            asterisk = FakeAsterisk(server.port, [])  # and the next real call is served
            await asyncio.wait_for(asterisk.call(), 2.0)
        finally:
            ticking.cancel()
            await asyncio.wait([ticking])
            await server.close()
        assert len(handled) == 1

    run(main)


def test_silent_connection_is_closed_after_the_header_timeout() -> None:
    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, _never_called, header_timeout=0.1)
        await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert await asyncio.wait_for(reader.read(), 1.0) == b""
        writer.close()
        await writer.wait_closed()
        await server.close()

    run(main)


def test_hangup_line_between_commands_ends_the_session() -> None:
    """(b) the unsolicited HANGUP is not taken for the next answer: ChannelGone, then silence."""
    outcome: list[object] = []

    async def handler(session: AgiSession) -> None:
        await session.answer()
        for attempt in (
            lambda: session.get_data("benvenuto", 3000, 1),
            lambda: session.set_variable("CENTRALINO_QUEUED", "1"),
        ):
            try:
                outcome.append(await attempt())
            except ChannelGone as exc:
                outcome.append(exc)
        assert session.gone

    async def main() -> None:
        asterisk = await serve_one_call(handler, ["200 result=0\nHANGUP\n"])
        # GET DATA got 511 from Asterisk; nobody read it as an answer, nothing followed.
        assert asterisk.commands == ["ANSWER", 'GET DATA "benvenuto" 3000 1']
        assert [type(o) for o in outcome] == [ChannelGone, ChannelGone]

    run(main)


def test_hangup_during_a_command_ends_the_session(caplog: pytest.LogCaptureFixture) -> None:
    """(b) result=-1 then HANGUP (caller hung up during the prompt): ChannelGone, cleanly."""

    async def handler(session: AgiSession) -> None:
        await session.stream_file("benvenuto", "12")
        raise AssertionError("not reached")

    async def main() -> None:
        asterisk = await serve_one_call(handler, ["200 result=-1 endpos=1840\nHANGUP\n"])
        assert asterisk.commands == ['STREAM FILE "benvenuto" "12"', "CHANNEL STATUS"]

    with caplog.at_level(logging.INFO, logger="acd.telephony.agi"):
        run(main)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Asterisk sent HANGUP" in caplog.text


def test_511_reply_ends_the_session() -> None:
    """(b) 511 'dead channel' ends the session like HANGUP does."""
    outcome: list[object] = []

    async def handler(session: AgiSession) -> None:
        for _ in range(2):
            try:
                await session.set_variable("CENTRALINO_QUEUED", "1")
            except ChannelGone as exc:
                outcome.append(str(exc))

    async def main() -> None:
        asterisk = await serve_one_call(handler, [])  # every reply is 511
        assert asterisk.commands == ['SET VARIABLE "CENTRALINO_QUEUED" "1"']
        assert outcome == [
            "511 Command Not Permitted on a dead channel or intercept routine",
            "511 Command Not Permitted on a dead channel or intercept routine",
        ]

    run(main)


def test_headers_and_ivr_commands() -> None:
    seen: dict[str, Any] = {}

    async def handler(session: AgiSession) -> None:
        seen["ids"] = (session.channel, session.uniqueid, session.script)
        seen["name"] = session.headers["agi_calleridname"]
        seen["dnid"] = session.headers["agi_dnid"]
        await session.answer()
        await session.set_language("it")
        seen["play"] = [await session.stream_file("menu", "123") for _ in range(2)]
        seen["data"] = [await session.get_data("pin", 5000, 4) for _ in range(2)]
        seen["vars"] = [await session.get_variable(n) for n in ("CALLER", "NOPE")]
        seen["exec"] = await session.exec("MusicOnHold", "default,5")
        await session.hangup()

    async def main() -> None:
        asterisk = await serve_one_call(
            handler,
            [
                "200 result=0\n",
                "200 result=1\n",
                "200 result=50 endpos=5280\n",
                "200 result=0 endpos=16000\n",
                "200 result=1234\n",
                "200 result= (timeout)\n",
                "200 result=1 (PJSIP/trunk-00000003)\n",
                "200 result=0\n",
                "100 result=0 Trying...\n200 result=0\n",
                "200 result=1\nHANGUP\n",
            ],
        )
        assert asterisk.commands == [
            "ANSWER",
            'SET VARIABLE "CHANNEL(language)" "it"',
            'STREAM FILE "menu" "123"',
            'STREAM FILE "menu" "123"',
            'GET DATA "pin" 5000 4',
            'GET DATA "pin" 5000 4',
            'GET VARIABLE "CALLER"',
            'GET VARIABLE "NOPE"',
            'EXEC MusicOnHold "default,5"',
            "HANGUP",
        ]

    run(main)
    assert seen["ids"] == ("PJSIP/trunk-00000003", "1732806000.3", "ivr")
    assert (seen["name"], seen["dnid"]) == ("Niccolò Rossi", "059200000")
    assert seen["play"] == ["2", None]
    assert seen["data"] == ["1234", ""]
    assert seen["vars"] == ["PJSIP/trunk-00000003", None]
    assert seen["exec"].result == "0"


def test_prompt_failing_on_a_live_channel_does_not_end_the_session() -> None:
    """result=-1 is also a missing sound file: CHANNEL STATUS tells it from a hang-up."""
    seen: list[object] = []

    async def handler(session: AgiSession) -> None:
        seen.append(await session.stream_file("missing", ""))
        seen.append(await session.get_data("missing", 3000, 1))
        seen.append(await session.get_variable("CALLER"))

    async def main() -> None:
        asterisk = await serve_one_call(
            handler,
            [
                "200 result=-1 endpos=0\n",
                "200 result=6\n",
                "200 result=-1\n",
                "200 result=6\n",
                "200 result=1 (PJSIP/trunk-00000003)\n",
            ],
        )
        assert asterisk.commands[1::2] == ["CHANNEL STATUS", "CHANNEL STATUS"]

    run(main)
    assert seen == [None, "", "PJSIP/trunk-00000003"]


def test_usage_error_is_an_error_and_the_session_stays_in_step() -> None:
    seen: list[object] = []

    async def handler(session: AgiSession) -> None:
        with pytest.raises(AgiCommandError):
            await session.command("GET DATA")
        seen.append(await session.get_variable("CALLER"))

    async def main() -> None:
        await serve_one_call(handler, [USAGE_ERROR, "200 result=1 (PJSIP/trunk-00000003)\n"])

    run(main)
    assert seen == ["PJSIP/trunk-00000003"]


def test_command_timeout_ends_the_session() -> None:
    """A late reply would answer the next command: after a timeout the session is over."""
    seen: list[type[Exception]] = []

    async def handler(session: AgiSession) -> None:
        for _ in range(2):
            try:
                await session.answer()
            except (AgiCommandTimeout, ChannelGone) as exc:
                seen.append(type(exc))

    async def main() -> None:
        asterisk = await serve_one_call(handler, [None], command_timeout=0.1)
        assert asterisk.commands == ["ANSWER"]
        assert asterisk.saw_eof

    run(main)
    assert seen == [AgiCommandTimeout, ChannelGone]


def test_handler_exception_is_logged_and_the_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    async def handler(session: AgiSession) -> None:
        calls.append(session.uniqueid)
        if len(calls) == 1:
            raise RuntimeError("bug in the IVR")
        await session.answer()

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, handler)
        await server.start()
        try:
            first, second = (
                FakeAsterisk(server.port, []),
                FakeAsterisk(server.port, ["200 result=0\n"]),
            )
            await asyncio.wait_for(first.call(), 2.0)
            await asyncio.wait_for(second.call(), 2.0)
        finally:
            await server.close()
        assert (first.commands, second.commands) == ([], ["ANSWER"])

    run(main)
    assert len(calls) == 2
    assert "bug in the IVR" in caplog.text


def test_close_ends_every_live_session() -> None:
    ended: list[str] = []

    async def handler(session: AgiSession) -> None:
        try:
            await session.exec("Wait", "60")  # Asterisk busy: no reply for a long time
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    async def main() -> None:
        server = AgiServer("127.0.0.1", 0, handler)
        await server.start()
        heads = [AGI_HEADERS.replace("000.3", f"000.{n}") for n in range(3)]  # 3 uniqueids
        callers = [FakeAsterisk(server.port, [None], headers=h) for h in heads]
        calls = [asyncio.create_task(c.call()) for c in callers]
        await asyncio.wait_for(asyncio.gather(*(c.heard.wait() for c in callers)), 2.0)
        assert server.live_sessions == 3
        await server.close()
        await asyncio.wait_for(asyncio.gather(*calls), 1.0)
        assert server.live_sessions == 0
        assert all(c.saw_eof for c in callers)

    run(main)
    assert ended == ["cancelled"] * 3


def test_parse_reply() -> None:
    assert parse_reply("200 result=1 (timeout) endpos=8000") == AgiReply(
        200, "1", "timeout", {"endpos": "8000"}, "200 result=1 (timeout) endpos=8000"
    )
    assert parse_reply("200 result=1 (a (b) c)").data == "a (b) c"
    assert parse_reply("200 result= (timeout)").result == ""
    assert parse_reply("510 Invalid or unknown command").code == 510
    with pytest.raises(AgiCommandError):
        parse_reply("HANGUP")


def test_arguments_are_quoted_and_newlines_refused() -> None:
    assert quote('say "ciao" \\ bye') == '"say \\"ciao\\" \\\\ bye"'
    with pytest.raises(ValueError, match="newline in AGI text"):
        quote("x\nHANGUP")


def test_the_headers_transcript_ends_with_a_blank_line() -> None:
    assert AGI_HEADERS.endswith("\n\n")


def _with_callerid(value: str) -> str:
    return AGI_HEADERS.replace("agi_callerid: 3331234567\n", f"agi_callerid: {value}\n")


async def _call(headers: str, replies: list[str | None], handler: Any) -> FakeAsterisk:
    server = AgiServer("127.0.0.1", 0, handler)
    await server.start()
    try:
        asterisk = FakeAsterisk(server.port, replies, headers=headers)
        await asyncio.wait_for(asterisk.call(), 3.0)
        return asterisk
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("callerid", "fault"),
    [
        # recorded on Asterisk 22.10: From user 3330000031%0A%0A200%20result%3D49%0A
        ("3330000031\n\n200 result=49\n", "a blank line before agi_threadid"),
        ("3330000031\n200 result=49", "a line is not 'agi_NAME: value'"),
        ("3330000031\nagi_dnid: 0599999999", "agi_dnid comes twice"),
        ("3330000031\nagi_3331234567: x\nagi_3331234567: y", "a name comes twice"),
    ],
    ids=["blank-line", "reply-line", "forged-dnid", "digits-in-name"],
)
def test_a_malformed_environment_is_refused_and_asterisk_told_failure(
    callerid: str, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No line of the environment is taken for a reply; Asterisk gets FAILURE (AGISTATUS
    FAILURE: the dialplan plays its fallback); the warning quotes no value."""

    async def main() -> None:
        asterisk = await _call(_with_callerid(callerid), ["200 result=0\n"], _never_called)
        assert asterisk.commands == ["FAILURE"]
        assert asterisk.saw_eof

    with caplog.at_level(logging.INFO):
        run(main)
    refusal = [r for r in caplog.records if "refused" in r.getMessage()]
    assert [r.levelno for r in refusal] == [logging.WARNING]
    assert f"malformed environment ({fault})" in refusal[0].getMessage()
    assert "PJSIP/trunk-00000003" in refusal[0].getMessage()
    # (not "333" alone: the ephemeral port in "listening on 127.0.0.1:N" may hold it)
    assert "3330000031" not in caplog.text
    assert "3331234567" not in caplog.text


def test_the_arguments_after_agi_threadid_belong_to_the_environment() -> None:
    seen: list[str] = []

    async def handler(session: AgiSession) -> None:
        seen.append(session.headers["agi_arg_1"])
        await session.answer()

    headers = AGI_HEADERS.removesuffix("\n") + "agi_arg_1: urp-greeting\n\n"

    async def main() -> None:
        asterisk = await _call(headers, ["200 result=0\n"], handler)
        assert asterisk.commands == ["ANSWER"]

    run(main)
    assert seen == ["urp-greeting"]


def test_an_environment_line_where_a_reply_is_due_is_no_reply() -> None:
    """A forged early end of the environment: the rest of it is not read as answers."""
    seen: list[type[BaseException]] = []

    async def handler(session: AgiSession) -> None:
        with pytest.raises(AgiCommandError, match="environment line where a reply was due"):
            await session.answer()
        seen.append(AgiCommandError)

    async def main() -> None:
        await _call(AGI_HEADERS, ["agi_calleridname: Niccolò Rossi\n"], handler)

    run(main)
    assert seen == [AgiCommandError]


async def _never_called(session: AgiSession) -> None:
    raise AssertionError(f"handler called for {session.headers}")


def test_plain_variables_are_set_in_one_command_and_others_one_by_one() -> None:
    async def handler(session: AgiSession) -> None:
        await session.set_variables((("CENTRALINO_SERVICE", "urp"), ("CENTRALINO_REQUIREMENT", ""),
                                     ("CENTRALINO_ENTERED", "1700000000.125"),
                                     ("CENTRALINO_QUEUED", "1")))  # fmt: skip
        await session.set_variables((("CENTRALINO_SERVICE", "a,b"), ("CENTRALINO_QUEUED", "1")))

    async def main() -> None:
        asterisk = await serve_one_call(handler, ["200 result=0\n"] * 3)
        assert asterisk.commands == [
            'EXEC MSet "CENTRALINO_SERVICE=urp,CENTRALINO_REQUIREMENT=,'
            'CENTRALINO_ENTERED=1700000000.125,CENTRALINO_QUEUED=1"',
            'SET VARIABLE "CENTRALINO_SERVICE" "a,b"',
            'SET VARIABLE "CENTRALINO_QUEUED" "1"',
        ]

    run(main)
