"""The JSON API's errors: ``{"error": code, "message": text}`` with an HTTP status."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


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
