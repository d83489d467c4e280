"""The OpenAPI 3.1 description of the website's API (``/api/v1``), served at
``/api/v1/openapi.json`` (``acd.web.website_callbacks``).

Written by hand, as data, beside the code it describes; ``tests/unit/web/test_openapi.py``
keeps the two together: every ``/api/v1`` route of ``acd.web.app.ROUTES`` is described here
(and nothing else is), the document is valid OpenAPI 3.1 (``openapi-spec-validator``), and
the answers the real routes give validate against its schemas (``jsonschema``, the JSON
Schema 2020-12 that OpenAPI 3.1 uses), in the integration and end-to-end tests too.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str, headers: Json | None = None) -> Json:
    answer: Json = {"description": description,
                    "content": {"application/json": {"schema": schema}}}  # fmt: skip
    if headers:
        answer["headers"] = headers
    return answer


def _error(description: str) -> Json:
    return _json(_ref("Error"), description)


_REFUSED = {
    "401": _error("No token, or an unknown, revoked or malformed one"),
    "403": _error("A token without the callbacks scope (or a signed-in person)"),
}
_STATES = ["waiting", "deferred", "in-progress", "done"]
_OUTCOMES = ["answered", "callback-failed", "callback-message", "callback-cancelled",
             "callback-refused"]  # fmt: skip
_CALLBACK_PATH_ID = {
    "name": "callback",
    "in": "path",
    "required": True,
    "description": "The callback's id, as the POST answered it",
    "schema": {"type": "string", "maxLength": 100},
}

SCHEMAS: Json = {
    "CallbackRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["number", "service"],
        "properties": {
            "number": {"type": "string", "maxLength": 40, "examples": ["059 2032032"],
                       "description": "A valid Italian number (059..., 3...) or an "
                       "international one (+44..., 0044...) that the center calls"},
            "service": {"type": "string", "examples": ["urp"],
                        "description": "A service that takes callbacks"},
            "slot": {"type": "string", "examples": ["2026-12-02T09:30"],
                     "description": "When to call: ISO 8601, the center's time without an "
                     "offset; from now to 30 days ahead, inside one of the service's openings "
                     "(see /api/v1/services/{service}/slots). Absent: as soon as possible"},
            "note": {"type": "string", "maxLength": 200,
                     "description": "For whoever calls back: one line, no control characters"},
            "language": {"type": "string", "enum": ["it", "en"],
                         "description": "The citizen's language (absent: the center's)"},
        },
    },
    "Callback": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "service", "state", "attempts", "scheduled_for"],
        "properties": {
            "id": {"type": "string"},
            "service": {"type": "string"},
            "state": {"type": "string", "enum": _STATES,
                      "description": "waiting: in line; deferred: out of line until its time "
                      "(scheduled later, the service closed, a retry's spacing); in-progress: "
                      "an agent or the citizen is being rung, or they talk; done: see outcome"},
            "attempts": {"type": "integer", "minimum": 0,
                         "description": "Calls to the citizen that failed so far"},
            "scheduled_for": {"type": ["string", "null"], "format": "date-time",
                              "description": "When it entered or enters its queue (the "
                              "center's time, with its offset)"},
            "position": {"type": "integer", "minimum": 1,
                         "description": "Its place in line (waiting only)"},
            "outcome": {"type": ["string", "null"], "enum": [*_OUTCOMES, None],
                        "description": "How it ended (done only)"},
        },
    },
    "Slots": {
        "type": "object",
        "additionalProperties": False,
        "required": ["service", "open_now", "slots"],
        "properties": {
            "service": {"type": "string"},
            "open_now": {"type": "boolean"},
            "slots": {"type": "array", "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start", "end", "part_of_day"],
                "properties": {
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"},
                    "part_of_day": {"type": "string", "enum": ["morning", "afternoon"]},
                },
            }},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "A stable code, e.g. invalid-request"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "invalid-request: each bad field (or header) and why"},
            "retry_after": {"type": "integer", "minimum": 1,
                            "description": "limit-reached: seconds until there is room"},
        },
    },
}  # fmt: skip

PATHS: Json = {
    "/api/v1/callbacks": {
        "post": {
            "operationId": "requestCallback",
            "summary": "Ask for a callback for a citizen",
            "parameters": [{
                "name": "Idempotency-Key", "in": "header", "required": True,
                "description": "A key of your own for this request (a UUID will do): a "
                "retry with the same key and body gets the same answer, never a second "
                "callback. 1 to 255 visible ASCII characters",
                "schema": {"type": "string", "minLength": 1, "maxLength": 257},
            }],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("CallbackRequest")}}},
            "responses": {
                "201": _json(_ref("Callback"), "Made", {"Idempotent-Replayed": {
                    "description": "true when this is the answer to an earlier request "
                    "with the same key", "schema": {"type": "string"}}}),
                "200": _json(_ref("Callback"), "A callback for this number and service "
                             "was pending already: that one"),
                "400": _error("A bad field (see fields), a bad body or no Idempotency-Key"),
                **_REFUSED,
                "415": _error("The body is not application/json"),
                "422": _error("This Idempotency-Key came with another body before"),
                "429": _json(_ref("Error"), "A daily limit: this token's requests or this "
                             "number's callbacks", {"Retry-After": {
                                 "description": "Seconds until there is room",
                                 "schema": {"type": "integer"}}}),
                "503": _error("The database is not answering: retry with the same key"),
            },
        },
    },
    "/api/v1/callbacks/{callback}": {
        "parameters": [_CALLBACK_PATH_ID],
        "get": {
            "operationId": "getCallback",
            "summary": "A callback this token asked for: its state now",
            "responses": {
                "200": _json(_ref("Callback"), "Its state"),
                **_REFUSED,
                "404": _error("No callback of this id was asked for with this token"),
                "503": _error("The database is not answering: try again"),
            },
        },
        "delete": {
            "operationId": "cancelCallback",
            "summary": "Cancel a callback this token made, while it is pending",
            "responses": {
                "204": {"description": "Cancelled (or cancelled already)"},
                **_REFUSED,
                "403": _error("Not made by this token's requests (it was pending already), "
                              "or a token without the callbacks scope"),
                "404": _error("No callback of this id was asked for with this token"),
                "409": _error("Over already, or an agent or the citizen is being rung"),
                "503": _error("The database is not answering: try again"),
            },
        },
    },
    "/api/v1/services/{service}/slots": {
        "get": {
            "operationId": "getSlots",
            "summary": "The service's next opening slots (any time inside one is a slot)",
            "parameters": [{"name": "service", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": _json(_ref("Slots"), "Its next openings"),
                **_REFUSED,
                "404": _error("No such service takes callbacks"),
            },
        },
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getDescription",
            "summary": "This description",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                "application/json": {"schema": {"type": "object"}}}}},
        },
    },
}  # fmt: skip

DOCUMENT: Json = {
    "openapi": "3.1.0",
    "info": {
        "title": "Centralino: callbacks from the city's website",
        "version": "1.0.0",
        "description": "A city's website asks the contact center to call a citizen back "
        "(docs/callbacks.md, \"Dal sito del Comune / From the website\"). Call it from the "
        "website's server, never from the browser: the token is a secret.",
    },
    "servers": [{"url": "/"}],
    "security": [{"token": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"token": {
            "type": "http", "scheme": "bearer", "bearerFormat": "czt_ID_SECRET",
            "description": "`centralino tokens add NAME --scope callbacks` prints one"}},
    },
}  # fmt: skip
