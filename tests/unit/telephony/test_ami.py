"""AmiClient against a fake Asterisk: one test per panoramisk 1.4 pitfall, and the basics."""

from __future__ import annotations

import asyncio

import pytest

from acd.telephony.ami import AmiClient
from acd.telephony.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiNotConnected,
    AmiUnsafeHeader,
)
from tests.unit.telephony.fakes import (
    AGENT_ANSWERED,
    CALLER_NEWCHANNEL,
    FULLY_BOOTED,
    HANGUP_AGENT,
    LOGIN_FAILED,
    NEWCHANNEL_AGENT,
    PERMISSION_DENIED,
    PONG,
    ami_pair,
    run,
    until,
    wire,
)

pytestmark = pytest.mark.timeout(20)  # a frozen loop fails here instead of hanging the run

ORIGINATE = {
    "Action": "Originate",
    "Async": "true",
    "Channel": "PJSIP/agent1",
    "Context": "centralino-connect",
    "Exten": "s",
    "Priority": "1",
    "ChannelId": "ring-7",
}


def test_events_reach_on_event_in_arrival_order() -> None:
    """(d) one sync callback: events keep their order across chunks and around responses."""

    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            await until(lambda: "FullyBooted" in rec.log)
            await server.push(wire(NEWCHANNEL_AGENT, CALLER_NEWCHANNEL))
            half = wire(AGENT_ANSWERED, HANGUP_AGENT)
            await server.push(half[:40])
            await asyncio.sleep(0.02)
            await server.push(half[40:])
            await client.send({"Action": "Ping"})
            await until(lambda: len(rec.events) == 5)
        # FullyBooted came in the login answer's chunk: it waits for on_connected.
        assert rec.log == [
            "connected",
            "FullyBooted",
            "Newchannel",
            "Newchannel",
            "UserEvent",
            "Hangup",
        ]
        assert [e["Uniqueid"] for e in rec.events[1:]] == [
            "ring-7",
            "1732806000.3",
            "ring-7",
            "ring-7",
        ]

    run(main)


def test_exception_in_on_event_keeps_connection_and_rest_of_chunk() -> None:
    """(c) a failing on_event is logged; the chunk's next events and the connection live on."""
    seen: list[str] = []

    def on_event(event: dict[str, str]) -> None:
        seen.append(event["Event"])
        if event["Event"] == "Newchannel":
            raise RuntimeError("bug in the runtime")

    async def main() -> None:
        async with ami_pair(on_event=on_event) as (server, client, rec):
            await server.push(wire(NEWCHANNEL_AGENT, AGENT_ANSWERED, HANGUP_AGENT))
            await until(lambda: len(seen) == 4)
            assert (await client.send({"Action": "Ping"}))[0]["Ping"] == "Pong"
            assert client.connected
        assert seen == ["FullyBooted", "Newchannel", "UserEvent", "Hangup"]
        assert rec.logins == 1
        assert rec.reasons == []
        assert len(server.connections) == 1

    run(main)


def test_action_without_answer_times_out() -> None:
    """(e) no answer -> AmiActionTimeout; the late answer does not shift later ones."""

    async def main() -> None:
        async with ami_pair() as (server, client, _):
            server.replies["status"] = None
            started = asyncio.get_running_loop().time()
            with pytest.raises(AmiActionTimeout):
                await client.send({"Action": "Status"}, timeout=0.1)
            assert asyncio.get_running_loop().time() - started < 1.0
            status = server.last.actions[-1]
            await server.push(PONG.replace("{id}", status["ActionID"]))  # the late answer
            pong = await client.send({"Action": "Ping"})
            assert pong[0]["ActionID"] != status["ActionID"]
            assert client.connected

    run(main)


def test_pending_action_fails_on_disconnect_and_is_never_sent_again() -> None:
    """(f) a drop fails pending actions at once; after the reconnect nothing is replayed."""

    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            server.replies["originate"] = None
            pending = asyncio.create_task(client.send(ORIGINATE, timeout=5.0))
            await until(lambda: "Originate" in server.last.names())
            started = asyncio.get_running_loop().time()
            server.drop()
            with pytest.raises(AmiNotConnected):
                await pending
            assert asyncio.get_running_loop().time() - started < 1.0
            await until(lambda: rec.logins == 2)
            await server.push(wire(FULLY_BOOTED))  # 1.4 replays pending actions on this
            await client.send({"Action": "Ping"})
            await asyncio.sleep(0.05)
        assert [c.names() for c in server.connections] == [
            ["Login", "Originate"],
            ["Login", "Ping"],
        ]
        assert rec.log.count("lost") == 1

    run(main)


