"""A voice message worked by an agent: a task in its service's queue.

Theory of operation
-------------------
A caller leaves a voice message (the IVR's ``message`` node, or a queue's ``voicemail``
overflow); unless it is empty or silent (closed at once as ``empty`` by the adapter that
measured it, never offered), the core is told (``VoiceMessageLeft``) and the message
becomes a ``Call`` with a ``VoiceMessage`` marker: a call without a caller on the line, kept
in its service's queue with a key from the time it was recorded, in the pool of the
service's requirement, matched in key order with the calls and callbacks of that pool. Its
contact is not the engine's to save: the caller's own call has its contact already, and a
task is no call in the reports. So no limit sends it elsewhere and no maximum wait applies:
it waits until an agent takes it.

Matched with a ready agent, nothing rings: the agent is given it (``READY --task-->
ON_CALL``) and the task leaves the queue; its panel shows it (the caller's number, the IVR
path, when it was recorded, the recording) until the agent closes it with a disposition
(``AgentClosedVoiceMessage``) or asks for the caller to be called back
(``AgentCalledBack``: a callback in the service, through ``acd.core.callbacks``, at the
message's place; the message is closed as ``callback``). Either way the store is told
(``CloseVoiceMessage``: handled when, by whom, how) and the agent goes to wrap-up as after
a call. A call's controls (hang-up, hold, transfers) and a supervisor's listening are
refused on it: there is nobody on the line.

At an engine stop a task is forgotten, not closed: the store still has it unhandled, and the
next start gives it back to its queue (``VoiceMessageLeft`` again, from the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EMPTY = "empty"  # the disposition of a message closed by itself: silent, or too short
CALLED_BACK = "callback"  # the disposition of a message whose caller is to be called back


@dataclass(frozen=True, slots=True)
class VoiceMessage:
    """A ``Call``'s marker: it is a voice message to work, not a caller on the line."""

    contact_id: str  # the call that left it (its contact)
    recorded_at: datetime
