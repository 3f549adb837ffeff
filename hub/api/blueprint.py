"""What every API route shares: bearer-token login, the JSON error shape, body limits, rate limit.

Each resource module creates a :class:`ApiBlueprint`; everything below is wired once here, so a
route handler only checks its permission and calls the domain.
"""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict

from hub.api.errors import ERROR_HANDLERS, ApiError, bad_input
from hub.auth.api import load_user_from_bearer
from hub.auth.permissions import Permission, can
from hub.extensions import db, limiter
from hub.models import User

PREFIX = "/api/v1"
# A path id the database can hold (32-bit); anything else is a 404 before any query.
ID = "int(min=1, max=2147483647)"
# JSON bodies are small; only the media upload may use the app's MAX_CONTENT_LENGTH.
JSON_BODY_LIMIT = 1024 * 1024
DEFAULT_RATE_LIMIT = "600 per minute"

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class ApiParser(FlaskParser):
    """webargs parser that answers in the API's error shape, and reads multipart as one form."""

    DEFAULT_VALIDATION_STATUS = 400
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_json(self, req: flask.Request, schema: Any) -> Any:
        raw = req.get_data(cache=True)  # over the body limit: 413 from werkzeug
        if not raw.strip():
            return core.missing
        if not is_json_request(req):
            raise ApiError(
                415,
                "unsupported_media_type",
                _("Send the body as JSON with the header Content-Type: application/json."),
            )
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, NaN
            raise ApiError(400, "bad_json", _("The request body is not valid JSON.")) from exc

    def load_multipart(self, req: flask.Request, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error: Any, req: flask.Request, schema: Any, **kwargs: Any) -> Any:
        messages = error.messages
        # webargs files messages under the location ({"json": {...}}); clients know where.
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        raise bad_input(messages)


def api_rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT))


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint under ``/api/v1`` with the API's login, errors and limits."""

    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def __init__(
        self, name: str, import_name: str, *, max_body: int | None = JSON_BODY_LIMIT, **kwargs: Any
    ) -> None:
        super().__init__(name, import_name, url_prefix=PREFIX, **kwargs)
        self.max_body = max_body
        self.before_request(self._limit_body)
        self.before_request(authenticate)
        for exception, handler in ERROR_HANDLERS:
            self.register_error_handler(exception, handler)
        limiter.limit(api_rate_limit)(self)

    def _limit_body(self) -> None:
        if self.max_body is not None:
            request.max_content_length = self.max_body

    def errors(self, *statuses: int) -> Callable[[F], F]:
        """Document the error answers of a route (401 and 429 are possible everywhere)."""

        def decorator(view: F) -> F:
            for status in sorted({401, 429, *statuses}, reverse=True):
                view = self.alt_response(status, response=http.HTTPStatus(status).name)(view)
            return view

        return decorator


def authenticate() -> None:
    """Log the request in from its bearer token only; a session cookie counts for nothing."""
    user = load_user_from_bearer(request)
    if user is None:
        challenge = "Bearer"
        if request.headers.get("Authorization"):
            challenge = 'Bearer error="invalid_token"'
        raise ApiError(
            401,
            "unauthorized",
            _("A valid API token is needed (header Authorization: Bearer <token>)."),
            headers={"WWW-Authenticate": challenge},
        )
    # Flask-Login's current_user reads this first, so the session is never consulted.
    g._login_user = user
    db.session.commit()  # keeps the token's last_used_at, also for read-only calls


def current_api_user() -> User:
    return cast(User, g._login_user)


def user_with(permission: Permission) -> User:
    """The caller, if their roles grant ``permission``; otherwise a 403."""
    user = current_api_user()
    if not can(permission, user):
        raise ApiError(403, "forbidden", _("Your role does not allow this."))
    return user


def found(model: type[M], row_id: int, message: str) -> M:
    """The row with ``row_id``, or a 404 with ``message``."""
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", message)
    return row
