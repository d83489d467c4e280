"""The contact record: one per call, what reports and the agent's screen read.

A record is frozen; each step of a call makes a new one through a named transition
(``queued``, ``answered_by``, ``ended`` ...), so that mypy checks every field a step sets.
They build the record positionally: ``dataclasses.replace`` costs about three times as much
and the core makes several records per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from acd.core.records import quick


class Outcome(StrEnum):
    """How the core ended a contact. (The IVR's hang-up nodes give labels of their own, such
    as ``self-service`` or ``closed``, which ``Contact.outcome`` keeps as they are.)"""

    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the caller hung up while waiting (or ringing an agent)
    OVERFLOW = "overflow"  # sent to a message by a queue's limit
    VOICEMAIL = "voicemail"  # sent to leave a voice message by a queue's limit
    FAILED = "failed"  # answered, but Asterisk would not bridge it (EndCause.BRIDGE_FAILED)
    IVR_HANGUP = "ivr-hangup"  # the caller hung up in the IVR
    # the engine stopped (or crashed) before the call ended, unanswered: with an end cause
    # ``system-stop`` or ``engine-restart`` (an answered call keeps ``answered``)
    SYSTEM_ENDED = "system-ended"
    # answered by Asterisk's fallback queue while the engine was away (read from queue_log)
    ANSWERED_BY_FALLBACK = "answered_by_fallback"


CUT_OFF = frozenset({Outcome.ABANDONED, Outcome.OVERFLOW})  # outcomes that earn a recall boost


class EndCause(StrEnum):
    """Why a contact ended other than by a hang-up the engine saw (``Contact.end_cause``)."""

    TELEPHONY_LOST = "telephony-lost"  # gone when the channels were checked after an AMI
    # outage: its hang-up was not seen, ``ended_at`` is when the engine found it gone
    BRIDGE_FAILED = "bridge-failed"  # answered, but Asterisk would not bridge it
    ASTERISK_STOPPED = "asterisk-stopped"  # hung up by Asterisk as it stopped (a restart):
    # an unanswered caller is ``system-ended``, not ``abandoned``
    SYSTEM_STOP = "system-stop"  # open when the engine stopped cleanly: ``ended_at`` is the
    # stop; the caller was left to Asterisk (a waiting caller taken back reopens it)
    ENGINE_RESTART = "engine-restart"  # open in the store at a start (a crash, a lost
    # write) and gone from Asterisk: ``ended_at`` is when the new engine found it gone


def unfinished_outcome(contact: Contact, queued: bool) -> str:
    """The outcome of a contact the engine ends itself (stop, restart): ``answered`` if
    it was, the IVR's own label if it left the IVR with one, else ``system-ended``."""
    if contact.answered_at is not None:
        return Outcome.ANSWERED
    if not queued and contact.outcome:
        return contact.outcome
    return Outcome.SYSTEM_ENDED


@quick
@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: str
    caller_number: str
    dialled_number: str
    started_at: datetime
    ivr_path: tuple[str, ...] = ()
    service: str | None = None
    entered_queue_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent_id: str | None = None
    outcome: str | None = None  # an Outcome, or the label of the IVR node it ended at
    service_path: tuple[str, ...] = ()  # the services it queued in, in order (overflows)
    end_cause: EndCause | None = None  # why the engine ended it itself, if it did
    # The service it was first answered in: where its answer counts in the reports. A
    # transfer keeps it (the call was answered where it first queued), an overflow to
    # another service leaves it to the service that answers (``service_path`` alone cannot
    # tell the two apart).
    answered_in: str | None = None

    def wait_seconds(self) -> float | None:
        """Queue wait: from entering the queue to answer (or to hang-up when abandoned)."""
        if self.entered_queue_at is None:
            return None
        end = self.answered_at or self.ended_at
        return None if end is None else (end - self.entered_queue_at).total_seconds()

    def talk_seconds(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.answered_at).total_seconds()

    # -- the steps of a call -------------------------------------------------------------

    def left_ivr(self, ivr_path: tuple[str, ...], outcome: str) -> Contact:
        """The IVR ended without queueing (self-service, closed, a hang-up in a menu)."""
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, ivr_path, self.service, self.entered_queue_at,
                       self.answered_at, self.ended_at, self.agent_id, outcome,
                       self.service_path, self.end_cause, self.answered_in)  # fmt: skip

    def queued(
        self,
        service: str,
        ivr_path: tuple[str, ...] | None = None,
        entered_at: datetime | None = None,
    ) -> Contact:
        """In ``service``'s queue (added to its path); the first entry gives the IVR path
        and the entry time, an overflow into another service keeps them."""
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path if ivr_path is None else ivr_path,
                       service, entered_at or self.entered_queue_at, self.answered_at,
                       self.ended_at, self.agent_id, self.outcome,
                       (*self.service_path, service), self.end_cause,
                       self.answered_in)  # fmt: skip

    def resumed(self, service: str, entered_at: datetime) -> Contact:
        """Taken back after a restart: waiting again in ``service`` since its first entry."""
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path, service, entered_at, None, None, None,
                       None, self.service_path or (service,), None)  # fmt: skip

    def talking_again(self, service: str, agent_id: str, answered_at: datetime) -> Contact:
        """Taken back after a restart while its caller talks with ``agent_id``: open again
        (the stop's end forgotten), answered at ``answered_at`` unless it says when."""
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path, self.service or service,
                       self.entered_queue_at, self.answered_at or answered_at, None, agent_id,
                       None, self.service_path or (service,), None,
                       self.answered_in or self.service or service)  # fmt: skip

    def answered_by(self, agent_id: str, at: datetime) -> Contact:
        """Answered by ``agent_id``; ``at`` and ``answered_in`` stay those of the first
        answer after a transfer."""
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path, self.service, self.entered_queue_at,
                       at, self.ended_at, agent_id, self.outcome, self.service_path,
                       self.end_cause, self.answered_in or self.service)  # fmt: skip

    def unanswered(self, first_answer: tuple[str, datetime] | None = None) -> Contact:
        """The agent dropped before the bridge: the call waits again, as it was (answered by
        nobody, or, after a transfer, by the agent who first answered it, and when)."""
        agent_id, at = first_answer or (None, None)
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path, self.service, self.entered_queue_at,
                       at, self.ended_at, agent_id, self.outcome, self.service_path,
                       self.end_cause,
                       self.answered_in if first_answer else None)  # fmt: skip

    def ended(self, at: datetime, outcome: str, cause: EndCause | None = None) -> Contact:
        return Contact(self.contact_id, self.caller_number, self.dialled_number,
                       self.started_at, self.ivr_path, self.service, self.entered_queue_at,
                       self.answered_at, at, self.agent_id, outcome, self.service_path,
                       cause, self.answered_in)  # fmt: skip
