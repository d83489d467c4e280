"""The fallback queue's calls, read back from Asterisk's ``queue_log`` as contacts.

While the engine is away the dialplan sends callers to app_queue's fallback queue
(queues.conf); the engine saw none of it (no FastAGI, no AMI). app_queue writes a line per
step of each call to ``log/queue_log`` of the instance, which outlives both the engine and
an Asterisk restart, in a fixed format::

    TIME|UNIQUEID|QUEUE|AGENT|EVENT|DATA1|DATA2|DATA3...

This module turns those lines into ``Contact`` rows: ``ENTERQUEUE`` (DATA1 the number
dialled, which the dialplan passes as the queue's URL; DATA2 the caller's number), then
``CONNECT`` (AGENT the member's name: the agent's id), then ``COMPLETECALLER`` or
``COMPLETEAGENT``; or ``ABANDON``, ``EXITWITHTIMEOUT``, ``EXITEMPTY`` for a caller nobody
answered. The contact's id is the caller's uniqueid, as for the engine's own calls (so a
start's check of open contacts against live channels holds for these too), and reading the
same file again (every start, every poll) rewrites the same rows: the store's contact
upsert makes it idempotent. Times have whole seconds (queue_log's resolution).

Why queue_log and not AMI, CDR or CEL: the engine is down when these calls happen, so
events are lost; queue_log is app_queue's own durable record, needs no other module, and
holds exactly the queue's steps with the agent's name. Lines of other queues, and lines
that do not parse, are skipped (a torn last line is read again at the next poll).

The file holds callers' numbers (ENTERQUEUE), and every start reads it again: a line kept
past ``privacy.numbers_in_clear_days`` would put a pseudonymised number back in clear. The
retention purge drops its older lines first (``recent_lines``, ``acd.privacy.files``), and
a citizen's erasure drops every line of its calls (``lines_without_caller``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from acd.core.contact import Contact, Outcome

_UNANSWERED = {"ABANDON": Outcome.ABANDONED, "EXITWITHTIMEOUT": Outcome.SYSTEM_ENDED,
               "EXITEMPTY": Outcome.SYSTEM_ENDED, "EXITWITHKEY": Outcome.SYSTEM_ENDED}  # fmt: skip
_COMPLETE = frozenset({"COMPLETECALLER", "COMPLETEAGENT"})


@dataclass(frozen=True)
class _Line:
    at: datetime
    uniqueid: str
    agent: str
    event: str
    data: tuple[str, ...]


def fallback_contacts(lines: Iterable[str], queue: str, service: str) -> list[Contact]:
    """The contacts of ``queue``'s calls in ``lines``, in order of entry; a call still in
    the queue or talking has no ``ended_at``."""
    contacts: dict[str, Contact] = {}
    for line in filter(None, (_parse(text, queue) for text in lines)):
        if line.event == "ENTERQUEUE":
            dialled, caller = (*line.data, "", "")[:2]
            contacts[line.uniqueid] = Contact(
                line.uniqueid, caller, dialled, line.at, service=service,
                entered_queue_at=line.at, service_path=(service,),
            )  # fmt: skip
            continue
        contact = contacts.get(line.uniqueid)
        if contact is None or contact.ended_at is not None:
            continue  # its entry is in an older file (rotated), or a stray line
        if line.event == "CONNECT" and line.agent:
            contacts[line.uniqueid] = replace(
                contact, answered_at=line.at, agent_id=line.agent,
                outcome=Outcome.ANSWERED_BY_FALLBACK, answered_in=service,
            )  # fmt: skip
        elif line.event in _COMPLETE and contact.answered_at is not None:
            contacts[line.uniqueid] = replace(contact, ended_at=line.at)
        elif line.event in _UNANSWERED and contact.answered_at is None:
            contacts[line.uniqueid] = replace(
                contact, ended_at=line.at, outcome=_UNANSWERED[line.event]
            )
    return list(contacts.values())


def _parse(text: str, queue: str) -> _Line | None:
    fields = text.rstrip("\r\n").split("|")
    if len(fields) < 5 or fields[2] != queue:
        return None
    at, uniqueid, _, agent, event, *data = fields
    try:
        when = datetime.fromtimestamp(int(at), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if not uniqueid or uniqueid == "NONE":
        return None
    return _Line(when, uniqueid, "" if agent == "NONE" else agent, event, tuple(data))


def recent_lines(text: bytes, before: datetime) -> tuple[bytes, int]:
    """``text`` (queue_log's bytes) without its whole lines written before ``before``, and
    how many went. A line whose time does not parse stays (a torn last line, a stranger's)."""
    kept: list[bytes] = []
    dropped = 0
    cutoff = before.timestamp()
    for line in text.splitlines(keepends=True):
        stamp = line.split(b"|", 1)[0]
        if line.endswith(b"\n") and stamp.isdigit() and int(stamp) < cutoff:
            dropped += 1
        else:
            kept.append(line)
    return b"".join(kept), dropped


def lines_without_caller(text: bytes, number: str) -> tuple[bytes, int]:
    """``text`` without the lines of the calls ``number`` made (their ENTERQUEUE names it;
    every line with the same uniqueid goes), and how many went. Lines that do not parse
    stay."""
    calls: set[bytes] = set()
    for line in text.splitlines():
        fields = line.split(b"|")
        if len(fields) >= 7 and fields[4] == b"ENTERQUEUE" and fields[6] == number.encode():
            calls.add(fields[1])
    kept: list[bytes] = []
    dropped = 0
    for line in text.splitlines(keepends=True):
        fields = line.split(b"|", 2)
        if len(fields) >= 2 and fields[1] in calls:
            dropped += 1
        else:
            kept.append(line)
    return b"".join(kept), dropped
