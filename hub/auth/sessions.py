"""How long a login lasts (ASVS 3.3): idle timeout, absolute lifetime, no "remember me".

- **Idle:** Flask signs the session cookie with a timestamp and refuses one older than
  ``PERMANENT_SESSION_LIFETIME`` (set to ``HUB_SESSION_IDLE_MINUTES``). A page request signs
  it afresh, at most once a minute, never a static file or a page's own heartbeat. (A cookie
  written on every request, ``SESSION_REFRESH_EACH_REQUEST``, lets a slow image's answer put
  back an older session over one a page had just changed: an OAuth ``state``, a flash
  message.) A copied cookie dies the same way.
- **Absolute:** the login time is in the signed session; ``HUB_SESSION_MAX_HOURS`` after it
  the session ends however busy it was.
- **Logout** gives the person a new ``fs_uniquifier``: every session cookie of theirs, on any
  device, copied or not, stops working (Flask-Security looks sessions up by it). A password
  change does the same (Flask-Security's ``change_user_password``), as do an admin's new
  password, deactivation and second-factor reset.
- **No "remember me":** the login form has no such box, so no long-lived cookie skips the
  password or the second factor; cookies are ``HttpOnly``, ``SameSite=Lax`` and, under https,
  ``Secure``.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, flash, g, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_security import LoginForm, url_for_security

LOGIN_AT = "hub_login_at"  # when this session's login happened (time.time(), signed)
SEEN_AT = "hub_seen_at"  # when a page last renewed the session (time.time())
LOGIN_VIA = "hub_login_via"  # "sso" for a login at the city's identity provider (hub.auth.sso)
RENEW_AFTER = 60  # seconds
# Requests a page makes by itself (the inbox's "still viewing" every 5 s): not a sign of life.
BACKGROUND_ENDPOINTS = frozenset({"inbox.presence"})


class HubLoginForm(LoginForm):
    """Flask-Security's login form without "remember me"."""

    remember = None  # type: ignore[assignment]  # WTForms: None removes an inherited field


def configure_sessions(app: Flask) -> None:
    settings = app.config["HUB_SETTINGS"]
    secure = app.config.get("SESSION_COOKIE_SECURE", False)
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=False,  # renewed by end_expired_session below
        # Never issued (no "remember me"), but should one exist: short, flagged, and under a
        # name of hub's own, so a year-long cookie from before is not read.
        REMEMBER_COOKIE_NAME="hub_remember",
        REMEMBER_COOKIE_DURATION=timedelta(hours=settings.session_max_hours),
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    app.config.setdefault("SECURITY_DEFAULT_REMEMBER_ME", False)


def _now() -> float:
    return time.time()


def start_session(sender: Any, user: Any, authn_via: list[str] | None = None, **_: Any) -> None:
    """At every login: the session counts its idle time, remembers when it began and whether
    the identity provider logged the person in (set afresh each time, so a password login after
    a single sign-on in the same browser is a password login)."""
    session.permanent = True
    session[LOGIN_AT] = session[SEEN_AT] = _now()
    session[LOGIN_VIA] = "sso" if "sso" in (authn_via or []) else "password"


def init_sessions(app: Flask) -> None:
    max_seconds = app.config["HUB_SETTINGS"].session_max_hours * 3600

    @app.before_request
    def end_expired_session() -> ResponseReturnValue | None:
        if "_user_id" not in session or request.path.startswith("/api/"):
            return None
        now, started = _now(), session.get(LOGIN_AT)
        if isinstance(started, int | float) and 0 <= now - started < max_seconds:
            endpoint = request.endpoint or ""
            idle = endpoint.rpartition(".")[2] == "static" or endpoint in BACKGROUND_ENDPOINTS
            if not idle and now - session.get(SEEN_AT, 0) >= RENEW_AFTER:
                session[SEEN_AT] = now  # a changed session is signed again: idle time restarts
            return None
        # Only this session ends (the person's other devices keep theirs until they expire).
        session.clear()
        g.pop("_login_user", None)
        flash(_("Your session has ended. Please log in again."), "info")
        return redirect(url_for_security("login", next=request.path))
