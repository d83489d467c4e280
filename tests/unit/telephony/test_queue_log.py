"""The fallback queue's queue_log lines read back as contacts (acd.telephony.queue_log)."""

from __future__ import annotations

from datetime import UTC, datetime

from acd.core.contact import Outcome
from acd.telephony.queue_log import fallback_contacts

Q = "centralino-fallback"
LOG = """\
1764468000|NONE|NONE|NONE|QUEUESTART|
1764468010|1764468009.7|centralino-fallback|NONE|ENTERQUEUE|0590000000|3331112222|1
1764468012|1764468009.7|centralino-fallback|agent2|RINGNOANSWER|15000
1764468015|1764468009.7|centralino-fallback|agent1|CONNECT|5|1764468014.9|1
1764468020|1764468011.3|centralino-fallback|NONE|ENTERQUEUE|s|3334445555|2
1764468030|1764468011.3|centralino-fallback|NONE|ABANDON|1|2|10
1764468040|1764468009.7|centralino-fallback|agent1|COMPLETEAGENT|5|25|1
1764468050|1764468041.1|other-queue|NONE|ENTERQUEUE||3339999999|1
1764468060|1764468055.2|centralino-fallback|NONE|ENTERQUEUE|0590000000|3336667777|1
1764468061|1764468055.2|centralino-fallback|agent3|CONNECT|1|1764468060.1|1
garbage line
1764468070|1764468065.0|centralino-fallback|NONE|ENTERQUEUE|0590000000|33388
"""


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_answered_abandoned_and_talking_calls_become_contacts() -> None:
    found = {c.contact_id: c for c in fallback_contacts(LOG.splitlines(), Q, "urp")}
    assert list(found) == ["1764468009.7", "1764468011.3", "1764468055.2", "1764468065.0"]
    answered = found["1764468009.7"]
    assert (answered.caller_number, answered.dialled_number) == ("3331112222", "0590000000")
    assert (answered.outcome, answered.agent_id) == (Outcome.ANSWERED_BY_FALLBACK, "agent1")
    assert answered.outcome == "answered_by_fallback"
    assert (answered.entered_queue_at, answered.answered_at, answered.ended_at) == (
        at(1764468010), at(1764468015), at(1764468040))  # fmt: skip
    assert (answered.service, answered.answered_in, answered.service_path) == (
        "urp", "urp", ("urp",))  # fmt: skip
    assert answered.wait_seconds() == 5
    assert answered.talk_seconds() == 25
    abandoned = found["1764468011.3"]
    assert (abandoned.outcome, abandoned.agent_id) == (Outcome.ABANDONED, None)
    assert abandoned.ended_at == at(1764468030)
    assert abandoned.dialled_number == "s"
    talking = found["1764468055.2"]
    assert (talking.outcome, talking.agent_id, talking.ended_at) == (
        Outcome.ANSWERED_BY_FALLBACK, "agent3", None)  # fmt: skip
    # a torn last line (Asterisk still writing it) gives what it has; the next read has more
    assert found["1764468065.0"].caller_number == "33388"


def test_reading_again_gives_the_same_contacts() -> None:
    once = fallback_contacts(LOG.splitlines(), Q, "urp")
    assert fallback_contacts(LOG.splitlines(), Q, "urp") == once


def test_a_timeout_is_system_ended_and_lines_without_entry_are_skipped() -> None:
    lines = [
        "1764468100|1.1|centralino-fallback|agent1|CONNECT|1|2.2|1",
        "1764468100|3.3|centralino-fallback|NONE|ENTERQUEUE|0590000000|333|1",
        "1764468700|3.3|centralino-fallback|NONE|EXITWITHTIMEOUT|1|1|600",
        "notanumber|4.4|centralino-fallback|NONE|ENTERQUEUE|0590000000|333|1",
    ]
    [contact] = fallback_contacts(lines, Q, "urp")
    assert (contact.contact_id, contact.outcome) == ("3.3", Outcome.SYSTEM_ENDED)
    assert contact.ended_at == at(1764468700)
