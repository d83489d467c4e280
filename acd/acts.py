"""``centralino acts import FILE.csv`` and ``centralino acts collected NUMBER``: the desk's acts.

The CSV is checked as a whole first (``ivr.acts``: every bad row with its line), then
written in one transaction, so a file is imported completely or not at all. The demo calls
``load_sample_acts`` to fill an empty table with the packaged ``examples/acts-sample.csv``.

Exit status: 0 done, 1 a bad file or an unknown act, 2 the database could not be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from acd import samples
from acd.store.command import run_with_store
from acd.store.errors import StoreError
from acd.store.ivr import IvrStore, ivr_store
from acd.store.store import Store
from ivr.acts import ActsFileError, parse_acts

SAMPLE = samples.sample("acts-sample.csv")
T = TypeVar("T")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("acts", help="deposited acts: import a CSV, mark collected")
    actions = parser.add_subparsers(dest="acts_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import (or update) acts from a CSV file")
    load.add_argument("file", type=Path)
    load.set_defaults(func=cmd_import)
    done = actions.add_parser("collected", help="mark an act collected by its addressee")
    done.add_argument("number")
    done.set_defaults(func=cmd_collected)
    for action in (load, done):
        action.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))


def cmd_import(args: argparse.Namespace) -> int:
    try:
        acts = parse_acts(args.file.read_text(encoding="utf-8"), args.file.name)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: cannot read: {exc}", file=sys.stderr)
        return 1
    except ActsFileError as exc:
        print(f"{exc}\nnothing imported", file=sys.stderr)
        return 1
    count = _with_store(Path(args.data_dir), lambda s: s.import_acts(acts))
    if count is None:
        return 2
    print(f"{args.file}: {count} acts imported")
    return 0


def cmd_collected(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    done = _with_store(Path(args.data_dir), lambda s: s.mark_collected(args.number, now))
    if done is None:
        return 2
    if not done:
        print(f"act {args.number}: not held (unknown, or already collected)", file=sys.stderr)
        return 1
    print(f"act {args.number}: collected")
    return 0


def _with_store(data_dir: Path, work: Callable[[IvrStore], Awaitable[T]]) -> T | None:
    """Run ``work`` on the center's acts; None (said on stderr) if the database is unusable."""
    try:
        return run_with_store(data_dir, lambda store: work(ivr_store(store)))
    except StoreError as exc:
        print(f"acts: database: {exc}", file=sys.stderr)
        return None


async def load_sample_acts(store: Store, sample: Traversable = SAMPLE) -> int:
    """For the demo: import the sample acts when the table is empty; how many were."""
    acts_store = ivr_store(store)
    if await acts_store.count_acts():
        return 0
    return await acts_store.import_acts(parse_acts(sample.read_text(encoding="utf-8"), sample.name))
