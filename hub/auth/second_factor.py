"""The second factor (TOTP), hardened around Flask-Security-Too's own two-factor views.

- **Replay:** a code is accepted once. Flask-Security leaves replay protection to the app
  (``Totp.get_last_counter``/``set_last_counter``); hub keeps the last used time step in the
  audit log (``login.second_factor``) and reads it under a lock on the person's row, so two
  requests with the same code cannot both pass.
- **Guessing:** every wrong code (and wrong recovery code) is a ``login.failed`` in the audit
  log, like a wrong password, so it counts towards the account lockout. After
  ``TF_MAX_FAILURES`` wrong codes since the password step, the two-factor state leaves the
  session and the person starts again at the login. The count is kept on the server: replaying
  an older session cookie gives no new guesses. Every two-factor page is rate-limited per
  address (``TF_RATE``).
- **Required:** people holding a role in ``HUB_REQUIRE_2FA_ROLES`` must have a second factor:
  Flask-Security asks for its set-up right after the password (``check_tf_required``), and a
  session without it (a role added later, a factor reset by an admin) reaches nothing but the
  set-up until it is done. A login at the city's identity provider (``hub.auth.sso``) is not
  asked for hub's code: the provider does the second factor (README, Single sign-on).
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any

from flask import Flask, Response, flash, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_security import MfRecoveryForm, Totp, url_for_security
from flask_security.tf_plugin import tf_clean_session
from passlib.totp import TotpMatch
from sqlalchemy import func, select

from hub.auth.sessions import LOGIN_VIA
from hub.extensions import db, limiter
from hub.models import AuditEvent, User
from hub.models.types import utcnow

# Pages a person reaches between password and second factor (Flask-Security endpoints).
CHALLENGE_ENDPOINTS = frozenset(
    {
        "security.two_factor_token_validation",
        "security.mf_recovery",
        "security.two_factor_rescue",
        "security.tf_select",
    }
)
RATE_LIMITED_ENDPOINTS = CHALLENGE_ENDPOINTS | {"security.two_factor_setup"}
# What a person who must set up a second factor may still open before doing so.
SETUP_ENDPOINTS = frozenset(
    {
        "security.two_factor_setup",
        "security.two_factor_token_validation",
        "security.mf_recovery_codes",
        "security.verify",
        "security.logout",
        "security.static",
        "hub_admin.static",
        "admin.static",
        "static",
        "set_language",
        "healthz",
    }
)
SINCE_KEY = "hub_tf_since"  # when this login's password step succeeded (server time, UTC)
# Wrong codes allowed per login (then back to the password), and requests a minute per address
# on every two-factor page. Wrong codes count towards the account lockout as well.
TF_MAX_FAILURES = 5
TF_RATE = "10 per minute"


class HubTotp(Totp):
    """Flask-Security's TOTP with replay protection: each time step is accepted once."""

    def get_last_counter(self, user: Any) -> int | None:
        if getattr(user, "id", None) is None:
            return None
        # Serialise the checks of one person's codes (PostgreSQL; SQLite writes one at a time):
        # the lock is held until the request that used the code has recorded it.
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
        details = db.session.scalar(
            select(AuditEvent.details)
            .where(AuditEvent.actor_id == user.id, AuditEvent.action == "login.second_factor")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        counter = (details or {}).get("counter")
        return counter if isinstance(counter, int) else None

    def set_last_counter(self, user: Any, tmatch: TotpMatch) -> None:
        from hub import audit

        audit.record("login.second_factor", user, actor=user, counter=int(tmatch.counter))


class HubMfRecoveryForm(MfRecoveryForm):
    """A wrong recovery code is a failed login too (Flask-Security does not count these)."""

    def validate(self, **kwargs: Any) -> bool:
        valid = super().validate(**kwargs)
        if not valid and self.user is not None and self.code.data:
            self.user.track_failed_authn("recovery_code", True)
        return valid


def requires_second_factor(user: Any) -> bool:
    """Does ``user`` hold a role for which the office requires a second factor?"""
    from flask import current_app

    required = set(current_app.config["HUB_SETTINGS"].require_2fa_roles)
    return bool(required & {role.name for role in getattr(user, "roles", [])})


def failures_since(user: User, since: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.actor_id == user.id,
                AuditEvent.action == "login.failed",
                AuditEvent.at >= since,
            )
        )
        or 0
    )


def _challenged_user() -> User | None:
    """The person between password and second factor in this session, if any."""
    if "tf_user_id" not in session or current_user.is_authenticated:
        return None
    return db.session.scalar(select(User).where(User.fs_uniquifier == session["tf_user_id"]))


def _refusal(user: User) -> str | None:
    """Why this two-factor step must end now, or None if it may go on."""
    locked: list[str] = []
    if user.is_locked(locked):
        return locked[0]
    raw = session.get(SINCE_KEY)
    try:
        since = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        since = None
    if since is None or failures_since(user, since) >= TF_MAX_FAILURES:
        return _("Too many wrong codes. Please log in again.")
    return None


def _back_to_login(message: str) -> Response:
    tf_clean_session()
    session.pop(SINCE_KEY, None)
    flash(message, "error")
    return redirect(url_for_security("login"))


def init_second_factor(app: Flask) -> None:
    login_view = app.view_functions["security.login"]

    @wraps(login_view)
    def login(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        session.pop(SINCE_KEY, None)
        response = login_view(*args, **kwargs)
        if "tf_user_id" in session:  # the password was right; the second factor comes next
            session[SINCE_KEY] = utcnow().isoformat()
        return response

    app.view_functions["security.login"] = login
    for endpoint in RATE_LIMITED_ENDPOINTS:
        if endpoint in app.view_functions:
            view = app.view_functions[endpoint]
            app.view_functions[endpoint] = limiter.limit(TF_RATE, methods=["POST"])(view)

    @app.before_request
    def stop_guessing() -> ResponseReturnValue | None:
        if request.endpoint not in CHALLENGE_ENDPOINTS:
            return None
        user = _challenged_user()
        reason = _refusal(user) if user is not None else None
        return _back_to_login(reason) if reason else None

    @app.after_request
    def stop_after_the_last_guess(response: Response) -> Response:
        if request.endpoint not in CHALLENGE_ENDPOINTS or request.method != "POST":
            return response
        user = _challenged_user()
        reason = _refusal(user) if user is not None else None
        return _back_to_login(reason) if reason else response

    @app.before_request
    def second_factor_first() -> ResponseReturnValue | None:
        """A person who must use a second factor and has none reaches only its set-up."""
        if request.endpoint in SETUP_ENDPOINTS or request.path.startswith("/api/"):
            return None
        if not (current_user and current_user.is_authenticated):
            return None
        if session.get(LOGIN_VIA) == "sso":  # the identity provider asked for the second factor
            return None
        if current_user.tf_primary_method or not requires_second_factor(current_user):
            return None
        flash(_("Your role requires a second factor: please set up an authenticator app."), "info")
        return redirect(url_for_security("two_factor_setup"))
