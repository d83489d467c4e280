"""A service's callbacks (``services.<name>.callback``): when the waiting caller is offered
one, and how it is called back (``acd.core.callback.CallbackRules``; docs/callbacks.md).

    trunk                 the trunk the citizens are called over (it needs ``outbound``)
    key                   the key that accepts the offer (default 1)
    offer_wait_seconds    offer when the estimated wait exceeds this ...
    offer_after_seconds   ... or once the caller has waited this long (at least one)
    attempts              calls with an agent at most (1-10)
    spacing_seconds       between two attempts (5 s to a day; default 10 minutes)
    ring_seconds          how long the citizen's phone rings (5-120)
    message               a prompt: after the last attempt, one call that plays it; none:
                          no last call
    scheduled_priority    the priority points of a scheduled callback (the IVR's slots, an
                          agent's, the website's) entering the queue at its time (default
                          0, as a call with no priority; 0-100)

The city's website asks for callbacks too (``/api/v1/callbacks``, docs/callbacks.md): the
center's ``web_callbacks`` section bounds how many a day (``WebCallbackLimits``)::

    per_number_per_day    callbacks created for one number in 24 hours, whatever asked
                          for them (default 3; 1-50): nobody is called over and over
    per_token_per_day     requests one API token makes in 24 hours (default 500; 1-100000):
                          a website gone wrong does not flood the queues

Shapes and ranges here; names that must exist (the trunk, the prompt) and figures that must
agree with the service's in ``acd.config.callback_checks``.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from acd.config.base import Strict
from acd.core.callback import CallbackRules


class CallbackSettings(Strict):
    trunk: str
    key: str = Field("1", pattern=r"^[0-9*#]$")
    offer_wait_seconds: float | None = Field(None, gt=0, le=86400)
    offer_after_seconds: float | None = Field(None, gt=0, le=86400)
    attempts: int = Field(3, ge=1, le=10)
    spacing_seconds: float = Field(600, ge=5, le=86400)
    ring_seconds: float = Field(30, ge=5, le=120)
    message: str | None = None
    scheduled_priority: int = Field(0, ge=0, le=100)

    @model_validator(mode="after")
    def _an_offer(self) -> CallbackSettings:
        if self.offer_wait_seconds is None and self.offer_after_seconds is None:
            raise ValueError("say when to offer: offer_wait_seconds, offer_after_seconds or both")
        return self

    def rules(self) -> CallbackRules:
        return CallbackRules(
            self.trunk,
            self.key,
            self.offer_wait_seconds,
            self.offer_after_seconds,
            self.attempts,
            timedelta(seconds=self.spacing_seconds),
            self.ring_seconds,
            self.message or "",
            self.scheduled_priority,
        )


class WebCallbackLimits(Strict):
    per_number_per_day: int = Field(3, ge=1, le=50)
    per_token_per_day: int = Field(500, ge=1, le=100_000)

    @model_validator(mode="after")
    def _a_number_within_a_token(self) -> WebCallbackLimits:
        if self.per_number_per_day > self.per_token_per_day:
            raise ValueError("per_number_per_day cannot exceed per_token_per_day")
        return self
