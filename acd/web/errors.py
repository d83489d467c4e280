"""The JSON API's errors: ``{"error": code, "message": text}`` with an HTTP status; some
say more (``extra``: the website's API names each bad field, ``{"fields": {...}}``) or
carry a header (``Retry-After`` with a 429)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.code = status, code
        self.extra, self.headers = extra or {}, headers or {}


def error_response(
    status: int, code: str, message: str, extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    body = {"error": code, "message": message, **(extra or {})}
    return web.json_response(body, status=status, headers=headers)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} for no body); ``ApiError`` 400 for anything else."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad-json", f"request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "bad-json", "request body must be a JSON object")
    return body
