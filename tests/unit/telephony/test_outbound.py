"""Calls out over a trunk: the allowed numbers go out as one Originate, the others never
leave the engine (through a real AmiClient to the fake Asterisk, which records actions)."""

from __future__ import annotations

import pytest

from acd.telephony.actions import TelephonyActions
from acd.telephony.ami import AmiClient
from acd.telephony.outbound import DialOut, OutboundNotAllowed, OutboundPolicy, dial_out_action
from acd.telephony.translate import ChannelDirectory
from tests.unit.telephony.fakes import FakeAmiServer, ami_pair, run

pytestmark = pytest.mark.timeout(20)

POLICY = OutboundPolicy.of({"provider": [r"0[1-9][0-9]{5,9}", r"3[0-9]{8,9}"], "local": []})
CALL = DialOut("provider", "0591234567", channel_id="out-1", variables={"CENTRALINO_CALL": "c1"})


def test_an_allowed_number_passes() -> None:
    POLICY.check("provider", "0591234567")
    POLICY.check("provider", "3331234567")


@pytest.mark.parametrize(
    ("trunk", "number", "why"),
    [
        ("provider", "899123456", "does not allow calls to '899123456'"),  # premium rate
        ("provider", "00390591234567", "does not allow"),  # abroad
        ("provider", "05912345678901", "does not allow"),  # a pattern matches in full only
        ("local", "0591234567", "does not allow"),  # no pattern: no call out
        ("elsewhere", "0591234567", "no trunk 'elsewhere'"),
        ("provider", "0591234567@other", "is not a telephone number"),
        ("provider", "0591234567&PJSIP/agent1", "is not a telephone number"),
        ("provider", "", "is not a telephone number"),
    ],
)
def test_a_number_the_trunk_may_not_dial_is_refused(trunk: str, number: str, why: str) -> None:
    with pytest.raises(OutboundNotAllowed, match=why):
        POLICY.check(trunk, number)


def test_the_originate_dials_the_number_at_the_trunk_into_the_outbound_context() -> None:
    assert dial_out_action(CALL) == {
        "Action": "Originate",
        "ActionID": "centralino-dial/out-1",
        "Async": "true",
        "Channel": "PJSIP/0591234567@provider",
        "Context": "centralino-outbound",
        "Exten": "s",
        "Priority": "1",
        "ChannelId": "out-1",
        "Timeout": "60000",
        "Variable": ["CENTRALINO_CALL=c1"],
    }


async def _dial(server: FakeAmiServer, client: AmiClient, call: DialOut) -> None:
    actions = TelephonyActions(client, ChannelDirectory(), lambda _: None, outbound=POLICY)
    try:
        await actions.dial_out(call)
    finally:
        await actions.close()


def test_dial_out_sends_the_originate_of_an_allowed_number() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            await _dial(server, client, CALL)
            [sent] = [a for a in server.all_actions() if a["Action"] == "Originate"]
            assert sent["Channel"] == "PJSIP/0591234567@provider"

    run(main)


def test_dial_out_refuses_before_anything_is_sent() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            with pytest.raises(OutboundNotAllowed):
                await _dial(server, client, DialOut("provider", "899123456", "out-2"))
            assert [a for a in server.all_actions() if a["Action"] == "Originate"] == []

    run(main)


def test_without_a_policy_nothing_goes_out() -> None:
    async def main() -> None:
        async with ami_pair() as (server, client, _):
            actions = TelephonyActions(client, ChannelDirectory(), lambda _: None)
            with pytest.raises(OutboundNotAllowed, match="no trunk 'provider'"):
                await actions.dial_out(CALL)
            assert [a for a in server.all_actions() if a["Action"] == "Originate"] == []

    run(main)
