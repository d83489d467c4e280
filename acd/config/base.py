"""The base of every configuration model: unknown fields are errors, values never change.

The IVR's sections (``ivr.model``) use their own copy of it: ivr never imports acd.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
