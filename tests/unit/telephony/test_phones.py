"""The agents' phones from AMI: ContactStatus events and the listing after a login, fed
with events recorded from Asterisk 22.10 (a JsSIP softphone registering and its page
closing)."""

from __future__ import annotations

from acd.core.events import PhoneRegistered, PhonesListed, PhoneUnregistered
from acd.telephony.phones import Phones, dial_contacts
from tests.unit.telephony.fakes import event

REGISTERED = """
    Event: ContactStatus
    Privilege: system,all
    SystemName: centralino
    URI: sip:ph5d3h5f@127.0.0.1:55636;transport=ws;x-ast-orig-host=us74r5k33rdb.invalid:0
    ContactStatus: NonQualified
    AOR: agent9-web
    EndpointName: agent9-web
    RoundtripUsec: 0
"""
GONE = REGISTERED.replace("NonQualified", "Removed")
PHONES = {"agent9-web": "agent9", "agent9": "agent9", "agent1-web": "agent1"}


def test_a_softphone_registering_and_its_page_closing() -> None:
    phones = Phones(PHONES)
    assert phones.translate(event(REGISTERED)) == PhoneRegistered("agent9", "agent9-web")
    assert phones.translate(event(GONE)) == PhoneUnregistered("agent9", "agent9-web")
    unreachable = REGISTERED.replace("NonQualified", "Unreachable")
    assert phones.translate(event(unreachable)) == PhoneUnregistered("agent9", "agent9-web")
    for status in ("Created", "Reachable", "Updated", "Unknown"):
        again = REGISTERED.replace("NonQualified", status)
        assert phones.translate(event(again)) == PhoneRegistered("agent9", "agent9-web")


def test_phones_that_do_not_register_and_other_events_are_ignored() -> None:
    phones = Phones(PHONES)
    trunk = REGISTERED.replace("agent9-web", "provider")
    assert phones.translate(event(trunk)) is None  # a trunk, or a desk phone always there
    assert phones.translate({"Event": "Hangup", "Uniqueid": "1.2"}) is None


def test_the_listing_asks_each_phone_and_keeps_those_with_a_contact() -> None:
    phones = Phones(PHONES)
    assert phones.listing() == ["agent1-web", "agent9", "agent9-web"]
    assert dial_contacts("agent9-web") == {
        "Action": "Getvar",
        "Variable": "PJSIP_DIAL_CONTACTS(agent9-web)",
    }
    answers = {"agent1-web": "PJSIP/agent1-web/sip:x@127.0.0.1:5;transport=ws", "agent9": "",
               "agent9-web": "", "stranger": "PJSIP/stranger/sip:y@1.2.3.4"}  # fmt: skip
    assert phones.listed(answers) == PhonesListed(frozenset({("agent1", "agent1-web")}))


def test_an_event_seen_while_the_listing_runs_is_newer_than_its_answer() -> None:
    phones = Phones(PHONES)
    phones.listing()
    phones.translate(event(REGISTERED))  # registered after Asterisk answered ""
    phones.translate(event(GONE.replace("agent9-web", "agent1-web")))
    answers = {"agent1-web": "PJSIP/agent1-web/sip:x@h", "agent9": "", "agent9-web": ""}
    assert phones.listed(answers) == PhonesListed(frozenset({("agent9", "agent9-web")}))
    phones.translate(event(GONE))  # the listing is over: nothing is kept any more
    assert phones.listed({"agent9-web": "PJSIP/agent9-web/sip:z@h"}) == PhonesListed(
        frozenset({("agent9", "agent9-web")})
    )
