"""Who may do what, on the real engine over HTTPS: every route with every role and with
nobody, CSRF and Origin checks, session fixation, login throttling, the certificate made
for the center, and the login page in Chromium."""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from acd.access.accounts import Role
from acd.access.policy import Principal, Scope, allows
from acd.web.app import ROUTES
from acd.web.tls import spki_sha256
from tests.e2e.browser import accessibility_violations, open_page, sign_in
from tests.e2e.stack import SUPERVISOR, Stack
from tests.e2e.web_client import WebClient

pytestmark = pytest.mark.stack
CENTER = Path(__file__).with_name("access.yaml")
PASSWORDS = {"anna": "green kettle on the stove", "root": "seven lamps in the archive",
             "bruno": "a bicycle by the river"}  # fmt: skip
# Who each client is, for the policy (acd.access.policy) that the engine must apply.
AS_POLICY_SEES = {
    "nobody": None,
    "agent": Principal("anna", Role.AGENT, agent_id="agent1", csrf="-"),
    "supervisor": Principal("sup", Role.SUPERVISOR, csrf="-"),
    "admin": Principal("root", Role.ADMIN, csrf="-"),
    "token": Principal("token", scope=Scope.METRICS),
    "kiosk": Principal("kiosk q1-centro", kiosk_id="q1-centro", csrf="-"),
    "website": Principal("token", scope=Scope.CALLBACKS, token_id="-"),
}
SHOTS = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
EXAMPLE = {
    "{agent}": "agent1",
    "{action}": "dance",
    "{control}": "dance",
    "{user}": "nobody-such",
    "{call}": "no-such-call",  # a call's routes and a callback's (acd.web.callbacks)
    "{callback}": "no-such-callback",  # the website's (acd.web.website_callbacks)
    "{service}": "urp",
    "{message}": "no-such-message",  # a voice message's (acd.web.voice_messages)
}


@pytest.fixture(scope="module")
def people(stack: Stack) -> dict[str, WebClient]:
    for user, role, agent in (("anna", "agent", "agent1"), ("root", "admin", None),
                              ("bruno", "agent", "agent2")):  # fmt: skip
        stack.add_account(user, role, PASSWORDS[user], agent=agent)
    tls = stack.tls_client()
    return {
        "nobody": WebClient(stack.web, tls=tls),
        "agent": WebClient(stack.web, "anna", PASSWORDS["anna"], tls=tls),
        "supervisor": stack.supervisor,
        "admin": WebClient(stack.web, "root", PASSWORDS["root"], tls=tls),
        "token": WebClient(stack.web, tls=tls, token=stack.add_token("prometheus", "metrics")),
        "kiosk": enrolled_kiosk(stack, tls),
        "website": WebClient(stack.web, tls=tls, token=stack.add_token("sito", "callbacks")),
    }


def enrolled_kiosk(stack: Stack, tls: ssl.SSLContext | None) -> WebClient:
    """A district totem: its device credential in its cookie (POST /kiosk/enroll)."""
    kiosk = WebClient(stack.web, tls=tls)
    status, body = kiosk.call("POST", "/kiosk/enroll", {"token": stack.add_kiosk("q1-centro")})
    assert (status, body["kiosk"]) == (200, "q1-centro"), body
    return kiosk


@pytest.fixture
def center(stack: Stack, people: dict[str, WebClient]) -> Iterator[Stack]:
    stack.log_out_everyone()
    yield stack
    stack.log_out_everyone()


def attempt(client: WebClient, method: str, path: str) -> bool:
    """Make the request; True when the door refused it (whatever the handler would say)."""
    if client.user and not client.csrf:
        client.login()
    if path.startswith("/api/"):
        status, body = client.call(method, path)
        return status in (401, 403) and body.get("error") in ("not-signed-in", "forbidden")
    if method == "POST":
        status, text = client.form(path)
    else:
        status, text = client.raw(method, path)
    if path == "/logout" and status == 200:
        client.csrf = ""  # signed out: sign in again next time
    sent_to_login = "/login?next=" in client.last_url
    sent_to_login |= "/kiosk/enroll" in client.last_url and not path.startswith("/kiosk/enroll")
    return sent_to_login or text.startswith((b"not-signed-in", b"forbidden"))


def test_every_route_with_every_role_and_nobody(
    center: Stack, people: dict[str, WebClient]
) -> None:
    checked = 0
    for method, template, _handler, guard in ROUTES:
        path = template
        for name, value in EXAMPLE.items():
            path = path.replace(name, value)
        for who, client in people.items():
            allowed = allows(guard.rule, AS_POLICY_SEES[who], "agent1")
            assert attempt(client, method, path) is not allowed, (method, path, who)
            checked += 1
    assert checked == len(ROUTES) * len(people)
    # The own-agent rule: an agent on another agent is refused; a supervisor is not.
    assert attempt(people["agent"], "POST", "/api/agents/agent2/ready")
    # an agent schedules callbacks, and reads the openings, as itself only
    assert attempt(people["agent"], "POST", "/api/agents/agent2/callbacks")
    assert attempt(people["agent"], "GET", "/api/agents/agent2/callbacks/slots")
    assert not attempt(people["agent"], "GET", "/api/agents/agent1/callbacks/slots")
    assert not attempt(people["supervisor"], "POST", "/api/agents/agent2/dance")
    assert not attempt(people["nobody"], "GET", "/static/site.css")


