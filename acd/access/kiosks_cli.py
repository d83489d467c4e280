"""``centralino kiosks add|list|revoke``: the district totems' device credentials.

``kiosks add KIOSK`` prints the kiosk's new credential once, on standard output (to type
or paste into the totem's enrolment page, ``/kiosk/enroll``); only its hash is kept, and
the kiosk's earlier credential stops working. ``kiosks revoke KIOSK`` leaves it none. The
kiosk must be in the configuration (``kiosks.totems``).

Exit status: 0 done, 1 refused (unknown kiosk, none live), 2 the database could not be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from acd.access.kiosks import KioskCredentials, UnknownKiosk
from acd.config import load_config
from acd.samples import CONFIG_HELP, config_or_default
from acd.store.command import run_with_store
from acd.store.errors import StoreError
from acd.store.kiosks import KioskCredentialStore

T = TypeVar("T")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("kiosks", help="district totems' device credentials")
    actions = parser.add_subparsers(dest="kiosks_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="a new credential for a kiosk (printed once)")
    add.add_argument("kiosk", help="its id in kiosks.totems")
    add.set_defaults(func=cmd_add)
    listing = actions.add_parser("list", help="the kiosks and their credentials (no secret)")
    listing.set_defaults(func=cmd_list)
    revoke = actions.add_parser("revoke", help="revoke a kiosk's credential")
    revoke.add_argument("kiosk")
    revoke.set_defaults(func=cmd_revoke)
    for action in (add, listing, revoke):
        action.add_argument("--config", help=CONFIG_HELP)
        action.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))


def cmd_add(args: argparse.Namespace) -> int:
    try:
        made = _with_credentials(args, lambda k: k.add(args.kiosk, datetime.now(UTC)))
    except UnknownKiosk as exc:
        print(f"kiosks: {exc}: nothing changed", file=sys.stderr)
        return 1
    if made is None:
        return 2
    info, credential = made
    print(f"kiosk {info.kiosk_id}: credential {info.credential_id} (any earlier one revoked); "
          "keep it secret, it is not shown again:", file=sys.stderr)  # fmt: skip
    print(credential)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    found = _with_credentials(args, lambda k: k.all())
    if found is None:
        return 2
    for info in found:
        used = info.last_used.isoformat(timespec="seconds") if info.last_used else "never"
        state = " (revoked)" if info.revoked_at else ""
        print(f"{info.kiosk_id}\t{info.credential_id}\tlast used {used}{state}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    try:
        done = _with_credentials(args, lambda k: _revoke(k, args.kiosk))
    except UnknownKiosk as exc:
        print(f"kiosks: {exc}", file=sys.stderr)
        return 1
    if done is None:
        return 2
    print(f"kiosk {args.kiosk}: credential revoked")
    return 0


async def _revoke(credentials: KioskCredentials, kiosk_id: str) -> bool:
    await credentials.revoke(kiosk_id, datetime.now(UTC))
    return True  # (None is how _with_credentials says the database could not be used)


def _with_credentials(
    args: argparse.Namespace, work: Callable[[KioskCredentials], Awaitable[T]]
) -> T | None:
    kiosks = load_config(config_or_default(args.config)).kiosks
    known = {k.id for k in kiosks.totems}.__contains__
    try:
        return run_with_store(
            Path(args.data_dir),
            lambda store: work(KioskCredentials(KioskCredentialStore(store.pool), known)),
        )
    except StoreError as exc:
        print(f"kiosks: database: {exc}", file=sys.stderr)
        return None
