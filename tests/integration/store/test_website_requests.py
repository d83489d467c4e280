"""The website's callback requests on a real PostgreSQL (migration 030,
acd/store/website_requests.py): receipts kept in one booking or none, found by token and
key, counted per token and per number over a window, and a token's own callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

import pytest

from acd.store.errors import StoreRejected
from acd.store.store import Store
from acd.store.website_requests import Receipt, WebsiteRequests
from tests.integration.store.helpers import T0, run_async

T = TypeVar("T")
RECEIPT = Receipt("website1", "key-1", "cbw-1", True, "p:" + "a" * 32, "digest", 201,
                  {"id": "cbw-1", "state": "waiting"}, T0)  # fmt: skip


def with_requests(dsn: str, work: Callable[[WebsiteRequests], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await Store.connect(dsn)
        try:
            for token in ("website1", "website2"):
                await store.pool.execute(
                    "INSERT INTO api_tokens VALUES ($1, 'sito', 'callbacks', '\\x00', $2, NULL, "
                    "NULL)", token, T0)  # fmt: skip
            return await work(WebsiteRequests(store.pool))
        finally:
            await store.close()

    return run_async(run())


async def keep(requests: WebsiteRequests, receipt: Receipt) -> None:
    async with requests.booking() as book:
        await book.keep(receipt)


class Refused(Exception):
    pass


def test_a_receipt_is_kept_when_its_booking_ends_and_found_by_token_and_key(dsn: str) -> None:
    async def work(requests: WebsiteRequests) -> None:
        async with requests.booking() as book:
            assert await book.receipt("website1", "key-1") is None
            await book.keep(RECEIPT)
        async with requests.booking() as book:
            assert await book.receipt("website1", "key-1") == RECEIPT
            assert await book.receipt("website2", "key-1") is None  # keys are per token
        assert await requests.receipts_of("website1", "cbw-1") == [RECEIPT]
        assert await requests.receipts_of("website2", "cbw-1") == []

    with_requests(dsn, work)


def test_a_booking_that_raises_keeps_nothing(dsn: str) -> None:
    async def refused_after_keeping(requests: WebsiteRequests) -> None:
        async with requests.booking() as book:
            await book.keep(RECEIPT)
            raise Refused  # (a limit reached, the engine refused: after the insert)

    async def work(requests: WebsiteRequests) -> None:
        with pytest.raises(Refused):
            await refused_after_keeping(requests)
        async with requests.booking() as book:
            assert await book.receipt("website1", "key-1") is None

    with_requests(dsn, work)


def test_the_same_key_twice_for_a_token_is_refused_by_the_database(dsn: str) -> None:
    async def work(requests: WebsiteRequests) -> None:
        async with requests.booking() as book:
            await book.keep(RECEIPT)
        with pytest.raises(StoreRejected):
            await keep(requests, replace(RECEIPT, call_id="cbw-2"))
        assert await requests.receipts_of("website1", "cbw-2") == []

    with_requests(dsn, work)


def test_limits_count_a_tokens_requests_and_the_callbacks_made_for_a_number(dsn: str) -> None:
    hour = timedelta(hours=1)
    other = "p:" + "b" * 32

    async def work(requests: WebsiteRequests) -> None:
        async with requests.booking() as book:
            for i, (token, number, created, age) in enumerate([
                ("website1", RECEIPT.number_pseudonym, True, 30 * hour),  # out of the window
                ("website1", RECEIPT.number_pseudonym, True, 5 * hour),
                ("website1", RECEIPT.number_pseudonym, False, 4 * hour),  # found pending
                ("website2", RECEIPT.number_pseudonym, True, 3 * hour),
                ("website1", other, True, 2 * hour),
            ]):  # fmt: skip
                await book.keep(replace(RECEIPT, token_id=token, idempotency_key=f"k{i}",
                                        number_pseudonym=number, created=created,
                                        created_at=T0 - age))  # fmt: skip
        since = T0 - 24 * hour
        async with requests.booking() as book:
            mine = await book.token_requests("website1", since)
            assert (mine.n, mine.oldest) == (3, T0 - 5 * hour)
            made = await book.callbacks_made_for(RECEIPT.number_pseudonym, since)
            assert (made.n, made.oldest) == (2, T0 - 5 * hour)  # both tokens', made only
            none = await book.callbacks_made_for("p:" + "c" * 32, since)
            assert (none.n, none.oldest) == (0, None)

    with_requests(dsn, work)
