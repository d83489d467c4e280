"""``centralino tokens add|list|revoke``: API tokens for machine clients.

``tokens add NAME --scope metrics`` prints the token once, on standard output (for a
Prometheus ``authorization: credentials_file``); only its hash is kept.

Exit status: 0 done, 1 refused (unknown token), 2 the database could not be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from acd.access.policy import Scope
from acd.access.tokens import Tokens, UnknownToken
from acd.store.command import run_with_store
from acd.store.errors import StoreError
from acd.store.sessions import TokenStore

T = TypeVar("T")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("tokens", help="API tokens for machine clients")
    actions = parser.add_subparsers(dest="tokens_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="make a token (printed once)")
    add.add_argument("name", help="what uses it, e.g. prometheus")
    add.add_argument("--scope", choices=[s.value for s in Scope], required=True)
    add.set_defaults(func=cmd_add)
    listing = actions.add_parser("list", help="list the tokens (never the secrets)")
    listing.set_defaults(func=cmd_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=cmd_revoke)
    for action in (add, listing, revoke):
        action.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))


def cmd_add(args: argparse.Namespace) -> int:
    made = _with_tokens(args, lambda t: t.add(args.name, Scope(args.scope), datetime.now(UTC)))
    if made is None:
        return 2
    info, token = made
    print(f"token {info.token_id} ({info.name}, scope {info.scope.value}); keep it secret, it is "
          "not shown again:", file=sys.stderr)  # fmt: skip
    print(token)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    tokens = _with_tokens(args, lambda t: t.all())
    if tokens is None:
        return 2
    for info in tokens:
        used = info.last_used.isoformat(timespec="seconds") if info.last_used else "never"
        state = " (revoked)" if info.revoked_at else ""
        print(f"{info.token_id}\t{info.scope.value}\t{info.name}\tlast used {used}{state}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    try:
        done = _with_tokens(args, lambda t: _revoke(t, args.token_id))
    except UnknownToken as exc:
        print(f"tokens: {exc}", file=sys.stderr)
        return 1
    if done is None:
        return 2
    print(f"token {args.token_id} revoked")
    return 0


async def _revoke(tokens: Tokens, token_id: str) -> bool:
    await tokens.revoke(token_id, datetime.now(UTC))
    return True  # (None is how _with_tokens says the database could not be used)


def _with_tokens(args: argparse.Namespace, work: Callable[[Tokens], Awaitable[T]]) -> T | None:
    try:
        return run_with_store(
            Path(args.data_dir), lambda store: work(Tokens(TokenStore(store.pool)))
        )
    except StoreError as exc:
        print(f"tokens: database: {exc}", file=sys.stderr)
        return None
