"""``centralino privacy``: a citizen's requests, and the retention purge for cron.

    centralino privacy export NUMBER [--out FILE]   everything held about NUMBER, as a zip
    centralino privacy erase NUMBER --yes           remove or blank it everywhere
    centralino privacy purge [CONFIG]               apply privacy: retention once, now

Each is recorded in the audit trail (``privacy.export``, ``privacy.erase``,
``privacy.purge``) with the system user who ran it and the counts, under the number's
pseudonym. The database is the center's (embedded in ``--data-dir`` unless
CENTRALINO_DATABASE_URL); the pseudonym key is ``--data-dir``/privacy.key; the recordings
are in the center's Asterisk spool (``--spool`` to name another).

Exit status: 0 done; 2 bad input (not a phone number, an archive that exists, erase
without --yes), nothing changed; 1 the database could not be used.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from acd.asterisk.paths import VOICE_MESSAGES, InstancePaths, default_root
from acd.config import load_config
from acd.privacy.numbers import InvalidNumber, Pseudonyms, citizen_number
from acd.privacy.purge import purge, purge_entry
from acd.privacy.requests import ExportRefused, audit_entry, erase, export
from acd.samples import CONFIG_HELP, config_or_default
from acd.store.audit import AuditEntry, AuditStore
from acd.store.command import run_with_store
from acd.store.errors import StoreError
from acd.store.privacy import CallbackPending
from acd.store.store import Store

ROLE = "command"  # the audit trail's role of someone at the server's command line


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "privacy", help="a citizen's data: export, erase; the retention purge"
    )
    actions = parser.add_subparsers(dest="privacy_action", metavar="ACTION", required=True)
    out = actions.add_parser("export", help="write everything held about a number to a zip")
    out.add_argument("number")
    out.add_argument("--out", type=Path, help="the archive (default: privacy-DATE-NUMBER.zip)")
    out.set_defaults(func=cmd_export)
    gone = actions.add_parser("erase", help="remove or blank a number's data everywhere")
    gone.add_argument("number")
    gone.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    gone.set_defaults(func=cmd_erase)
    clean = actions.add_parser("purge", help="apply the privacy: retention now (for cron)")
    clean.add_argument("config", nargs="?", help=CONFIG_HELP)
    clean.set_defaults(func=cmd_purge)
    for action in (out, gone, clean):
        action.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))
        action.add_argument("--spool", type=Path, help="the recordings (default: Asterisk's)")


def spool_of(args: argparse.Namespace) -> Path:
    if args.spool is not None:
        return Path(args.spool)
    return InstancePaths(default_root(), Path(args.data_dir)).host(*VOICE_MESSAGES)


def queue_log_of(args: argparse.Namespace) -> Path:
    """Asterisk's queue_log of the center (the fallback queue's calls)."""
    return InstancePaths(default_root(), Path(args.data_dir)).host("log", "queue_log")


def cmd_export(args: argparse.Namespace) -> int:
    number = _number(args.number)
    if number is None:
        return 2
    now = datetime.now(UTC)
    out = args.out or Path(f"privacy-{now:%Y%m%d}-{number.lstrip('+')}.zip")
    pseudonyms = Pseudonyms.of_data_dir(Path(args.data_dir))

    async def work(store: Store) -> dict[str, int]:
        counts = await export(store.pool, number, pseudonyms, spool_of(args), out, now)
        await _audit(store, audit_entry("privacy.export", number, pseudonyms, counts, now,
                                        getpass.getuser(), ROLE))  # fmt: skip
        return counts

    counts = _run(args, work)
    if counts is None:
        return 1 if not out.exists() else 2
    print(f"{out}: written ({_said(counts)})")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    number = _number(args.number)
    if number is None:
        return 2
    if not args.yes:
        print("privacy erase: add --yes to erase (it cannot be undone); nothing changed",
              file=sys.stderr)  # fmt: skip
        return 2
    now = datetime.now(UTC)
    pseudonyms = Pseudonyms.of_data_dir(Path(args.data_dir))

    async def work(store: Store) -> dict[str, int]:
        counts = await erase(store.pool, number, pseudonyms, spool_of(args),
                             queue_log=queue_log_of(args))  # fmt: skip
        await _audit(store, audit_entry("privacy.erase", number, pseudonyms, counts, now,
                                        getpass.getuser(), ROLE))  # fmt: skip
        return counts

    counts = _run(args, work)
    if counts is None:
        return 1
    print(f"erased: {_said(counts)}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    cfg = load_config(config_or_default(args.config))
    now = datetime.now(UTC)
    pseudonyms = Pseudonyms.of_data_dir(Path(args.data_dir))

    async def work(store: Store) -> dict[str, int]:
        counts = await purge(store.pool, cfg.privacy, pseudonyms, now, spool_of(args),
                             queue_log=queue_log_of(args))  # fmt: skip
        await _audit(store, purge_entry(counts, now, getpass.getuser(), ROLE))
        return counts

    counts = _run(args, work)
    if counts is None:
        return 1
    print(f"purged: {_said(counts) or 'nothing past its retention'}")
    return 0


def _number(text: str) -> str | None:
    try:
        return citizen_number(text)
    except InvalidNumber as exc:
        print(f"privacy: {exc}; nothing done", file=sys.stderr)
        return None


def _run(
    args: argparse.Namespace, work: Callable[[Store], Awaitable[dict[str, int]]]
) -> dict[str, int] | None:
    try:
        return run_with_store(Path(args.data_dir), work)
    except ExportRefused as exc:
        print(f"privacy export: {exc}; nothing written", file=sys.stderr)
    except CallbackPending as exc:
        print(f"privacy erase: {exc}; nothing changed in the database", file=sys.stderr)
    except StoreError as exc:
        print(f"privacy: database: {exc}", file=sys.stderr)
    return None


async def _audit(store: Store, entry: AuditEntry) -> None:
    await AuditStore(store.pool).append(entry)


def _said(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())
