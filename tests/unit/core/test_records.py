"""``quick``: the faster ``__init__`` keeps a frozen, slotted dataclass what it was."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from acd.core import commands as c
from acd.core import events as e
from acd.core.contact import Contact
from acd.core.records import quick
from acd.core.timers import RingTimer


@quick
@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    count: int = 3
    note: str = field(default="")


def test_same_signature_defaults_and_values() -> None:
    assert Sample("a") == Sample("a", 3, "")
    assert Sample("a", note="x") == Sample(name="a", count=3, note="x")
    assert hash(Sample("a")) == hash(Sample("a"))
    assert repr(Sample("a", 1)) == "Sample(name='a', count=1, note='')"
    with pytest.raises(TypeError):
        Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample("a", 1, "x", "too many")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample("a", colour="red")  # type: ignore[call-arg]


def test_still_frozen_and_slotted() -> None:
    sample = Sample("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample.count = 4  # type: ignore[misc]
    assert not hasattr(sample, "__dict__")
    assert dataclasses.replace(sample, count=5) == Sample("a", 5)


def test_refuses_what_it_cannot_keep() -> None:
    @dataclass(slots=True)
    class Mutable:
        x: int

    @dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclass(frozen=True, slots=True)
    class Factory:
        x: list[int] = field(default_factory=list)

    for cls in (Mutable, NoSlots, Factory):
        with pytest.raises(TypeError):
            quick(cls)


def test_the_core_records_use_it() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert c.StartTimer(RingTimer("r1"), at) == c.StartTimer(key=RingTimer("r1"), at=at)
    assert e.CallerEntered("k1", "urp").ivr_path == ()
    contact = Contact("k1", "059", "0590", at)
    assert contact.queued("urp") == Contact("k1", "059", "0590", at, service="urp",
                                            service_path=("urp",))  # fmt: skip
    for cls in (c.RingAgent, c.SaveContact, e.HungUp, Contact):
        assert cls.__init__.__qualname__ == f"{cls.__name__}.__init__"
        assert cls.__init__.__code__.co_filename == "<string>"  # the quick one
