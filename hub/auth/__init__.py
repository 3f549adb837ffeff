"""Login (Flask-Security-Too: argon2, tracking, TOTP), throttling and API tokens."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask_login import user_logged_out
from flask_security import SQLAlchemyUserDatastore, user_authenticated
from flask_security.signals import user_failed_authn
from sqlalchemy import func, select

from hub.auth.passwords import HubPasswordUtil, configure_passwords
from hub.auth.second_factor import (
    TF_MAX_FAILURES,
    TF_RATE,
    HubMfRecoveryForm,
    HubTotp,
    init_second_factor,
)
from hub.auth.sessions import HubLoginForm, configure_sessions, init_sessions, start_session
from hub.extensions import db, limiter, security
from hub.models import AuditEvent, Role, User
from hub.models.types import utcnow

user_datastore = SQLAlchemyUserDatastore(db, User, Role)
__all__ = [
    "LOCKOUT_FAILURES",
    "LOCKOUT_WINDOW",
    "LOGIN_RATE",
    "TF_MAX_FAILURES",
    "TF_RATE",
    "init_auth",
    "is_request_for_api",
    "recent_failures",
    "user_datastore",
]

LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = timedelta(minutes=15)
LOGIN_RATE = "20 per minute"


def _derive(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def init_auth(app: Flask) -> None:
    secret = app.config["SECRET_KEY"]
    app.config.setdefault("SECURITY_PASSWORD_HASH", "argon2")
    app.config.setdefault("SECURITY_PASSWORD_SALT", _derive(secret, "password-salt"))
    app.config.setdefault("SECURITY_TRACKABLE", True)
    app.config.setdefault("SECURITY_REGISTERABLE", False)
    app.config.setdefault("SECURITY_RECOVERABLE", False)
    app.config.setdefault("SECURITY_CHANGEABLE", True)
    app.config.setdefault("SECURITY_SEND_PASSWORD_CHANGE_EMAIL", False)
    app.config.setdefault("SECURITY_POST_LOGIN_VIEW", "/admin/")
    app.config.setdefault("SECURITY_POST_LOGOUT_VIEW", "/login")
    app.config.setdefault("SECURITY_LOGOUT_METHODS", ["POST"])
    app.config.setdefault("SECURITY_TWO_FACTOR", True)
    app.config.setdefault("SECURITY_TWO_FACTOR_ENABLED_METHODS", ["authenticator"])
    app.config.setdefault("SECURITY_TWO_FACTOR_REQUIRED", False)
    app.config.setdefault("SECURITY_TOTP_SECRETS", {"1": _derive(secret, "totp")})
    app.config.setdefault("SECURITY_TOTP_ISSUER", "hub")
    # A code is good for its own 30 seconds and one step either side (clock drift), not for
    # Flask-Security's default of four: a guess hits 3 codes in a million, not 9.
    app.config.setdefault("SECURITY_TWO_FACTOR_AUTHENTICATOR_VALIDITY", 30)
    app.config.setdefault("SECURITY_TWO_FACTOR_RESCUE_EMAIL", False)  # hub sends no e-mail
    # One-time recovery codes for a lost phone, stored encrypted with hub's own keys.
    app.config.setdefault("SECURITY_MULTI_FACTOR_RECOVERY_CODES", True)
    app.config.setdefault(
        "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS",
        list(app.config["HUB_SETTINGS"].encryption_keys),
    )
    # Right after setting up an authenticator app: its recovery codes.
    app.config.setdefault("SECURITY_TWO_FACTOR_POST_SETUP_VIEW", ".mf_recovery_codes")
    app.config.setdefault("SECURITY_USE_VERIFY_PASSWORD_CACHE", True)
    # Changing the password or the second factor asks for the password again when the login
    # is more than a quarter of an hour old (ASVS 3.7.1; the library's 24 hours would outlast
    # any session), and then allows a quarter of an hour of such changes.
    app.config.setdefault("SECURITY_FRESHNESS", timedelta(minutes=15))
    app.config.setdefault("SECURITY_FRESHNESS_GRACE_PERIOD", timedelta(minutes=15))
    # One answer for every refused login: unknown address, wrong password, locked or disabled
    # account (the login page shows hub's wording of it, see login_user.html).
    app.config.setdefault("SECURITY_RETURN_GENERIC_RESPONSES", True)
    # Security(totp_cls=...) is the documented hook; the shared instance in hub.extensions is
    # built before hub.auth can be imported, so the class is handed over here, before init_app.
    security._totp_cls = HubTotp
    security._password_util_cls = HubPasswordUtil  # the same kind of hook (password_util_cls)
    configure_passwords(app)
    configure_sessions(app)
    security.init_app(
        app, user_datastore, login_form=HubLoginForm, mf_recovery_form=HubMfRecoveryForm
    )
    app.context_processor(lambda: {"lockout_minutes": int(LOCKOUT_WINDOW.total_seconds() // 60)})
    init_sessions(app)  # first: an expired session is gone before anything looks at it

    login_view = app.view_functions["security.login"]
    app.view_functions["security.login"] = limiter.limit(LOGIN_RATE, methods=["POST"])(login_view)
    init_second_factor(app)

    from hub.auth.api import load_user_from_bearer

    app.login_manager.request_loader(load_user_from_bearer)
    user_authenticated.connect(_audit_login, app)
    user_authenticated.connect(start_session, app)
    user_failed_authn.connect(_audit_failed_login, app)
    user_logged_out.connect(_audit_logout, app)


def _audit_login(sender: Any, user: User, authn_via: list[str] | None = None, **_: Any) -> None:
    from hub import audit

    audit.record("login", user, actor=user, via=authn_via or [])
    db.session.commit()


def _audit_failed_login(sender: Any, user: User, auth_type: str = "", **_: Any) -> None:
    from hub import audit

    audit.record("login.failed", user, actor=user, auth_type=auth_type)
    db.session.commit()


def _audit_logout(sender: Any, user: User, **_: Any) -> None:
    from hub import audit

    if getattr(user, "id", None):
        audit.record("logout", user, actor=user)
        # A new uniquifier ends every session of this person, copied cookies included.
        user_datastore.set_uniquifier(user)
        db.session.commit()


def recent_failures(user: User) -> int:
    since = utcnow() - LOCKOUT_WINDOW
    last_success = db.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == "login"
        )
    )
    if last_success and last_success > since:
        since = last_success
    return (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.actor_id == user.id,
                AuditEvent.action == "login.failed",
                AuditEvent.at > since,
            )
        )
        or 0
    )


def is_request_for_api() -> bool:
    return request.path.startswith("/api/")
