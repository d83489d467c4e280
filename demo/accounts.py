"""The demo's web accounts: one supervisor and one account per agent, made at the first run
and kept, with their passwords, in ``DATA_DIR/demo-accounts.json`` (mode 0600) for the next.

A real center makes its accounts with ``centralino users add``; the demo does it for the
newcomer so that the pages can be opened at once.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

from acd.access.accounts import AccountExists, Accounts, Role
from acd.access.passwords import WeakPassword, check_policy
from acd.config.model import CenterConfig
from acd.store.accounts import AccountStore
from acd.store.store import Store

SUPERVISOR = "supervisore"
FILE = "demo-accounts.json"


async def demo_accounts(store: Store, cfg: CenterConfig, data_dir: Path) -> dict[str, str]:
    """Every demo account's password by user name (made now, or kept from a run before)."""
    path = data_dir / FILE
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    accounts = Accounts(AccountStore(store.pool), [agent.id for agent in cfg.agents])
    wanted: list[tuple[str, str, Role, str | None]] = [
        (SUPERVISOR, "Supervisore (demo)", Role.SUPERVISOR, None)
    ]
    wanted += [(agent.id, agent.name, Role.AGENT, agent.id) for agent in cfg.agents]
    now = datetime.now(UTC)
    for user, name, role, agent_id in wanted:
        password = known.get(user) or _password(user)
        try:
            await accounts.add(user, name, role, password, now, agent_id)
        except AccountExists:
            if user not in known:  # made by hand: the demo does not know its password
                continue
        known[user] = password
    path.touch(mode=0o600)
    path.write_text(json.dumps(known, indent=2) + "\n")
    return known


def _password(user: str) -> str:
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_policy(password, user)
        except WeakPassword:
            continue
        return password
