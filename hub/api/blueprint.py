"""What every API route shares: bearer-token login, token scopes, the JSON error shape, body
limits, rate limit.

Each resource module creates a :class:`ApiBlueprint` and must name the token scope its routes
need for reading (GET) and for changing (every other method); everything below is wired once
here, so a route handler only checks its role permission and calls the domain. A call needs both:
the scope narrows the owner's roles, it never widens them.
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
from hub.auth.api import token_from_bearer
from hub.auth.permissions import Permission, can
from hub.auth.scopes import Scope, from_text, granted
from hub.extensions import db, limiter
from hub.models import User

PREFIX = "/api/v1"
# A path id the database can hold (32-bit); anything else is a 404 before any query.
ID = "int(min=1, max=2147483647)"
# JSON bodies are small; only the media upload may take more (hub.body_limits: its uploaders).
JSON_BODY_LIMIT = 1024 * 1024
DEFAULT_RATE_LIMIT = "600 per minute"

# Reading never changes anything; every other method needs the blueprint's write scope.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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
        self,
        name: str,
        import_name: str,
        *,
        read_scope: Scope | tuple[Scope, ...],
        write_scope: Scope | tuple[Scope, ...],
        max_body: int | None = JSON_BODY_LIMIT,
        **kwargs: Any,
    ) -> None:
        self.read_scopes = _scopes(read_scope)
        self.write_scopes = _scopes(write_scope)
        if "description" in kwargs:
            kwargs["description"] += (
                f" Token scope: {' or '.join(self.read_scopes)} to read,"
                f" {' or '.join(self.write_scopes)} to change."
            )
        super().__init__(name, import_name, url_prefix=PREFIX, **kwargs)
        self.max_body = max_body
        self.before_request(self._limit_body)
        self.before_request(authenticate)
        self.before_request(self._require_scope)
        for exception, handler in ERROR_HANDLERS:
            self.register_error_handler(exception, handler)
        limiter.limit(api_rate_limit)(self)

    def _limit_body(self) -> None:
        if self.max_body is not None:
            request.max_content_length = self.max_body

    def _require_scope(self) -> None:
        """403 unless the token has a scope that opens this route (for its method)."""
        needed = self.read_scopes if request.method in READING_METHODS else self.write_scopes
        if granted(current_api_token_scopes()) & set(needed):
            return
        if len(needed) == 1:
            message = _(
                "This API token may not do this: it lacks the scope %(scope)s.", scope=needed[0]
            )
        else:
            message = _(
                "This API token may not do this: it needs one of the scopes %(scopes)s.",
                scopes=", ".join(needed),
            )
        raise ApiError(
            403,
            "insufficient_scope",
            message,
            headers={
                "WWW-Authenticate": (
                    f'Bearer error="insufficient_scope", scope="{" ".join(needed)}"'
                )
            },
        )

    def errors(self, *statuses: int) -> Callable[[F], F]:
        """Document the error answers of a route (401, 403 for a missing scope, and 429 are
        possible everywhere)."""

        def decorator(view: F) -> F:
            for status in sorted({401, 403, 429, *statuses}, reverse=True):
                view = self.alt_response(status, response=http.HTTPStatus(status).name)(view)
            return view

        return decorator


def _scopes(need: Scope | tuple[Scope, ...]) -> tuple[Scope, ...]:
    scopes = (need,) if isinstance(need, Scope) else tuple(need)
    if not scopes:
        raise ValueError("an API blueprint must name the scope its routes need")
    return scopes


def authenticate() -> None:
    """Log the request in from its bearer token only; a session cookie counts for nothing.

    An expired or revoked token is answered like an unknown one (the log says which)."""
    token = token_from_bearer(request)
    if token is None:
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
    g._login_user = token.user
    g.hub_api_token_scopes = token.scopes
    db.session.commit()  # keeps the token's last_used_at, also for read-only calls


def current_api_user() -> User:
    return cast(User, g._login_user)


def current_api_token_scopes() -> frozenset[Scope]:
    """The scopes of the token this request came with (as stored, not yet expanded)."""
    return from_text(g.get("hub_api_token_scopes"))


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
