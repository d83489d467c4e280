"""``quick``: a faster ``__init__`` for the frozen, slotted dataclasses the core makes per call.

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__`` by
name, a generic look-up per field. The core builds about 25 events, commands and contact
records per call, so on a simulated day of 500,000 calls that look-up alone costs seconds.
``quick`` swaps in an ``__init__`` with the same signature and defaults that stores each
field through its slot descriptor directly. The class stays what it was: frozen (assigning
raises ``FrozenInstanceError``), slotted, compared and hashed by value.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def quick(cls: T) -> T:
    """Give the frozen, slotted dataclass ``cls`` the faster ``__init__`` (see the module)."""
    params = cls.__dict__.get("__dataclass_params__")
    if not is_dataclass(cls) or params is None or not params.frozen or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__}: quick() takes a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick() does not call __post_init__")
    names: list[str] = []
    signature: list[str] = []
    scope: dict[str, Any] = {}
    for f in fields(cls):
        if not f.init or f.default_factory is not MISSING or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name}: quick() takes plain fields only")
        names.append(f.name)
        scope[f"_set_{f.name}"] = vars(cls)[f.name].__set__  # the slot's own setter
        if f.default is MISSING:
            signature.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            signature.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"    _set_{n}(self, {n})\n" for n in names) or "    pass\n"
    source = f"def __init__(self, {', '.join(signature)}):\n{body}"
    exec(source, scope)
    init: Any = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