def test_an_agent_drives_its_own_agent(center: Stack, people: dict[str, WebClient]) -> None:
    anna = people["agent"]
    status, body = anna.call("POST", "/api/agents/agent1/ready")
    assert (status, body["state"]) == (200, "ready")
    status, body = anna.call("GET", "/api/me")
    assert (body["user"], body["role"], body["agent"]) == ("anna", "agent", "agent1")
    assert (body["desk"]["agent"]["state"], body["desk"]["call"]) == ("ready", None)


def test_a_missing_or_wrong_csrf_token_is_refused_and_changes_nothing(
    center: Stack, people: dict[str, WebClient]
) -> None:
    sup = people["supervisor"]
    sup.call("GET", "/api/me")
    for token in ("", "forged-token"):
        status, body = sup.raw("POST", "/api/agents/agent3/ready", b"{}", "application/json",
                               {"X-CSRF-Token": token} if token else {})  # fmt: skip
        assert status == 403
        assert b"bad-csrf" in body
    assert agent_state(center, "agent3") == "logged_out"


def test_a_cross_site_form_or_origin_is_refused(
    center: Stack, people: dict[str, WebClient]
) -> None:
    sup = people["supervisor"]
    sup.call("GET", "/api/me")
    # What a <form method=post> from another site sends (it cannot send JSON):
    status, body = sup.form("/api/agents/agent3/ready")
    assert (status, b"not-json" in body) == (415, True)
    evil = {"X-CSRF-Token": sup.csrf, "Origin": "https://evil.example"}
    status, body = sup.raw("POST", "/api/agents/agent3/ready", b"{}", "application/json", evil)
    assert (status, b"bad-origin" in body) == (403, True)
    status, body = sup.raw("GET", "/healthz", headers={"Host": "evil.example"})
    assert (status, b"unknown-host" in body) == (421, True)
    assert agent_state(center, "agent3") == "logged_out"


def test_the_websocket_refuses_another_origin(center: Stack, people: dict[str, WebClient]) -> None:
    sup = people["supervisor"]
    sup.call("GET", "/api/me")
    cookie = sup.cookie()
    assert cookie is not None
    url = center.web.replace("https", "wss") + "/ws"
    tls = center.tls_client() or False

    async def connect(origin: str | None) -> object:
        headers = {"Cookie": f"{cookie.name}={cookie.value}"}
        if origin:
            headers["Origin"] = origin
        try:
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector) as http:
                try:
                    async with http.ws_connect(url, headers=headers, ssl=tls) as ws:
                        return (await ws.receive_json(timeout=10))["queues"]
                except aiohttp.WSServerHandshakeError as exc:
                    return exc.status
        finally:
            # TLS connections end after the session does: give them the time aiohttp's
            # docs ask for before asyncio.run closes the loop (else one is collected later,
            # unclosed, and its ResourceWarning fails whichever test then runs)
            await asyncio.sleep(0.25)

    assert asyncio.run(connect("https://evil.example")) == 403
    assert asyncio.run(connect(None)) == 403
    assert isinstance(asyncio.run(connect(center.web)), list)


def test_a_session_id_set_before_login_is_not_kept(center: Stack) -> None:
    # The attacker signs in, and plants its own session id in the victim's browser.
    attacker = WebClient(center.web, "bruno", PASSWORDS["bruno"], tls=center.tls_client())
    assert attacker.login() == 200
    planted = attacker.cookie()
    assert planted is not None
    victim = WebClient(center.web, "anna", PASSWORDS["anna"], tls=center.tls_client())
    victim.jar.set_cookie(planted)
    assert victim.login() == 200
    mine = victim.cookie()
    assert mine is not None
    assert mine.value != planted.value
    assert victim.call("GET", "/api/me")[1]["user"] == "anna"
    assert attacker.call("GET", "/api/me")[0] == 401  # the planted id is closed too


def test_the_session_cookie_is_httponly_strict_and_secure(center: Stack) -> None:
    client = WebClient(center.web, "anna", PASSWORDS["anna"], tls=center.tls_client())
    client.login()
    cookie = client.cookie()
    assert cookie is not None
    assert cookie.name == "__Host-centralino"
    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite") == "Strict"


