"""The OpenAPI description of the website's API (acd/web/openapi.py) and the routes it
describes: the same routes both ways, a valid OpenAPI 3.1 document, served as it is, and
the answers the pure parts make valid against its schemas (the real routes' answers are
checked in tests/integration/web and tests/e2e/test_website_callbacks.py)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from acd.core.callback import CallbackOutcome, CallbackState
from acd.web import website_callbacks
from acd.web.app import ROUTES, WEBSITE, WEBSITE_API
from acd.web.openapi import DOCUMENT
from acd.web.website_request import Seen
from tests.api_description import check_answer

V1 = "/api/v1/"
ROME = ZoneInfo("Europe/Rome")


def test_every_v1_route_is_described_and_nothing_else() -> None:
    routes = {(path, method.lower()) for method, path, _, _ in ROUTES if path.startswith(V1)}
    described = {(path, method) for path, item in DOCUMENT["paths"].items()
                 for method in item if method != "parameters"}  # fmt: skip
    assert routes == described
    assert all(path.startswith(V1) for path in DOCUMENT["paths"])


def test_each_path_parameter_is_declared() -> None:
    for path, item in DOCUMENT["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            declared = {p["name"] for p in [*item.get("parameters", []),
                                            *operation.get("parameters", [])]
                        if p["in"] == "path"}  # fmt: skip
            assert declared == named, (path, method)


def test_the_v1_routes_are_the_websites_and_the_description_public() -> None:
    guards = {(m, p): g for m, p, _, g in ROUTES if p.startswith(V1)}
    assert guards.pop(("GET", "/api/v1/openapi.json")).rule.value == "public"
    assert guards.pop(("POST", "/api/v1/callbacks")) == WEBSITE_API
    assert set(guards.values()) == {WEBSITE}


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")
    validate(DOCUMENT)  # raises on any fault, its $refs resolved


def test_the_description_is_served_as_it_is() -> None:
    request = cast(web.Request, None)  # (the handler reads nothing of it)
    answer = asyncio.run(website_callbacks.description(request))
    assert answer.text is not None
    assert json.loads(answer.text) == DOCUMENT


@pytest.mark.parametrize(
    "seen",
    [
        Seen("web-1", "urp", CallbackState.WAITING, 0, datetime(2026, 11, 30, tzinfo=UTC), 2),
        Seen("web-1", "urp", CallbackState.DEFERRED, 1, datetime(2026, 12, 1, tzinfo=UTC)),
        Seen("web-1", "urp", CallbackState.DONE, 2, None, None, CallbackOutcome.ANSWERED),
        Seen("web-1", "urp", CallbackState.TALKING, 0, None),
    ],
)
def test_what_the_website_is_told_is_a_described_callback(seen: Seen) -> None:
    for method, status in (("post", 201), ("post", 200)):
        check_answer("/api/v1/callbacks", method, status, seen.answer(ROME))
    check_answer("/api/v1/callbacks/{callback}", "get", 200, seen.answer(ROME))


def test_an_answer_the_description_does_not_allow_fails_the_check() -> None:
    with pytest.raises(AssertionError):
        check_answer("/api/v1/callbacks", "post", 201, {"id": "web-1", "state": "lost"})
    with pytest.raises(KeyError):
        check_answer("/api/v1/callbacks", "post", 418, {})
