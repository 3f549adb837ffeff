"""Cross-cutting web concerns: security headers, the CSP nonce, language switch, health."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, jsonify, redirect, request, session, url_for
from flask_security import auth_required
from sqlalchemy import text

from hub.extensions import csrf, db
from hub.i18n import LANGUAGES


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


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
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

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
        # Only same-site paths: never an open redirect.
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("admin.index")
        return redirect(target)

    @app.get("/healthz")
    @csrf.exempt
    def healthz() -> Response:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")
