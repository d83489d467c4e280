"""What every part of the engine shares while it handles one event.

The parts (``acd.core.admission``, ``.desk``, ``.rings``, ``.link``) each own their state;
this is the little they have in common: the rules, the calls in the center, the time of the
event, the commands said so far, whether telephony is up, and what changed (the calls that
became waiting and the agents that became ready), which the engine matches at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from acd.core import commands as c
from acd.core.model import Call, RoutingPolicy, ServiceRules


@dataclass(slots=True, eq=False)
class Floor:
    services: dict[str, ServiceRules]
    policy: RoutingPolicy
    telephony_up: bool = True  # False while AMI is away: nothing is offered
    asterisk_stopping: bool = False  # from its first shutdown hang-up to the next login
    calls: dict[str, Call] = field(default_factory=dict)  # from arrival to the end
    out: list[c.Command] = field(default_factory=list)  # said during this event
    now: datetime = datetime.min  # the time of this event
    new_calls: list[str] = field(default_factory=list)  # became waiting (or widened)
    new_agents: list[str] = field(default_factory=list)  # became ready

    def say(self, command: c.Command) -> None:
        self.out.append(command)

    def warn(self, text: str) -> None:
        self.out.append(c.LogWarning(text))

    def save(self, call: Call) -> None:
        if call.voice_message is None:  # a task's contact is its caller's call's, not ours
            self.out.append(c.SaveContact(call.contact))
