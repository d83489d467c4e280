"""Accounts on a real PostgreSQL: roles, passwords, logins, and the ``centralino users``
command (the password from standard input, never in its output)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import asyncpg
import pytest

from acd.access.accounts import (
    AccountExists,
    Accounts,
    BadAccount,
    LoginRefused,
    Role,
    UnknownAccount,
)
from acd.access.passwords import WeakPassword, hash_password, needs_rehash
from acd.store.accounts import AccountStore
from acd.store.store import Store
from tests.integration.store.helpers import run_async
from tests.unit.test_passwords import CHEAP

T = TypeVar("T")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
GOOD = "correct horse battery"


def with_accounts(dsn: str, work: Callable[[Accounts, Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await Store.connect(dsn)
        try:
            return await work(Accounts(AccountStore(store.pool), ["agent1", "agent2"]), store)
        finally:
            await store.close()

    return run_async(run())


def test_accounts_of_each_role_and_their_logins(dsn: str) -> None:
    async def work(accounts: Accounts, _: Store) -> None:
        await accounts.add("anna", "Anna Bianchi", Role.AGENT, GOOD, NOW, agent_id="agent1")
        await accounts.add("sara", "", Role.SUPERVISOR, GOOD, NOW)
        await accounts.add("root", "IT", Role.ADMIN, GOOD, NOW)
        anna = await accounts.authenticate("anna", GOOD, NOW + timedelta(hours=1))
        assert (anna.role, anna.agent_id, anna.display_name) == (
            Role.AGENT,
            "agent1",
            "Anna Bianchi",
        )
        listed = {a.user_name: a for a in await accounts.all()}
        assert listed["anna"].last_login == NOW + timedelta(hours=1)
        assert listed["sara"].display_name == "sara"  # none given: the user name
        assert listed["root"].last_login is None

    with_accounts(dsn, work)


def test_a_wrong_password_a_disabled_or_unknown_account_get_one_answer(dsn: str) -> None:
    async def work(accounts: Accounts, _: Store) -> None:
        await accounts.add("sara", "Sara", Role.SUPERVISOR, GOOD, NOW)
        for user, password in (("sara", GOOD + "!"), ("nobody", GOOD)):
            with pytest.raises(LoginRefused, match="wrong user name or password"):
                await accounts.authenticate(user, password, NOW)
        await accounts.set_disabled("sara", True)
        with pytest.raises(LoginRefused):
            await accounts.authenticate("sara", GOOD, NOW)
        await accounts.set_disabled("sara", False)
        await accounts.set_password("sara", "another long secret")
        with pytest.raises(LoginRefused):
            await accounts.authenticate("sara", GOOD, NOW)
        assert (
            await accounts.authenticate("sara", "another long secret", NOW)
        ).role is Role.SUPERVISOR
        with pytest.raises(UnknownAccount):
            await accounts.set_password("nobody", GOOD)

    with_accounts(dsn, work)


def test_bad_accounts_are_refused_and_change_nothing(dsn: str) -> None:
    async def work(accounts: Accounts, _: Store) -> int:
        await accounts.add("anna", "Anna", Role.AGENT, GOOD, NOW, agent_id="agent1")
        refused = [
            (BadAccount, "user name", ("Anna!", Role.SUPERVISOR, GOOD, None)),
            (BadAccount, "needs the agent", ("marco", Role.AGENT, GOOD, None)),
            (BadAccount, "drives no agent", ("marco", Role.ADMIN, GOOD, "agent2")),
            (BadAccount, "no agent 'agent9'", ("marco", Role.AGENT, GOOD, "agent9")),
            (AccountExists, "agent 'agent1'", ("marco", Role.AGENT, GOOD, "agent1")),
            (AccountExists, "user name 'anna'", ("anna", Role.ADMIN, GOOD, None)),
            (WeakPassword, "at least 12", ("marco", Role.ADMIN, "short", None)),
        ]
        for error, why, (user, role, password, agent) in refused:
            with pytest.raises(error, match=why):
                await accounts.add(user, "", role, password, NOW, agent_id=agent)
        return len(await accounts.all())

    assert with_accounts(dsn, work) == 1


def test_a_login_with_older_hash_parameters_stores_a_new_hash(dsn: str) -> None:
    async def work(accounts: Accounts, store: Store) -> str:
        await accounts.add("sara", "Sara", Role.SUPERVISOR, GOOD, NOW)
        old = hash_password(GOOD, CHEAP)
        await store.pool.execute("UPDATE accounts SET password_hash = $1", old)
        await accounts.authenticate("sara", GOOD, NOW)
        return str(await store.pool.fetchval("SELECT password_hash FROM accounts"))

    stored = with_accounts(dsn, work)
    assert stored.startswith("$argon2id$")
    assert not needs_rehash(stored)


def test_the_users_command_reads_the_password_from_stdin_and_never_prints_it(dsn: str) -> None:
    env = {**os.environ, "CENTRALINO_DATABASE_URL": dsn}
    base = [sys.executable, "-m", "acd.cli", "users"]
    examples = ["--config", "examples/modena.yaml"]

    def users(*args: str, password: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args, *examples], input=password, env=env, text=True,
                              capture_output=True, timeout=60, check=False)  # fmt: skip

    added = users("add", "anna", "--role", "agent", "--agent", "agent1", "--name", "Anna",
                  password=GOOD + "\n")  # fmt: skip
    assert (added.returncode, added.stdout.strip()) == (0, "account anna added (agent)")
    weak = users("add", "marco", "--role", "admin", password="short\n")
    assert weak.returncode == 1
    assert "at least 12 characters: nothing changed" in weak.stderr
    assert users("disable", "anna").returncode == 0
    listing = users("list")
    assert listing.returncode == 0
    assert listing.stdout.startswith("anna\tagent agent=agent1\tAnna\tlast login never (disabled)")
    for done in (added, weak, listing):
        assert GOOD not in done.stdout + done.stderr
    rows = run_async(_fetch(dsn))
    assert rows == [("anna", True)]


async def _fetch(dsn: str) -> list[tuple[str, bool]]:
    conn = await asyncpg.connect(dsn)
    try:
        return [(r["user_name"], r["disabled"]) for r in await conn.fetch("SELECT * FROM accounts")]
    finally:
        await conn.close()
