"""Every URL hub answers, walked by a stranger (issue 12): nothing is served without a login
but the login itself, static files, the health check, the API's description, Meta's webhook
(only with a valid signature) and signed media links (only with a valid signature).

The walk takes every rule of the app and every method, with real ids (tests/security/world.py),
so a refusal is hub's and not a 404. The allowlist is data (tests/security/routes.py): a new
route fails here until somebody says who may use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.config import Settings
from hub.public_media import make_token
from tests.conftest import csrf_from, make_settings
from tests.security.callers import Office, changed_tables, database_state, send
from tests.security.calls import call_for, path_of
from tests.security.routes import (
    OPTIONAL_PUBLIC_RULES,
    PUBLIC,
    Route,
    is_public,
    routes,
    unclassified,
)
from tests.security.world import World

APP_SECRET = "meta-app-secret-for-the-walk"
VERIFY_TOKEN = "verify-token-for-the-walk"
THREADS_SECRET = "threads-secret-for-the-walk"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Meta's webhook configured: its refusals are the signature's, not a missing secret's."""
    return make_settings(
        tmp_path,
        database_url,
        meta_app_secret=APP_SECRET,
        meta_verify_token=VERIFY_TOKEN,
        threads_app_secret=THREADS_SECRET,
    )


def test_every_route_is_classified(app: Flask) -> None:
    problems = unclassified(app)
    assert not problems, "\n".join(problems)


def _stranger_problem(route: Route, response: TestResponse) -> str:
    status = response.status_code
    if route.is_api:
        body = response.get_json(silent=True) or {}
        challenge = response.headers.get("WWW-Authenticate", "")
        if status != 401 or body.get("error") != "unauthorized" or "Bearer" not in challenge:
            return f"got {status} {response.data[:120]!r}, not the API's 401"
        return ""
    location = response.headers.get("Location", "")
    if status not in (302, 303) or urlparse(location).path != "/login":
        return f"got {status} (Location {location!r}), not a redirect to the login page"
    return ""


def test_a_stranger_gets_nothing_but_the_way_to_the_login(
    app: Flask, world: World, office: Office
) -> None:
    """Every route that is not public, every method, with real ids: the pages send a stranger
    to the login, the API answers 401, and all of it together changes nothing. Writes carry a
    valid CSRF token of the stranger's own session (so the refusal is the login's); the API is
    also tried with a logged-in browser session, which it must not accept either."""
    stranger = app.test_client()
    token = csrf_from(stranger.get("/login").text)
    browser = office.client(world.everyone)
    walk = [
        (route, call_for(route, world, world.everyone))
        for route in routes(app)
        if not is_public(route)
    ]
    before = database_state()
    wrong = []
    for route, call in walk:
        problem = _stranger_problem(route, send(stranger, call, token))
        if not problem and route.is_api:
            with_session = send(browser, call, office.csrf(browser))
            problem = _stranger_problem(route, with_session)
            problem = f"with a browser session: {problem}" if problem else ""
        if problem:
            wrong.append(f"{route}: {problem}")
    assert len(walk) > 150, f"only {len(walk)} routes walked"
    assert not wrong, "served to a stranger:\n" + "\n".join(wrong)
    changed = changed_tables(before, database_state())
    assert not changed, f"a stranger's requests changed {changed}"


# -- what each public route still refuses ---------------------------------------------------