def test_a_kiosk_credential_goes_into_an_httponly_strict_secure_cookie(center: Stack) -> None:
    """Enrolment keeps the credential where no script reads it; a malformed, unknown or
    revoked one sets nothing, and the kiosk page then says the totem is refused."""
    tls = center.tls_client()
    kiosk = WebClient(center.web, tls=tls)
    for token, status, code in (("czk_nonsense", 400, "malformed-credential"),
                                ("czk_abcdefgh_" + "A" * 43, 401, "unknown-kiosk-credential"),
                                (12, 400, "bad-token")):  # fmt: skip
        answer = kiosk.call("POST", "/kiosk/enroll", {"token": token})
        assert (answer[0], answer[1]["error"]) == (status, code)
        assert not list(kiosk.jar)
    credential = center.add_kiosk("q1-centro")
    assert kiosk.call("POST", "/kiosk/enroll", {"token": credential})[0] == 200
    (cookie,) = list(kiosk.jar)
    assert (cookie.name, cookie.secure, cookie.path) == ("__Host-centralino-kiosk", True, "/")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite") == "Strict"
    status, settings = kiosk.call("GET", "/api/kiosk/settings")
    assert (status, settings["kiosk"], settings["user"]) == (200, "q1-centro", "kiosk-q1-centro")
    assert [s["id"] for s in settings["services"]] == ["urp"]
    status, page = kiosk.raw("GET", "/kiosk")
    assert status == 200
    assert b"Quartiere 1" in page
    center.revoke_kiosk("q1-centro")
    status, page = kiosk.raw("GET", "/kiosk")
    assert kiosk.last_url.endswith("/kiosk/enroll?refused=1")
    assert b"revocata" in page
    assert kiosk.call("GET", "/api/kiosk/settings")[0] == 401


def test_logins_are_throttled_after_five_wrong_passwords(center: Stack) -> None:
    client = WebClient(center.web, tls=center.tls_client())
    for _ in range(5):
        status, _ = client.raw("POST", "/login", b"user=bruno&password=guess-guess-guess",
                               "application/x-www-form-urlencoded")  # fmt: skip
        assert status == 401
    status, text = client.raw("POST", "/login", b"user=bruno&password=" +
                              PASSWORDS["bruno"].replace(" ", "+").encode(),
                              "application/x-www-form-urlencoded")  # fmt: skip
    assert status == 429
    assert "Troppi tentativi" in text.decode()
    log = center.log.read_text()
    assert "login throttled: 'bruno' from 127.0.0.1" in log
    assert "guess-guess-guess" not in log
    assert all(password not in log for password in (*PASSWORDS.values(), SUPERVISOR[1]))


@pytest.mark.browser
def test_https_with_the_generated_certificate_in_chromium(center: Stack) -> None:
    """Signed in through the login page over HTTPS; login, live and account pages pass
    axe-core (WCAG 2.1 AA)."""
    pin = base64.b64encode(spki_sha256((center.data_dir / "web-tls/cert.pem").read_bytes()))
    flags = (f"--ignore-certificate-errors-spki-list={pin.decode()}",)
    fingerprint = center.log.read_text().split("SHA-256 fingerprint ")[1].split()[0]
    assert len(fingerprint.split(":")) == 32

    async def scenario() -> None:
        async with open_page(center.web + "/", flags) as page:
            await page.wait_for("location.pathname === '/login'")
            assert await page.evaluate("document.documentElement.lang") == "it"
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-login.png")
            await sign_in(page, *SUPERVISOR)
            assert await page.evaluate("location.protocol") == "https:"
            assert await page.wait_for("document.querySelectorAll('#queues tbody tr').length")
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-live.png")
            assert "centralino" not in await page.evaluate("document.cookie")  # HttpOnly
            await page.call("Page.navigate", url=center.web + "/account?lang=en")
            await page.wait_for("document.getElementById('change') !== null")
            assert await page.evaluate("document.documentElement.lang") == "en"
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-account-en.png")

    asyncio.run(scenario())


def agent_state(center: Stack, agent_id: str) -> str:
    agents = center.snapshot()["agents"]
    return str(next(a["state"] for a in agents if a["id"] == agent_id))


@pytest.mark.browser
def test_an_admin_manages_accounts_in_its_page(center: Stack) -> None:
    pin = base64.b64encode(spki_sha256((center.data_dir / "web-tls/cert.pem").read_bytes()))
    flags = (f"--ignore-certificate-errors-spki-list={pin.decode()}",)
    rows = "document.querySelectorAll('#accounts tbody tr')"

    async def scenario() -> None:
        async with open_page(center.web + "/login", flags) as page:
            await sign_in(page, "root", PASSWORDS["root"])
            assert await page.evaluate("location.pathname") == "/admin"
            assert await page.wait_for(f"{rows}.length >= 4")
            assert await accessibility_violations(page) == []
            await page.evaluate(
                "document.getElementById('add-user').value = 'carla';"
                "document.getElementById('add-name').value = 'Carla Neri';"
                "document.getElementById('add-role').value = 'agent';"
                "document.getElementById('add-agent').value = 'agent4';"
                "document.getElementById('add-password').value = 'a lamp on the window';"
                "document.querySelector('#add button[type=submit]').click(); true"
            )
            carla = "document.querySelector('tr[data-user=carla]')"
            assert await page.wait_for(f"{carla}?.querySelector('.agent').textContent === 'agent4'")
            await page.evaluate(f"{carla}.querySelector('.toggle').click(); true")
            assert await page.wait_for(
                f"{carla}?.querySelector('.state').textContent === 'disattivata'"
            )
            await page.screenshot(SHOTS / "centralino-admin.png")

    asyncio.run(scenario())
    carla = WebClient(center.web, "carla", "a lamp on the window", tls=center.tls_client())
    assert carla.login() == 401  # disabled
