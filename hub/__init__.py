"""hub: compose once, approve, publish to every network, answer citizens, measure engagement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from hub.config import Settings


def create_app(settings: Settings | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application. Nothing happens at import time; workers call this too."""
    from hub import crypto, redact
    from hub.auth import init_auth
    from hub.body_limits import FORM_BODY_LIMIT, init_body_limits
    from hub.extensions import csrf, db, limiter
    from hub.i18n import init_i18n
    from hub.web import init_web

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        HUB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=FORM_BODY_LIMIT,  # more only for uploads (hub.body_limits)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if config:
        app.config.update(config)
    if settings.trusted_proxies > 0:
        # Behind N proxies, the client's address, scheme and host are the Nth from the right in
        # X-Forwarded-For/-Proto/-Host; without trust those headers are the client's own claim.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    crypto.configure(settings.encryption_keys)
    redact.install(default_handler=True)  # no secret in any log line (hub/redact.py)
    db.init_app(app)
    csrf.init_app(app)
    init_body_limits(app)  # decides before CSRFProtect reads a body
    limiter.init_app(app)
    init_i18n(app)
    init_auth(app)
    init_web(app)
    from hub.observability import init_observability

    init_observability(app, settings)  # /readyz, /metrics, JSON logs with request ids
    from hub.auth.sso import init_sso

    init_sso(app)  # single sign-on with the city's identity provider, when configured
    from hub.inbox.webhooks import init_webhooks

    init_webhooks(app)

    from hub.api import init_api

    init_api(app)

    from hub.admin import init_admin

    init_admin(app)

    from hub.scheduler.app import make_celery

    app.extensions["celery"] = make_celery(settings, set_as_current=False)
    return app


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # WAL lets the web app read while a worker writes; busy_timeout waits instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}
