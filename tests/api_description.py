"""Answers checked against the OpenAPI description (acd/web/openapi.py): the helper the
unit, integration and end-to-end tests of the website's API share.

``jsonschema`` validates a body against the schema the description gives for its route,
method and status (JSON Schema 2020-12, the dialect of OpenAPI 3.1), the document being
one ``referencing`` resource so that its ``#/components/...`` references resolve."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from acd.web.openapi import DOCUMENT

_URI = "urn:centralino:openapi"
_REGISTRY: Registry[Any] = Registry().with_resource(
    _URI, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)


def schema_of(template: str, method: str, status: int) -> dict[str, Any] | None:
    """The body's schema for that answer (None: the answer has no body), or KeyError when
    the description does not say that the route answers ``status``."""
    answer = DOCUMENT["paths"][template][method.lower()]["responses"][str(status)]
    content = answer.get("content")
    return None if content is None else dict(content["application/json"]["schema"])


def check_answer(template: str, method: str, status: int, body: Any) -> None:
    """Fail unless ``body`` is what the description says ``method template`` answers with
    ``status``."""
    schema = schema_of(template, method, status)
    if schema is None:
        assert body in (None, b"", ""), (template, method, status, body)
        return
    rooted = {"$id": _URI + "#answer", "$ref": _ref(schema)} if "$ref" in schema else schema
    validator = Draft202012Validator(rooted, registry=_REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, (template, method, status, body, [e.message for e in errors])


def _ref(schema: dict[str, Any]) -> str:
    return _URI + str(schema["$ref"])
