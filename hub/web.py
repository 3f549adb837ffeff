"""Cross-cutting web concerns: security headers, the CSP nonce, the answer to a form without
its CSRF token, language switch, health."""

from __future__ import annotations

import logging
import secrets

from flask import (
    Flask,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_security import auth_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from hub.extensions import csrf, db
from hub.i18n import LANGUAGES

log = logging.getLogger(__name__)

# The answer to a form sent without its page's CSRF token: a page left open too long, or a
# request another site made the browser send.
CSRF_REFUSED = _l(
    "This form has expired or did not come from hub, so nothing was saved. Please reload the "
    "page and try again."
)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def same_site_path(target: str) -> bool:
    """A path on hub itself, never an open redirect: it starts with one "/" and holds nothing
    a browser reads differently (browsers drop tabs and line breaks, so "/", a tab and
    "/evil.example" make "//evil.example"; they read a backslash as a slash)."""
    if any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in target):
        return False
    return target.startswith("/") and not target.startswith("//")


CODE_TYPES = ("text/css", "text/javascript", "application/javascript")


def _personal(response: Response) -> bool:
    """An answer for a logged-in person: a page, data, a thumbnail; not hub's own code (static
    files, the chart library), which is the same for everyone and keeps its cache time."""
    endpoint = request.endpoint or ""
    return (
        current_user.is_authenticated
        and not endpoint.endswith("static")
        and response.mimetype not in CODE_TYPES
        and not response.mimetype.startswith("font/")
    )


def init_web(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response: Response) -> Response:
        nonce = csp_nonce()
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; "
            "media-src 'self' blob:; "
            "connect-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if _personal(response):
            # A logged-in page stays out of every cache: after logout, a shared office PC's
            # back button shows nothing. Static files (no session) stay cacheable.
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[str | Response, int]:
        """Nothing was done; the person reads why in plain words, the log gets the reason."""
        log.warning(
            "form refused (%s): %s %s from %s",
            error.description,
            request.method,
            request.path,
            request.remote_addr,
        )
        if request.is_json:
            return jsonify(error=str(CSRF_REFUSED)), 400
        return render_template("admin/form_refused.html", message=CSRF_REFUSED), 400

    @app.get("/")
    @auth_required("session")
    def index() -> Response:
        return redirect(url_for("admin.index"))

    @app.post("/language")
    @auth_required("session")
    def set_language() -> Response:
        lang = request.form.get("lang", "")
        if lang in LANGUAGES:
            session["locale"] = lang
        target = request.form.get("next") or ""
        if not same_site_path(target):
            target = url_for("admin.index")
        return redirect(target)

    @app.get("/healthz")
    @csrf.exempt
    def healthz() -> Response:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")
