"""Behind the TLS proxy: HUB_TRUSTED_PROXIES proxies' X-Forwarded-* headers are believed, so
each client keeps its own login limit and the audit log names the client, not the proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from hub import create_app
from hub.auth import LOGIN_RATE
from hub.config import Settings
from hub.extensions import db
from hub.models import AuditEvent
from tests.conftest import csrf_from, make_settings
from tests.integration.admin.support import speed_up

LIMIT = int(LOGIN_RATE.split()[0])
PROXY = "10.0.0.5"  # the TLS proxy: every request reaches hub from here
REFERER = "https://localhost/login"  # over HTTPS, Flask-WTF wants a same-origin Referer


def _limited_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(
        settings,
        {"TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"},
    )
    speed_up(app)
    with app.app_context():
        yield app


@pytest.fixture
def proxied(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """hub behind one trusted proxy (``app`` is taken for its roles and empty tables)."""
    yield from _limited_app(make_settings(tmp_path, database_url, trusted_proxies=1))


@pytest.fixture
def direct(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """hub trusting no proxy (the default): X-Forwarded-For is the client's own claim."""
    yield from _limited_app(make_settings(tmp_path, database_url))


def _fail_login(client, client_ip: str) -> int:  # type: ignore[no-untyped-def]
    env = {"REMOTE_ADDR": PROXY}
    headers = {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https", "Referer": REFERER}
    page = client.get("/login", environ_base=env, headers=headers)
    token = csrf_from(page.text) if page.status_code == 200 else ""
    response = client.post(
        "/login",
        data={"email": "niemand@bochum.example", "password": "falsch", "csrf_token": token},
        environ_base=env,
        headers=headers,
    )
    return response.status_code


def test_two_clients_behind_the_proxy_are_limited_separately(proxied: Flask) -> None:
    first, second = proxied.test_client(), proxied.test_client()
    statuses = [_fail_login(first, "203.0.113.7") for _ in range(LIMIT + 1)]
    assert statuses[:LIMIT] == [200] * LIMIT and statuses[-1] == 429
    # The office next door, behind the same proxy, is not locked out by its neighbour.
    assert _fail_login(second, "198.51.100.23") == 200


def test_without_trusted_proxies_the_forwarded_header_is_ignored(direct: Flask) -> None:
    client = direct.test_client()
    for n in range(LIMIT):
        assert _fail_login(client, f"203.0.113.{n}") == 200
    # A made-up X-Forwarded-For per request does not escape the limit of the real address.
    assert _fail_login(client, "198.51.100.23") == 429


def test_audit_log_and_scheme_name_the_client(proxied: Flask, make_user) -> None:
    user = make_user("editor")
    client = proxied.test_client()
    env = {"REMOTE_ADDR": PROXY}
    headers = {"X-Forwarded-For": "203.0.113.99", "X-Forwarded-Proto": "https", "Referer": REFERER}
    page = client.get("/login", environ_base=env, headers=headers)
    response = client.post(
        "/login",
        data={"email": user.email, "password": "falsch", "csrf_token": csrf_from(page.text)},
        environ_base=env,
        headers=headers,
    )
    assert response.status_code == 200
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert event.ip == "203.0.113.99"
    # The proxy speaks TLS to the browser: hub knows it (HSTS, secure redirects).
    assert "Strict-Transport-Security" in response.headers


def test_untrusted_forwarded_for_does_not_reach_the_audit_log(direct: Flask, make_user) -> None:
    user = make_user("editor")
    client = direct.test_client()
    env = {"REMOTE_ADDR": PROXY}
    headers = {"X-Forwarded-For": "203.0.113.99"}
    page = client.get("/login", environ_base=env, headers=headers)
    client.post(
        "/login",
        data={"email": user.email, "password": "falsch", "csrf_token": csrf_from(page.text)},
        environ_base=env,
        headers=headers,
    )
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert event.ip == PROXY
