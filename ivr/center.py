"""What the IVR reads of the center's configuration, written as protocols.

The IVR owns its sections of the configuration (``ivr.model``: prompts, holidays,
calendars, trees) and reads a little of the rest: the center's languages and timezone,
which tree answers which public number, and the services' names and opening hours.
``acd.config.model.CenterConfig`` fits ``CenterSettings`` as it is: mypy checks the fit
where acd hands its configuration over, and ivr never imports acd. Members are read-only
properties, so a model's ``dict`` and ``tuple`` fields fit a ``Mapping`` or a ``Sequence``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ivr.model import Calendar, Holidays, IvrTree, Prompt, Weekday


class CenterSection(Protocol):
    """The ``center:`` section: its first language, every language it speaks, its timezone."""

    @property
    def language(self) -> str: ...

    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def timezone(self) -> str: ...


class PublicNumber(Protocol):
    """A number citizens dial, and the tree that answers it."""

    @property
    def number(self) -> str: ...

    @property
    def ivr(self) -> str: ...


class ServiceHours(Protocol):
    """A service as the IVR sees it: its weekly opening hours (none: never open)."""

    @property
    def hours(self) -> Mapping[Weekday, tuple[str, ...]]: ...


class CenterSettings(Protocol):
    """The center's configuration, as far as the IVR reads it."""

    @property
    def center(self) -> CenterSection: ...

    @property
    def numbers(self) -> Sequence[PublicNumber]: ...

    @property
    def prompts(self) -> Mapping[str, Prompt]: ...

    @property
    def services(self) -> Mapping[str, ServiceHours]: ...

    @property
    def ivr(self) -> Mapping[str, IvrTree]: ...

    @property
    def holidays(self) -> Holidays: ...

    @property
    def calendars(self) -> Mapping[str, Calendar]: ...
