"""The sample city (``modena.yaml``) and its deposited acts, shipped inside the package.

``acd/examples`` links to the repository's ``examples/``, so a checkout and an installed
wheel read the same files (pyproject.toml says why a link). The commands that take an
optional configuration default to ``examples/modena.yaml`` of the current directory, as
in a checkout, and to the packaged copy anywhere else.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

CHECKOUT_CONFIG = Path("examples/modena.yaml")
CONFIG_HELP = (
    "the center's configuration (default: examples/modena.yaml in the current directory,"
    " else the sample city shipped with Centralino)"
)

# Files extracted by as_file (only for a package imported from a zip) live until exit.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def sample(name: str) -> Traversable:
    """A file of the packaged ``examples/``, e.g. ``sample("acts-sample.csv")``."""
    return resources.files("acd") / "examples" / name


def default_config() -> Path:
    """``examples/modena.yaml`` here when there is one, else the packaged sample city."""
    if CHECKOUT_CONFIG.is_file():
        return CHECKOUT_CONFIG
    return _extracted.enter_context(resources.as_file(sample("modena.yaml")))


def config_or_default(config: str | None) -> str:
    """The configuration a command was given, or the default one, which it names on stderr."""
    if config is not None:
        return config
    path = default_config()
    print(f"no configuration given: using {path}", file=sys.stderr)
    return str(path)
