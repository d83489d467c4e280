"""The web as a signed-in user sees it: a cookie jar, the session's CSRF token, JSON."""

from __future__ import annotations

import http.cookiejar
import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


class WebClient:
    def __init__(
        self, base: str, user: str = "", password: str = "", tls: ssl.SSLContext | None = None,
        token: str = "",
    ) -> None:  # fmt: skip
        """``user``: signs in on first use; none: nobody, or a program with an API ``token``."""
        self.base, self.user, self.password = base, user, password
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.last_url = ""
        self.jar = http.cookiejar.CookieJar()
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if tls is not None:
            handlers.append(urllib.request.HTTPSHandler(context=tls))
        self.opener = urllib.request.build_opener(*handlers)
        self.csrf = ""

    def login(self) -> int:
        """Sign in (the form, as a browser posts it) and learn the CSRF token."""
        form = urllib.parse.urlencode({"user": self.user, "password": self.password}).encode()
        status, _ = self.raw("POST", "/login", form, "application/x-www-form-urlencoded")
        if status == 200:
            self.csrf = self.call("GET", "/api/me")[1]["csrf"]
        return status

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        """A JSON call with the session's CSRF token (signing in first if needed)."""
        if self.user and not self.csrf and path != "/api/me":
            self.login()
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        status, text = self.raw(method, path, data, "application/json",
                                {"X-CSRF-Token": self.csrf, **(headers or {})})  # fmt: skip
        try:
            return status, json.loads(text or b"null")
        except json.JSONDecodeError:
            return status, text.decode(errors="replace")

    def raw(
        self, method: str, path: str, data: bytes | None = None, content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:  # fmt: skip
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        for name, value in {**self.headers, **(headers or {})}.items():
            req.add_header(name, value)
        self.last_url = req.full_url
        try:
            with self.opener.open(req, timeout=15) as resp:
                self.last_url = resp.url
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            with exc:  # an unclosed error response leaks its socket
                return exc.code, exc.read()

    def form(self, path: str, fields: dict[str, str] | None = None) -> tuple[int, bytes]:
        """A form post, as a browser sends it (with the session's CSRF token)."""
        data = urllib.parse.urlencode({"csrf": self.csrf, **(fields or {})}).encode()
        return self.raw("POST", path, data, "application/x-www-form-urlencoded")

    def cookie(self) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if "centralino" in c.name and c.value), None)


def add_account(
    config: Path, data_dir: Path, dsn: str, user: str, role: str, password: str,
    agent: str | None = None,
) -> None:  # fmt: skip
    """``centralino users add`` as an administrator would run it (password on stdin)."""
    argv = [sys.executable, "-m", "acd.cli", "users", "add", user, "--role", role,
            "--config", str(config), "--data-dir", str(data_dir)]  # fmt: skip
    if agent:
        argv += ["--agent", agent]
    env = {"CENTRALINO_DATABASE_URL": dsn, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(argv, input=password + "\n", env=env, capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
