"""Callbacks asked for on the city's website, on the real stack (website_callbacks.yaml;
docs/callbacks.md, "Dal sito del Comune / From the website").

The website is a program with an API token of the callbacks scope (``centralino tokens
add``). A callback it asks for waits in the URP's queue like the others and, when the agent
is ready, is dialled over the trunk "citizens" to a sipp line on 127.0.0.5 playing the
citizen's phone, and bridged with the agent. Every answer is checked against the OpenAPI
description the engine serves. The registry office's closure is three days from today.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from acd.web.openapi import DOCUMENT
from demo.sipp import Answer
from tests.api_description import check_answer
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_callbacks import attempts, bridged_pair, callback_row, line
from tests.e2e.test_calls import agent_phone
from tests.e2e.web_client import WebClient

pytestmark = pytest.mark.stack

TEMPLATE = Path(__file__).with_name("website_callbacks.yaml")
ROME = ZoneInfo("Europe/Rome")
CALLBACKS, ONE = "/api/v1/callbacks", "/api/v1/callbacks/{callback}"


def closure_day() -> date:
    return datetime.now(ROME).date() + timedelta(days=3)


def written_center(folder: Path) -> Path:
    """The template with its closure moved to three days from today."""
    path = folder / "website_callbacks.yaml"
    path.write_text(TEMPLATE.read_text().replace("2026-12-03", closure_day().isoformat()))
    return path


CENTER = written_center


class Website:
    """The city's website as the engine sees it: a program with its token."""

    def __init__(self, stack: Stack, name: str) -> None:
        self.client = WebClient(stack.web, tls=stack.tls_client(),
                                token=stack.add_token(name, "callbacks"))  # fmt: skip

    def ask(self, method: str, template: str, body: Any = None, key: str | None = None,
            **params: str) -> tuple[int, Any]:  # fmt: skip
        """The request; its answer checked against the description the engine serves."""
        path = template.format(**params)
        headers = {"Idempotency-Key": key} if key is not None else {}
        if method == "POST":
            status, raw = self.client.raw(method, path, json.dumps(body).encode(),
                                          "application/json", headers)  # fmt: skip
        else:
            status, raw = self.client.raw(method, path, headers=headers)
        answer = json.loads(raw) if raw else None
        check_answer(template, method, status, answer)
        return status, answer

    def request(self, body: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
        return self.ask("POST", CALLBACKS, body, key or str(uuid4()))


@pytest.fixture(scope="module")
def website(stack: Stack) -> Website:
    return Website(stack, "sito")


def test_the_description_is_served_and_is_the_one_tested(stack: Stack) -> None:
    status, served = WebClient(stack.web, tls=stack.tls_client()).call(
        "GET", "/api/v1/openapi.json"
    )
    assert (status, served) == (200, DOCUMENT)


def test_a_websites_callback_is_replayed_found_again_and_dialled_like_the_others(
    stack: Stack, website: Website
) -> None:
    number = "3331110101"
    body = {"number": "+39 333 111 0101", "service": "urp", "note": "pratica 12/2026"}
    status, made = website.request(body, key="first")
    assert (status, made["state"], made["position"]) == (201, "waiting", 1)
    assert website.request(body, key="first") == (201, made)  # a retry: the same answer
    status, again = website.request({**body, "number": number})  # a new key: the pending one
    assert (status, again["id"]) == (200, made["id"])
    row = eventually(lambda: callback_row(stack, number), 15, "the stored callback")
    assert (row["origin"], row["note"], row["call_id"]) == ("web", "pratica 12/2026", made["id"])
    phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=4))
    with line(Answer(ring_seconds=0.5)), phone:
        stack.ready("agent1")
        assert eventually(lambda: bridged_pair(stack, "agent1"), 30, "the bridge")
        over = eventually(lambda: _done(website, made["id"]), 40, "the callback's end")
    stack.log_out_everyone()
    assert (over["outcome"], over["attempts"]) == ("answered", 0)
    assert attempts(stack, number) == ["answered"]
    contact = eventually(lambda: stack.contact(number), 15, "its contact")
    assert (contact["outcome"], contact["agent_id"]) == ("answered", "agent1")
    assert number not in stack.log.read_text()  # (nor any form of it: never logged)


def _done(website: Website, call_id: str) -> Any:
    status, seen = website.ask("GET", ONE, callback=call_id)
    assert status == 200
    return seen if seen["state"] == "done" else None


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"number": "12345"}, "number"),
        ({"number": "+44 20 7946 0018"}, "number"),  # the trunk calls Italian numbers only
        ({"slot": "2020-01-01T10:00"}, "slot"),  # in the past
        ({"service": "anagrafe", "slot": f"{closure_day().isoformat()}T10:00"}, "slot"),
        ({"service": "sport"}, "service"),
        ({"note": "a\nb"}, "note"),
    ],
)
def test_a_bad_request_says_which_field_and_makes_nothing(
    stack: Stack, website: Website, changed: dict[str, str], field: str
) -> None:
    status, error = website.request({"number": "0592032099", "service": "urp", **changed})
    assert (status, error["error"], list(error["fields"])) == (400, "invalid-request", [field])
    assert callback_row(stack, "0592032099") is None


def test_limits_cancel_and_another_tokens_callbacks(stack: Stack, website: Website) -> None:
    number, body = "0592032077", {"number": "059 2032077", "service": "anagrafe"}
    made = []
    for _ in range(2):  # website_callbacks.yaml: 2 callbacks a number a day
        status, callback = website.request(body)
        assert status == 201
        made.append(callback["id"])
        status, seen = website.ask("GET", ONE, callback=callback["id"])
        assert (status, seen["state"]) in ((200, "waiting"), (200, "deferred"))  # (a holiday)
        assert website.ask("DELETE", ONE, callback=callback["id"]) == (204, None)
    status, error = website.request(body)
    assert (status, error["error"]) == (429, "limit-reached")
    assert error["retry_after"] > 23 * 3600
    status, seen = website.ask("GET", ONE, callback=made[0])
    assert (status, seen["state"], seen["outcome"]) == (200, "done", "callback-cancelled")
    other = Website(stack, "altro-sito")
    for method in ("GET", "DELETE"):
        status, error = other.ask(method, ONE, callback=made[1])
        assert (status, error["error"]) == (404, "unknown-callback")
    rows = stack.query("select state, outcome from callbacks where number = $1", number)
    assert sorted(r["outcome"] for r in rows) == ["callback-cancelled"] * 2


def test_no_key_no_token_wrong_scope(stack: Stack, website: Website) -> None:
    body = {"number": "0592032088", "service": "urp"}
    status, error = website.ask("POST", CALLBACKS, body)  # no Idempotency-Key
    assert (status, list(error["fields"])) == (400, ["Idempotency-Key"])
    nobody = WebClient(stack.web, tls=stack.tls_client())
    assert nobody.call("POST", CALLBACKS, body, {"Idempotency-Key": "x"})[0] == 401
    metrics = WebClient(stack.web, tls=stack.tls_client(),
                        token=stack.add_token("prometheus", "metrics"))  # fmt: skip
    assert metrics.call("POST", CALLBACKS, body, {"Idempotency-Key": "x"})[0] == 403
    assert callback_row(stack, "0592032088") is None
