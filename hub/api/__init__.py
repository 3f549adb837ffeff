"""REST API v1 (``/api/v1``): how the city's CMS hands announcements to hub.

Built on flask-smorest, so the marshmallow schemas that check a request also write the OpenAPI
document at ``/api/v1/openapi.json`` (public: it holds no data). Every other route needs a
bearer token (``hub.auth.tokens``) and answers errors as ``{"error", "message", "fields"}``.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_smorest import Api

from hub.api.blueprint import PREFIX
from hub.api.errors import handle_http_exception
from hub.api.schemas import ErrorSchema
from hub.extensions import csrf

OPENAPI_VERSION = "3.0.3"


class HubApi(Api):
    """flask-smorest's Api with hub's error body, and no app-wide error handler.

    flask-smorest would answer *every* HTTP error of the app (the admin's HTML pages too) with
    JSON; the API blueprints register their own handlers instead (:mod:`hub.api.blueprint`).
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


def _routing_error_as_json() -> Response | None:
    """404/405 under /api/ happen before any blueprint is chosen, so answer them here."""
    error = request.routing_exception
    if error is None or not request.path.startswith("/api/"):
        return None
    if getattr(error, "code", 0) < 400:  # a redirect (e.g. a missing trailing slash)
        return None
    return handle_http_exception(error)  # type: ignore[arg-type]


def init_api(app: Flask) -> None:
    from hub.api import announcements, channels, inbox, media, metrics

    app.config.setdefault("API_TITLE", "hub")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", OPENAPI_VERSION)
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Hand announcements from the city's CMS to hub: create, edit, submit for "
                    "review, approve, follow delivery per channel. Authenticate with "
                    "`Authorization: Bearer <token>`; a token expires, and works only for its "
                    "scopes (named in each section; 403 `insufficient_scope` otherwise) and "
                    "its owner's roles. Errors are JSON "
                    '`{"error", "message", "fields"}`; messages follow `Accept-Language` '
                    "(de, en)."
                )
            },
            "security": [{"bearerAuth": []}],
        },
    )
    api = HubApi(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "An API token from hub's admin"},
    )
    for blueprint in (announcements.blp, channels.blp, media.blp, metrics.blp, inbox.blp):
        api.register_blueprint(blueprint)
        # Token auth, no cookies: CSRF protection has nothing to protect here.
        csrf.exempt(blueprint)
    app.before_request_funcs.setdefault(None, []).insert(0, _routing_error_as_json)
    app.extensions["hub-api"] = api
