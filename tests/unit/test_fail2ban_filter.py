"""docs/fail2ban's filter on real lines of Asterisk 22.10.1's security log.

The lines were written by the real stack (tests/e2e/test_pbx_hardening.py prints them):
wrong passwords and an unknown account from 127.0.0.2; and by hand-made SIP requests whose
Call-ID or digest response forge a RemoteAddress, to show that a caller cannot have
someone else's address banned.
"""

from __future__ import annotations

import pytest

from tests.unit.fail2ban import Fail2banFilter

WRONG_PASSWORD = '[2026-11-29 22:05:56.249] SECURITY[19378] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-29T22:05:56.249+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="agent1",SessionID="1-19704@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/35060",RemoteAddress="IPV4/UDP/127.0.0.2/5060",Challenge="1795989956/29dfa8cae83d956540954830825c11a3",Response="7c7a08863682a5011617ceeb021da3f8",ExpectedResponse=""'  # noqa: E501
UNKNOWN_ACCOUNT = '[2026-11-29 22:05:56.619] SECURITY[19378] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-29T22:05:56.619+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="nobody",SessionID="1-19725@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/35060",RemoteAddress="IPV4/UDP/127.0.0.2/5060"'  # noqa: E501
UNKNOWN_ACCOUNTS_ANSWER = '[2026-11-29 22:05:56.620] SECURITY[19378] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-29T22:05:56.620+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="<unknown>",SessionID="1-19725@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/35060",RemoteAddress="IPV4/UDP/127.0.0.2/5060",Challenge="1795989956/29dfa8cae83d956540954830825c11a3",Response="17011658c9a6090417cb7961275baed1",ExpectedResponse=""'  # noqa: E501
# The Call-ID: 'x",LocalAddress="IPV4/UDP/127.0.0.1/25760",RemoteAddress="IPV4/UDP/6.6.6.6/5060",
# Challenge="' then sipp's own
FORGED_CALL_ID = '[2026-11-29 22:03:41.932] SECURITY[14119] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="2026-11-29T22:03:41.931+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="x",SessionID="x",LocalAddress="IPV4/UDP/127.0.0.1/25760",RemoteAddress="IPV4/UDP/6.6.6.6/5060",Challenge="1-14340@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/25760",RemoteAddress="IPV4/UDP/127.0.0.2/5060"'  # noqa: E501
# A forged address in the Call-ID, another in the digest response (SIP escapes its quotes)
FORGED_RESPONSE = '[2026-11-29 21:58:35.483] SECURITY[30125] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-29T21:58:35.483+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="agent1",SessionID="ab"c",RemoteAddress="IPV4/UDP/6.6.6.6/5060"1-31233@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/25760",RemoteAddress="IPV4/UDP/127.0.0.2/5060",Challenge="1795989497/7c71c7cce02eb4b26b68530dbe67d3cc",Response="zz\\",RemoteAddress=\\"IPV4/UDP/7.7.7.7/5060",ExpectedResponse=""'  # noqa: E501
CHALLENGE = '[2026-11-29 21:58:17.803] SECURITY[30125] res_security_log.c: SecurityEvent="ChallengeSent",EventTV="2026-11-29T21:58:17.803+0000",Severity="Informational",Service="PJSIP",EventVersion="1",AccountID="agent1",SessionID="1-30785@127.0.0.2",LocalAddress="IPV4/UDP/127.0.0.1/25760",RemoteAddress="IPV4/UDP/127.0.0.2/5060",Challenge=""'  # noqa: E501
AMI_REFUSAL = '[2026-11-29 21:57:24.845] SECURITY[28640] res_security_log.c: SecurityEvent="RequestNotAllowed",EventTV="2026-11-29T21:57:24.845+0000",Severity="Error",Service="AMI",EventVersion="1",AccountID="centralino",SessionID="0x7f058400c780",LocalAddress="IPV4/TCP/127.0.0.1/25738",RemoteAddress="IPV4/TCP/127.0.0.1/45488",RequestType="Action: Command",SessionTV="2026-11-29T21:57:24.845+0000"'  # noqa: E501
BANNER = "[2026-11-29 21:57:13.792] Asterisk 22.10.1+dfsg+~cs6.17.60671434-1 built by nobody @ buildd.debian.org on a unknown running Linux on 2026-07-20 21:35:32 UTC"  # noqa: E501


@pytest.fixture(scope="module")
def f2b() -> Fail2banFilter:
    return Fail2banFilter.read()


@pytest.mark.parametrize(
    "line",
    [WRONG_PASSWORD, UNKNOWN_ACCOUNT, UNKNOWN_ACCOUNTS_ANSWER],
    ids=["wrong-password", "unknown-account", "unknown-accounts-answer"],
)
def test_a_failure_counts_against_the_remote_address(f2b: Fail2banFilter, line: str) -> None:
    assert f2b.host(line) == "127.0.0.2"


def test_an_address_forged_in_the_call_id_counts_against_the_sender(f2b: Fail2banFilter) -> None:
    assert f2b.host(FORGED_CALL_ID) == "127.0.0.2"


def test_an_address_forged_in_the_response_counts_against_nobody(f2b: Fail2banFilter) -> None:
    """A digest response with a quote in it is no password guess: not counted, and above
    all not counted against 6.6.6.6 nor 7.7.7.7."""
    assert f2b.host(FORGED_RESPONSE) is None


@pytest.mark.parametrize(
    "line", [CHALLENGE, AMI_REFUSAL, BANNER], ids=["challenge", "ami-on-loopback", "banner"]
)
def test_other_lines_count_against_nobody(f2b: Fail2banFilter, line: str) -> None:
    assert f2b.host(line) is None


@pytest.mark.parametrize(
    ("event", "host"),
    [("FailedACL", "203.0.113.9"), ("InvalidPassword", "198.51.100.7"), ("ChallengeSent", None)],
)
def test_each_failure_event_counts(f2b: Fail2banFilter, event: str, host: str | None) -> None:
    """The two events the stack did not produce, on the shape of a real line."""
    line = UNKNOWN_ACCOUNT.replace('"InvalidAccountID"', f'"{event}"')
    assert f2b.host(line.replace("127.0.0.2", host or "192.0.2.1")) == host