def _signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _login(route: Route, w: World, client: FlaskClient) -> None:
    page = client.get(path_of(route, w))
    assert page.status_code == 200 and 'name="password"' in page.text
    wrong = client.post(
        path_of(route, w),
        data={
            "email": w.everyone.email,
            "password": "not the password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert wrong.status_code == 200, "a wrong password must stay on the login page"
    assert client.get("/admin/").status_code == 302, "a wrong password logged somebody in"


def _static(route: Route, w: World, client: FlaskClient) -> None:
    real = client.get(path_of(route, w))
    if route.endpoint == "static":
        assert real.status_code == 404  # hub has no app-wide static folder
    else:
        assert real.status_code == 200, path_of(route, w)
        assert real.mimetype in ("text/css", "text/javascript", "application/javascript")
    for outside in ("../__init__.py", "..%2f__init__.py", "%2e%2e/__init__.py"):
        escaped = client.get(path_of(route, w, filename=outside))
        assert escaped.status_code == 404, (route, outside)


def _health(route: Route, w: World, client: FlaskClient) -> None:
    response = client.get(path_of(route, w))
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def _ready(route: Route, w: World, client: FlaskClient) -> None:
    response = client.get(path_of(route, w))
    assert response.status_code in (200, 503)
    assert set(response.get_json()) == {"status", "checks"}
    for secret in (w.everyone.email, w.x.name, w.settings.database_url):
        assert secret not in response.text, "the readiness check shows data"


def _metrics(route: Route, w: World, client: FlaskClient) -> None:
    assert not w.settings.metrics_token, "the walk's settings have no metrics token"
    assert client.get(path_of(route, w)).status_code == 404
    response = client.get(path_of(route, w), headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404


def _openapi(route: Route, w: World, client: FlaskClient) -> None:
    response = client.get(path_of(route, w))
    assert response.status_code == 200 and "paths" in response.get_json()
    for secret in (w.everyone.email, w.x.name, w.facebook.external_id):
        assert secret not in response.text, "the API's description shows data"


def _webhook_check(route: Route, w: World, client: FlaskClient) -> None:
    path = path_of(route, w)
    for wrong in (
        {},
        {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1"},
    ):
        assert client.get(path, query_string=wrong).status_code == 403
    right = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    answer = client.get(path, query_string=right)
    assert answer.status_code == 200 and answer.text == "42"


def _webhook(route: Route, w: World, client: FlaskClient) -> None:
    path = path_of(route, w)
    body = json.dumps({"object": "page", "entry": []}).encode()
    before = database_state()
    for headers in (
        {},
        {"X-Hub-Signature-256": _signature(body, "guessed-secret")},
        {"X-Hub-Signature-256": _signature(body + b" ")},
    ):
        refused = client.post(path, data=body, headers=headers, content_type="application/json")
        assert refused.status_code == 403, headers
    assert not changed_tables(before, database_state()), "an unsigned webhook was taken in"
    signed = client.post(
        path,
        data=body,
        headers={"X-Hub-Signature-256": _signature(body)},
        content_type="application/json",
    )
    assert signed.status_code == 200, "the same body, signed, is taken in"


def _threads_webhook(route: Route, w: World, client: FlaskClient) -> None:
    path = path_of(route, w)
    value = {"id": "1", "timestamp": "2026-01-01T00:00:00+0000"}
    body = json.dumps(
        {"target_id": "1", "time": int(time.time()), "values": {"field": "publish", "value": value}}
    ).encode()
    before = database_state()
    for headers in (
        {},
        {"X-Hub-Signature-256": _signature(body)},  # Meta's app secret is not the Threads app's
        {"X-Hub-Signature-256": _signature(body + b" ", THREADS_SECRET)},
    ):
        refused = client.post(path, data=body, headers=headers, content_type="application/json")
        assert refused.status_code == 403, headers
    assert not changed_tables(before, database_state()), "an unsigned webhook was taken in"
    signed = client.post(
        path,
        data=body,
        headers={"X-Hub-Signature-256": _signature(body, THREADS_SECRET)},
        content_type="application/json",
    )
    assert signed.status_code == 200, "the same body, signed, is taken in"


def _media(route: Route, w: World, client: FlaskClient) -> None:
    stored, name = w.media.stored_path, Path(w.media.stored_path).name
    token = make_token(w.settings.secret_key, stored)
    assert client.get(path_of(route, w, token=token, name=name)).status_code == 200
    forged = make_token("not-the-secret-key", stored)
    other = make_token(w.settings.secret_key, "../secret_key")
    expired = make_token(w.settings.secret_key, stored, ttl=-1)
    for bad_token, bad_name in (
        (forged, name),
        (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), name),
        (token, "other.png"),
        (other, "secret_key"),
        (expired, name),
    ):
        response = client.get(path_of(route, w, token=bad_token, name=bad_name))
        assert response.status_code == 404, (bad_token, bad_name)


def _sso(route: Route, w: World, client: FlaskClient) -> None:
    response = client.get(path_of(route, w))
    assert response.status_code < 500
    assert client.get("/admin/").status_code == 302, "single sign-on logged a stranger in"


CHECKS: dict[str, Callable[[Route, World, FlaskClient], None]] = {
    "security.login": _login,
    "static": _static,
    "admin.static": _static,
    "hub_admin.static": _static,
    "security.static": _static,
    "healthz": _health,
    "readyz": _ready,
    "metrics": _metrics,
    "api-docs.openapi_json": _openapi,
    "inbox_webhooks.verify": _webhook_check,
    "inbox_webhooks.receive": _webhook,
    "inbox_webhooks.verify_threads": _webhook_check,
    "inbox_webhooks.receive_threads": _threads_webhook,
    "public_media.serve": _media,
}


def test_what_a_stranger_may_reach_refuses_the_rest(app: Flask, world: World) -> None:
    public = [route for route in routes(app) if is_public(route)]
    assert {route.endpoint for route in public} >= set(PUBLIC), "a public endpoint is gone"
    assert set(CHECKS) == set(PUBLIC), f"say in {__file__} what each public route refuses"
    for route in public:
        client = app.test_client()
        if route.rule.rule in OPTIONAL_PUBLIC_RULES:
            _sso(route, world, client)
        else:
            CHECKS[route.endpoint](route, world, client)
