"""``centralino users add|passwd|disable|enable|list``: the web's accounts.

A password is never an argument (it would show in ``ps`` and the shell's history): it is
asked twice on the terminal, or read as one line from standard input when that is not a
terminal (``printf '%s\\n' "$PW" | centralino users add ...``).

Exit status: 0 done, 1 refused (bad name, role or agent, weak password, unknown or existing
account), 2 the database could not be used.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from acd.access.accounts import AccountError, Accounts, Role
from acd.access.passwords import WeakPassword
from acd.config import load_config
from acd.samples import CONFIG_HELP, config_or_default
from acd.store.accounts import AccountStore
from acd.store.command import run_with_store
from acd.store.errors import StoreError

T = TypeVar("T")


class NoPassword(Exception):
    pass


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("users", help="web accounts: add, passwd, disable, list")
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account (the password is asked, not given)")
    add.add_argument("user")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    add.add_argument("--agent", help="the agent an agent account drives (its id)")
    add.add_argument("--name", default="", help="the name shown on the pages")
    add.set_defaults(func=cmd_add)
    passwd = actions.add_parser("passwd", help="set an account's password")
    passwd.add_argument("user")
    passwd.set_defaults(func=cmd_passwd)
    toggles = []
    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} an account")
        toggle.add_argument("user")
        toggle.set_defaults(func=cmd_disable, disabled=disabled)
        toggles.append(toggle)
    listing = actions.add_parser("list", help="list the accounts")
    listing.set_defaults(func=cmd_list)
    for action in (add, passwd, listing, *toggles):
        action.add_argument("--config", help=CONFIG_HELP)
        action.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))


def cmd_add(args: argparse.Namespace) -> int:
    role = Role(args.role)
    password = _password(args.user)
    if password is None:
        return 1
    now = datetime.now(UTC)
    return _run(args, lambda a: a.add(args.user, args.name, role, password, now, args.agent),
                f"account {args.user} added ({role.value})")  # fmt: skip


def cmd_passwd(args: argparse.Namespace) -> int:
    password = _password(args.user)
    if password is None:
        return 1
    return _run(args, lambda a: a.set_password(args.user, password),
                f"account {args.user}: password changed")  # fmt: skip


def cmd_disable(args: argparse.Namespace) -> int:
    state = "disabled" if args.disabled else "enabled"
    return _run(args, lambda a: a.set_disabled(args.user, args.disabled),
                f"account {args.user} {state}")  # fmt: skip


def cmd_list(args: argparse.Namespace) -> int:
    accounts = _with_accounts(args, lambda a: a.all())
    if accounts is None:
        return 2
    for acc in accounts:
        last = acc.last_login.isoformat(timespec="seconds") if acc.last_login else "never"
        flags = " (disabled)" if acc.disabled else ""
        agent = f" agent={acc.agent_id}" if acc.agent_id else ""
        print(f"{acc.user_name}\t{acc.role.value}{agent}\t{acc.display_name}\t"
              f"last login {last}{flags}")  # fmt: skip
    return 0


def _password(user: str) -> str | None:
    """The new password: asked twice on a terminal, else one line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {user}: ")
        if getpass.getpass("again: ") != first:
            print("the two passwords differ: nothing changed", file=sys.stderr)
            return None
        return first
    line = sys.stdin.readline()
    if not line:
        print("no password on standard input: nothing changed", file=sys.stderr)
        return None
    return line.rstrip("\r\n")


def _run(args: argparse.Namespace, work: Callable[[Accounts], Awaitable[object]], done: str) -> int:
    async def done_work(accounts: Accounts) -> bool:
        await work(accounts)
        return True  # (None is how _with_accounts says the database could not be used)

    try:
        outcome = _with_accounts(args, done_work)
    except (AccountError, WeakPassword) as exc:
        print(f"users: {exc}: nothing changed", file=sys.stderr)
        return 1
    if outcome is None:
        return 2
    print(done)
    return 0


def _with_accounts(args: argparse.Namespace, work: Callable[[Accounts], Awaitable[T]]) -> T | None:
    """Run ``work`` on the center's database (embedded unless CENTRALINO_DATABASE_URL);
    None (said on stderr) when the database cannot be used."""
    agents = [a.id for a in load_config(config_or_default(args.config)).agents]

    try:
        return run_with_store(
            Path(args.data_dir), lambda store: work(Accounts(AccountStore(store.pool), agents))
        )
    except StoreError as exc:
        print(f"users: database: {exc}", file=sys.stderr)
        return None