def test_utf8_character_split_across_reads_survives() -> None:
    """(g) 'ò' cut between two TCP writes still reaches on_event whole."""

    async def main() -> None:
        async with ami_pair() as (server, _, rec):
            data = wire(CALLER_NEWCHANNEL).encode()
            cut = data.index("ò".encode()) + 1  # between the two bytes of 'ò'
            await server.push(data[:cut])
            await asyncio.sleep(0.05)  # two reads for the client
            await server.push(data[cut:])
            await until(lambda: "Newchannel" in rec.names())
        assert rec.events[-1]["CallerIDName"] == "Niccolò Rossi"

    run(main)


def test_ping_timeout_detects_half_open_connection_and_reconnects() -> None:
    """(h) a connection that stops answering is noticed by the Ping, dropped and redone."""

    async def main() -> None:
        async with ami_pair(ping_interval=0.05, ping_timeout=0.1) as (server, client, rec):
            server.replies["ping"] = None  # alive for TCP, dead for AMI
            await until(lambda: rec.reasons != [])
            server.replies["ping"] = PONG
            await until(lambda: rec.logins == 2)
            await until(lambda: server.connections[0].closed_by_client)
            assert client.connected
        assert "Ping" in rec.reasons[0]
        assert rec.log[:3] == ["connected", "FullyBooted", "lost"]

    run(main)


def test_async_originate_returns_on_its_response_and_its_outcome_is_an_event() -> None:
    """(5) the send ends on 'successfully queued'; OriginateResponse goes to on_event."""

    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            reply = await client.send(ORIGINATE)
            assert [m["Message"] for m in reply] == ["Originate successfully queued"]
            action_id = reply[0]["ActionID"]
            await server.push(
                wire(
                    f"""
                    Event: OriginateResponse
                    Privilege: call,all
                    ActionID: {action_id}
                    Response: Success
                    Channel: PJSIP/agent1-00000004
                    Context: centralino-connect
                    Exten: s
                    Reason: 4
                    Uniqueid: ring-7
                    """
                )
            )
            await until(lambda: "OriginateResponse" in rec.names())
        assert rec.events[-1]["Reason"] == "4"

    run(main)


def test_list_action_returns_its_events_not_to_on_event() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            server.replies["coreshowchannels"] = wire(
                "Response: Success\nActionID: {id}\nEventList: start\n"
                "Message: Channels will follow",
                "Event: CoreShowChannel\nActionID: {id}\nChannel: PJSIP/trunk-00000003\n"
                "Uniqueid: 1732806000.3",
                "Event: CoreShowChannelsComplete\nActionID: {id}\nEventList: Complete\n"
                "ListItems: 1",
            )
            reply = await client.send({"Action": "CoreShowChannels"})
        assert [m.get("Event", m.get("Response")) for m in reply] == [
            "Success",
            "CoreShowChannel",
            "CoreShowChannelsComplete",
        ]
        assert rec.names() == ["FullyBooted"]

    run(main)


def test_error_response_raises_ami_action_error() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            server.replies["redirect"] = PERMISSION_DENIED
            with pytest.raises(AmiActionError) as caught:
                await client.send({"Action": "Redirect", "Channel": "PJSIP/x"})
            assert caught.value.response["Message"] == "Permission denied"
            assert client.connected

    run(main)


def test_repeated_headers_are_sent_once_per_value() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            await client.send({**ORIGINATE, "Variable": ["A=1", "B=2,3"]})
        assert server.last.actions[-1]["Variable"] == ["A=1", "B=2,3"]

    run(main)


def test_send_without_connection_raises_not_connected() -> None:
    async def main() -> None:
        client = AmiClient("127.0.0.1", 1, "u", "s", lambda _: None)
        with pytest.raises(AmiNotConnected):
            await client.send({"Action": "Ping"})
        async with ami_pair() as (_, connected, _):
            pass
        with pytest.raises(AmiNotConnected):
            await connected.send({"Action": "Ping"})

    run(main)


