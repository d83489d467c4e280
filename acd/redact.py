"""What a log line may say of an event or a command: its kind and fields, never a citizen's
number (the caller's, the number dialled, a callback's, a record that holds them) nor the
note left with a callback."""

from __future__ import annotations

import dataclasses
from typing import Any

PRIVATE = frozenset({"caller_number", "dialled_number", "number", "note", "record", "contact"})


def describe(record: Any) -> str:
    """``Kind(field=value, ...)`` for a dataclass record, its private fields left out."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return type(record).__name__
    shown = [f.name for f in dataclasses.fields(record) if f.name not in PRIVATE]
    return f"{type(record).__name__}({', '.join(f'{n}={getattr(record, n)!r}' for n in shown)})"
