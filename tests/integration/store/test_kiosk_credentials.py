"""District totems' credentials on a real PostgreSQL: shown once, checked by hash, one live
per kiosk, revocable, and useless for a kiosk the configuration no longer has."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from acd.access.kiosks import KioskCredentials, MalformedCredential, UnknownKiosk
from acd.access.policy import Rule, allows
from acd.store.kiosks import KioskCredentialStore
from acd.store.store import Store
from tests.integration.store.helpers import run_async
from tests.integration.store.test_accounts import NOW

KNOWN = {"q1-centro", "q2-crocetta"}


def with_credentials(dsn: str, work: Callable[[Store, KioskCredentials], Awaitable[None]]) -> None:
    async def run() -> None:
        store = await Store.connect(dsn)
        try:
            await work(
                store, KioskCredentials(KioskCredentialStore(store.pool), KNOWN.__contains__)
            )
        finally:
            await store.close()

    run_async(run())


def test_a_credential_is_shown_once_checked_by_hash_and_opens_only_the_kiosk(dsn: str) -> None:
    async def work(store: Store, kiosks: KioskCredentials) -> None:
        info, credential = await kiosks.add("q1-centro", NOW)
        assert credential.startswith(f"czk_{info.credential_id}_")
        assert len(credential) == 56
        who = await kiosks.principal(credential, NOW)
        assert who is not None
        assert (who.kiosk_id, who.role, who.scope) == ("q1-centro", None, None)
        assert who.csrf
        assert credential.split("_")[-1] not in who.csrf
        assert allows(Rule.KIOSK, who)
        assert not allows(Rule.SIGNED_IN, who)
        assert not any(allows(r, who, "agent1") for r in Rule if r not in (Rule.KIOSK, Rule.PUBLIC))
        held = await store.pool.fetchval("SELECT secret_hash FROM kiosk_credentials")
        assert credential.split("_")[-1].encode() not in held
        forged = credential[:-1] + ("A" if credential[-1] != "A" else "B")
        assert await kiosks.principal(forged, NOW) is None
        with pytest.raises(MalformedCredential):
            await kiosks.principal("czt_abcdefgh_nonsense", NOW)
        (listed,) = await kiosks.all()
        assert (listed.kiosk_id, listed.last_used) == ("q1-centro", NOW)

    with_credentials(dsn, work)


def test_a_new_credential_revokes_the_old_and_revoke_leaves_none(dsn: str) -> None:
    async def work(store: Store, kiosks: KioskCredentials) -> None:
        _, first = await kiosks.add("q1-centro", NOW)
        _, second = await kiosks.add("q1-centro", NOW)
        _, other = await kiosks.add("q2-crocetta", NOW)
        assert await kiosks.principal(first, NOW) is None
        assert await kiosks.principal(second, NOW) is not None
        await kiosks.revoke("q1-centro", NOW)
        assert await kiosks.principal(second, NOW) is None
        assert await kiosks.principal(other, NOW) is not None  # another kiosk's stays
        with pytest.raises(UnknownKiosk):
            await kiosks.revoke("q1-centro", NOW)
        states = [(c.kiosk_id, c.revoked_at is not None) for c in await kiosks.all()]
        assert sorted(states) == [("q1-centro", True), ("q1-centro", True), ("q2-crocetta", False)]

    with_credentials(dsn, work)


def test_an_unknown_kiosk_gets_no_credential_and_a_removed_one_is_refused(dsn: str) -> None:
    async def work(store: Store, kiosks: KioskCredentials) -> None:
        with pytest.raises(UnknownKiosk):
            await kiosks.add("q9-nowhere", NOW)
        assert await store.pool.fetchval("SELECT count(*) FROM kiosk_credentials") == 0
        _, credential = await kiosks.add("q2-crocetta", NOW)
        KNOWN.discard("q2-crocetta")
        try:
            assert await kiosks.principal(credential, NOW) is None
        finally:
            KNOWN.add("q2-crocetta")

    with_credentials(dsn, work)
