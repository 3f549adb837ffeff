"""Sessions end: after 30 idle minutes, 10 hours after the login, at logout and at a password
change (every session of that person); no "remember me" cookie outlives them (ASVS 3.3)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from itsdangerous import TimestampSigner

from hub import create_app
from hub.auth import sessions
from hub.config import Settings
from tests.conftest import PASSWORD, csrf_from, login, make_settings
from tests.integration.admin.support import speed_up


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/admin/").status_code == 200


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Let ``seconds`` pass for the signed session cookie (itsdangerous) and for hub."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() + seconds))
    monkeypatch.setattr(sessions, "_now", lambda: time.time() + seconds)


def test_settings_defaults_and_environment(tmp_path: Path) -> None:
    default = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    assert default.session_idle_minutes == 30 and default.session_max_hours == 10
    assert default.require_2fa_roles == ("admin", "approver") and default.trusted_proxies == 0
    chosen = Settings.from_env(
        {
            "HUB_DATA_DIR": str(tmp_path),
            "HUB_SESSION_IDLE_MINUTES": "15",
            "HUB_SESSION_MAX_HOURS": "8",
            "HUB_REQUIRE_2FA_ROLES": "",
            "HUB_TRUSTED_PROXIES": "1",
        }
    )
    assert chosen.session_idle_minutes == 15 and chosen.session_max_hours == 8
    assert chosen.require_2fa_roles == () and chosen.trusted_proxies == 1


def test_an_idle_session_ends(app, make_user, monkeypatch) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    _later(monkeypatch, 29 * 60)
    assert _logged_in(client)  # used within the half hour: it goes on
    _later(monkeypatch, 58 * 60)
    assert _logged_in(client)  # and again: the half hour counts from the last use
    _later(monkeypatch, 58 * 60 + 31 * 60)
    assert not _logged_in(client)


def test_a_busy_session_still_ends_after_ten_hours(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    assert _logged_in(client)
    with client.session_transaction() as session:
        session["hub_login_at"] = time.time() - 10 * 3600 - 1
    assert not _logged_in(client)


def _two_devices(app, email: str):  # type: ignore[no-untyped-def]
    """The same person logged in on a laptop and a phone."""
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, email)
    login(phone, email)
    return laptop, phone


def test_logout_ends_every_session_and_copied_cookies(app, make_user) -> None:
    user = make_user("editor")
    laptop, phone = _two_devices(app, user.email)
    copied = laptop.get_cookie("session").value
    token = csrf_from(laptop.get("/admin/").text)
    laptop.post("/logout", data={"csrf_token": token})
    assert not _logged_in(laptop)
    assert not _logged_in(phone)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not _logged_in(thief)


def test_a_password_change_ends_the_other_sessions(app, make_user) -> None:
    user = make_user("editor")
    laptop, phone = _two_devices(app, user.email)
    page = laptop.get("/change")
    new = "ein ganz neues Passwort 42"
    changed = laptop.post(
        "/change",
        data={
            "password": PASSWORD,
            "new_password": new,
            "new_password_confirm": new,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert changed.status_code == 302
    assert _logged_in(laptop)
    assert not _logged_in(phone)


def test_no_remember_me(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    page = client.get("/login")
    assert 'name="remember"' not in page.text
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert not [c for c in cookies if c.startswith("remember_token=")]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


@pytest.fixture
def secure(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """hub under its public https address."""
    secure = create_app(
        make_settings(tmp_path, database_url, public_url="https://hub.bochum.example"),
        {"TESTING": True, "RATELIMIT_ENABLED": False},
    )
    speed_up(secure)
    with secure.app_context():
        yield secure


def test_cookies_are_secure_under_https(secure: Flask, make_user) -> None:
    user = make_user("editor")
    client = secure.test_client()
    base = {"base_url": "https://hub.bochum.example"}
    page = client.get("/login", **base)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        headers={"Referer": "https://hub.bochum.example/login"},
        **base,
    )
    assert response.status_code == 302
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert secure.config["REMEMBER_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_HTTPONLY"]


def test_the_inbox_presence_heartbeat_does_not_keep_a_session_alive(
    app, make_user, monkeypatch
) -> None:
    user = make_user("moderator")
    client = app.test_client()
    login(client, user.email)
    token = csrf_from(client.get("/admin/").text)
    _later(monkeypatch, 29 * 60)
    # An inbox page left open reports "still viewing" every few seconds, by itself.
    client.post("/admin/inbox/1/presence", json={}, headers={"X-CSRFToken": token})
    _later(monkeypatch, 50 * 60)
    assert not _logged_in(client)


def test_changing_the_second_factor_asks_for_the_password_again(app, make_user) -> None:
    """ASVS 3.7.1: a login more than a quarter of an hour old (a PC left unlocked) does not
    change how the person logs in without their password again (Flask-Security's "freshness",
    24 hours by default, longer than a whole session). The password form asks for the current
    password itself."""
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    assert client.get("/tf-setup").status_code == 200  # just logged in: fresh

    with client.session_transaction() as state:
        state["fs_paa"] = time.time() - 20 * 60
        state.pop("fs_gexp", None)
    answer = client.get("/tf-setup")
    assert answer.status_code == 302 and "/verify" in answer.headers["Location"]
