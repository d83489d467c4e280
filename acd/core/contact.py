"""The contact record: one per call, what reports and the agent's screen read."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter

from acd.core.records import quick


class EndCause:
    """Why a contact ended other than by a hang-up the engine saw (``Contact.end_cause``)."""

    TELEPHONY_LOST = "telephony-lost"  # gone when the channels were checked after an AMI
    # outage: its hang-up was not seen, ``ended_at`` is when the engine found it gone
    BRIDGE_FAILED = "bridge-failed"  # answered, but Asterisk would not bridge it


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
    outcome: str | None = None  # answered, abandoned, ivr, self-service, closed ...
    service_path: tuple[str, ...] = ()  # the services it queued in, in order (overflows)
    end_cause: str | None = None  # why the engine ended it itself (EndCause), if it did

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

    def evolve(self, **changes: object) -> Contact:
        """A copy with ``changes``; plain construction, as ``dataclasses.replace`` is slow."""
        values = list(_ALL_FIELDS(self))
        try:
            for name, value in changes.items():
                values[_PLACE[name]] = value
        except KeyError as unknown:
            raise TypeError(f"Contact has no field {unknown}") from None
        return Contact(*values)


_FIELDS = tuple(f.name for f in fields(Contact))
_ALL_FIELDS = attrgetter(*_FIELDS)  # the record's values in field order, in one call
_PLACE = {name: i for i, name in enumerate(_FIELDS)}
