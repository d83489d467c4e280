"""Our sipp citizens against a sipp far end: the scenarios' own behaviour, no Asterisk."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from demo.sipp import KEYS_UNTIL_BYE, SippCaller, _Sipp

# The far end: answers, takes the ACK and the first digit's INFO, answers it or not
# ({answer}), and hangs up.
FAR_END = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hangs up on the first digit">
  <recv request="INVITE" crlf="true" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="remote" />
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="local" />
    </action>
  </recv>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=far 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv request="ACK" />
  <recv request="INFO" />
  {answer}
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$local];tag=[pid]SIPpTag01[call_number]
      To: [$remote]
      Call-ID: [call_id]
      CSeq: 1 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" />
</scenario>
"""
INFO_ANSWERED = """<send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "answer",
    [
        "",  # the BYE comes while the INFO waits for its answer (a transfer that fails at once)
        INFO_ANSWERED,  # the BYE comes between two digits
    ],
    ids=["while-a-digit-waits", "between-two-digits"],
)
def test_a_citizen_keying_takes_the_far_ends_bye(tmp_path: Path, answer: str) -> None:
    scenario = tmp_path / "far_end.xml"
    scenario.write_text(FAR_END.replace("{answer}", answer))
    port = free_udp_port()
    far_end = _Sipp("far-end", ["-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port),
                                "-mi", "127.0.0.1", "-m", "1"])  # fmt: skip
    with far_end:
        caller = SippCaller("urp", port, dtmf=[(0.2, "1"), (1.0, "2"), (0.2, "3")],
                            scenario=KEYS_UNTIL_BYE)  # fmt: skip
        result = caller.run(20)
    assert result.ok, result.errors
    assert result.successful == 1
