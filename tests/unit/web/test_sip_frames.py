"""What a browser may send through /sip: SIP as its own softphone, nothing else."""

from __future__ import annotations

from acd.web.sip_frames import refusal

OWN = "agent1-web"


def message(start: str, *headers: str) -> str:
    return "\r\n".join((start, *headers, "Content-Length: 0", "", ""))


REGISTER = message(
    "REGISTER sip:127.0.0.1 SIP/2.0",
    "From: <sip:agent1-web@127.0.0.1>;tag=8ej1",
    "To: <sip:agent1-web@127.0.0.1>",
)


def test_its_own_registration_and_credentials_go_on() -> None:
    assert refusal(REGISTER, OWN) is None
    signed = REGISTER.replace("To:", 'Authorization: Digest username="agent1-web", '
                              'realm="asterisk", nonce="n", response="r"\r\nTo:')  # fmt: skip
    assert refusal(signed, OWN) is None


def test_credentials_of_another_account_are_refused() -> None:
    other = REGISTER.replace("To:", 'Authorization: Digest username="agent2-web"\r\nTo:')
    assert refusal(other, OWN) == "credentials of 'agent2-web', not 'agent1-web'"
    proxy = REGISTER.replace("To:", 'Proxy-Authorization: Digest realm="x"\r\nTo:')
    assert refusal(proxy, OWN) == "credentials of 'nobody', not 'agent1-web'"


def test_a_new_request_from_anybody_else_is_refused() -> None:
    """From 127.0.0.1, a From naming no endpoint would be taken for the local trunk's."""
    invite = message(
        "INVITE sip:0590000000@127.0.0.1 SIP/2.0",
        "f: <sip:citizen@127.0.0.1>;tag=1",
        "t: <sip:0590000000@127.0.0.1>",
    )
    assert refusal(invite, OWN) == "a request from 'citizen', not 'agent1-web'"
    assert refusal(message("OPTIONS sip:x@y SIP/2.0", "To: <sip:x@y>"), OWN) is not None
    assert refusal("GET / HTTP/1.1\r\nHost: x\r\n\r\n", OWN) is not None


def test_answers_and_requests_inside_a_dialog_go_on() -> None:
    """Asterisk calls the browser's contact: the dialog's From there is the contact's user."""
    bye = message("BYE sip:asterisk@127.0.0.1:5060 SIP/2.0",
                  "From: <sip:ph5d3h5f@127.0.0.1;transport=ws>;tag=b2",
                  "To: <sip:agent1@127.0.0.1>;tag=as1")  # fmt: skip
    assert refusal(bye, OWN) is None
    ok = message("SIP/2.0 200 OK", "From: <sip:agent1@127.0.0.1>;tag=as1",
                 "To: <sip:ph5d3h5f@127.0.0.1>;tag=b2")  # fmt: skip
    assert refusal(ok, OWN) is None
    assert refusal("\r\n\r\n", OWN) is None  # a keep-alive


def test_a_folded_header_is_read_whole() -> None:
    folded = REGISTER.replace('To:', 'Authorization: Digest realm="asterisk",\r\n'
                              ' username="agent2-web"\r\nTo:')  # fmt: skip
    assert refusal(folded, OWN) == "credentials of 'agent2-web', not 'agent1-web'"