def test_refused_login_is_retried_and_on_connected_waits_for_success() -> None:
    async def main() -> None:
        async with ami_pair() as (server, _, rec):
            server.replies["login"] = LOGIN_FAILED
            server.drop()
            await until(lambda: len(server.connections) >= 3)
            assert rec.logins == 1
            server.replies["login"] = wire(
                "Response: Success\nActionID: {id}\nMessage: Authentication accepted"
            )
            await until(lambda: rec.logins == 2)

    run(main)


def test_unreachable_asterisk_is_retried_until_it_listens() -> None:
    async def main() -> None:
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        client = AmiClient("127.0.0.1", port, "u", "s", lambda _: None, reconnect_delay=0.02)
        await client.start()
        await asyncio.sleep(0.1)  # a few refused connections, no crash
        assert not client.connected
        await client.close()

    run(main)


@pytest.mark.parametrize("bad", ["3331\r\nAction: Hangup", "x\ny", "x\rAction: Hangup"])
def test_a_line_break_in_a_header_is_refused_before_anything_is_sent(bad: str) -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            for action in (
                {"Action": "Setvar", "Channel": "PJSIP/x", "Variable": "V", "Value": bad},
                {**ORIGINATE, "Variable": ["CENTRALINO_RING=ring-7", f"CALLER={bad}"]},
                {"Action": "Ping", bad: "1"},
            ):
                with pytest.raises(AmiUnsafeHeader, match="holds a line break"):
                    await client.send(action)
            await client.send({"Action": "Ping"})  # the connection is as it was
        assert [a["Action"] for a in server.all_actions()] == ["Login", "Ping"]

    run(main)


def _forged_newchannel(number: str) -> str:
    """A caller's Newchannel as Asterisk 22.10 writes it: ``number`` unescaped."""
    lines = wire(CALLER_NEWCHANNEL).split("\r\n")
    return "\r\n".join(f"CallerIDNum: {number}" if ln.startswith("CallerIDNum") else ln
                       for ln in lines)  # fmt: skip


def test_a_header_a_caller_added_gets_its_message_refused_and_nothing_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A From user of ``1%0D%0AEvent: Hangup%0D%0AUniqueid: ring-7``: no Hangup of ring-7
    reaches the engine, the events around it do, quietly (a warning, no traceback)."""

    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            forged = _forged_newchannel("1\r\nEvent: Hangup\r\nUniqueid: ring-7")
            await server.push(wire(NEWCHANNEL_AGENT) + forged + wire(AGENT_ANSWERED))
            await until(lambda: rec.names()[-1:] == ["UserEvent"])
            assert client.connected
        assert rec.names() == ["FullyBooted", "Newchannel", "UserEvent"]
        assert rec.logins == 1

    run(main)
    assert "AMI message refused (Newchannel): Event comes twice" in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "entry",
    [
        # the caller's blank line cuts Asterisk's entry: its head lacks CallerIDName
        "1\r\n\r\nEvent: Hangup\r\nUniqueid: ring-7\r\n\r\nX: ",
        # the caller completes the head itself: the forged Hangup has no ActionID
        "1\r\nCallerIDName: x\r\nUniqueid: u\r\n\r\n"
        "Event: Hangup\r\nUniqueid: ring-7\r\n\r\nEvent: CoreShowChannel\r\nActionID: {id}"
        "\r\nCallerIDNum: 2",
    ],
    ids=["cut", "completed"],
)
def test_a_message_forged_inside_a_list_answer_drops_the_connection(entry: str) -> None:
    """CoreShowChannels can catch a caller before the dialplan cleaned its number: what a
    caller wrote there is never read; the client logs in again (and the engine re-syncs)."""
    head = "Event: CoreShowChannel\r\nActionID: {id}"
    listing = (
        wire("Response: Success\nActionID: {id}\nEventList: start\nMessage: Channels will follow")
        + _forged_newchannel(entry).replace("Event: Newchannel", head)
        + wire("Event: CoreShowChannelsComplete\nActionID: {id}\nEventList: Complete\nListItems: 1")
    )

    async def main() -> None:
        async with ami_pair() as (server, client, rec):
            server.replies["coreshowchannels"] = listing
            with pytest.raises(AmiNotConnected, match="forged AMI message"):
                await client.send({"Action": "CoreShowChannels"})
            await until(lambda: rec.logins == 2)
        assert "Hangup" not in rec.names()

    run(main)
