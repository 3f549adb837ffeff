"""Logging in: audited, throttled per account, optional TOTP, security headers on every page."""

from __future__ import annotations

import re

from sqlalchemy import select

from hub.auth import LOCKOUT_FAILURES
from hub.extensions import db
from hub.models import AuditEvent
from tests.conftest import PASSWORD, csrf_from, login


def _attempt(client, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def test_logins_and_failures_are_audited(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    assert _attempt(client, user.email, "wrong password!").status_code == 200
    login(client, user.email)
    db.session.rollback()
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["login.failed", "login"]


def test_account_waits_after_too_many_failures_even_with_the_right_password(
    english, app, make_user
) -> None:
    user = make_user("editor")
    client = app.test_client()
    for _ in range(LOCKOUT_FAILURES):
        _attempt(client, user.email, "falsch falsch")
    refused = _attempt(client, user.email, PASSWORD)
    assert refused.status_code == 200  # the form again, not a redirect into the app
    assert "15 minutes" in refused.text
    other = make_user("editor")
    login(app.test_client(), other.email)  # only that account waits


def test_two_factor_setup_is_offered(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    page = client.get("/tf-setup")
    assert page.status_code == 200 and "authenticator" in page.text.lower()


def test_security_headers_on_pages_and_api(app, make_user) -> None:
    client = app.test_client()
    for path in ("/login", "/api/v1/openapi.json", "/api/v1/announcements"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_lax(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch_only_redirects_inside_the_site(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    page = client.get("/admin/")
    token = csrf_from(page.text)
    away = client.post(
        "/language", data={"lang": "en", "next": "https://evil.example/", "csrf_token": token}
    )
    assert away.headers["Location"].endswith("/admin/")
    home = client.post(
        "/language", data={"lang": "en", "next": "/admin/announcements/", "csrf_token": token}
    )
    assert home.headers["Location"].endswith("/admin/announcements/")
    page = client.get("/admin/").text
    assert re.search(r'value="en"[^>]*aria-pressed="true"', page)
    assert not re.search(r'value="de"[^>]*aria-pressed="true"', page)
