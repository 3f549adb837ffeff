"""One error shape for every API failure: ``{"error", "message", "fields"}`` with a 4xx status.

The CMS on the other side reads ``error`` (a stable code) to decide what to do and shows
``message`` and ``fields`` (translated, for the person who typed the text) as they are. Domain
errors from :mod:`hub.publishing` are mapped here, once, so route handlers stay free of
``try``/``except``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from hub.extensions import db
from hub.publishing.errors import PublishingError, StaleEdit, ValidationFailed
from hub.publishing.media import MediaError, MediaTooLarge

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a message for the catalogue; it is translated when the response is built."""
    return message


# marshmallow's own English messages, listed so that ``pybabel extract`` picks them up: every
# field message passes through gettext on its way out (see :func:`field_messages`).
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid datetime."),
    N_("Number too large."),
)


class ApiError(Exception):
    """An error the API answers with; raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    response = jsonify(error=code, message=str(message), fields=dict(fields or {}))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages to ``{"variants.5.body": [...]}``, translated.

    Dotted names are the ones the domain uses (``variants.<channel id>.body``), so a client
    handles schema and domain field errors alike. A message about the whole body
    (marshmallow's ``_schema``) lands under the empty name.
    """
    flat: dict[str, list[str]] = {}

    def walk(node: Any, name: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                part = "" if key == "_schema" else str(key)
                walk(value, f"{name}.{part}" if name and part else (name or part))
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, name)
        else:
            flat.setdefault(name, []).append(_(str(node)))

    walk(messages, prefix)
    return flat


def bad_input(messages: Any) -> ApiError:
    """Input of the wrong shape (wrong types, unknown fields): 400 with field messages."""
    fields = field_messages(messages)
    whole = fields.pop("", None)
    if whole and not fields:
        return ApiError(400, "bad_request", _("The request body must be a JSON object."))
    return ApiError(
        400,
        "bad_request",
        _("Some fields have the wrong type. Nothing was saved."),
        fields,
    )


def _status_code_name(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def _http_message(error: HTTPException) -> tuple[str, str]:
    """Code and translated message for werkzeug's HTTP errors."""
    known = {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("A valid API token is needed.")),
        403: ("forbidden", _("Your role does not allow this.")),
        404: ("not_found", _("There is nothing at this address.")),
        405: ("method_not_allowed", _("This address does not accept this method.")),
        413: ("too_large", _("The request is too large.")),
        415: ("unsupported_media_type", _("This content type is not accepted here.")),
        429: ("rate_limited", _("Too many requests. Please wait a moment and try again.")),
    }
    if error.code in known:
        return known[error.code]
    return _status_code_name(error), str(error.description or error.name)


def handle_http_exception(error: HTTPException) -> Response:
    db.session.rollback()
    code, message = _http_message(error)
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    status = error.code or 500
    if status >= 500:
        log.error("API request failed", exc_info=getattr(error, "original_exception", error))
        code, message = "internal_error", _("Something went wrong on our side. Please try later.")
    return error_response(status, code, message, headers=headers)


def handle_api_error(error: ApiError) -> Response:
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


_PUBLISHING_STATUS = {
    "validation_failed": 422,
    "stale_edit": 409,
    "not_allowed": 403,
    "wrong_state": 409,
    "conflict": 409,
}


def handle_publishing_error(error: PublishingError) -> Response:
    db.session.rollback()
    fields = field_messages(error.fields) if isinstance(error, ValidationFailed) else {}
    status = _PUBLISHING_STATUS.get(error.code, 422)
    return error_response(status, error.code, error.message, fields)


def handle_media_error(error: MediaError) -> Response:
    db.session.rollback()
    message = str(error)
    return error_response(
        413 if isinstance(error, MediaTooLarge) else 422,
        ValidationFailed.code,
        _("Please correct the marked fields."),
        {"file": [message]},
    )


def handle_stale_data(error: StaleDataError) -> Response:
    """Two saves raced past the version check; the later one lost at commit."""
    db.session.rollback()
    return handle_publishing_error(
        StaleEdit(
            _(
                "Someone else saved this announcement while you were editing it. "
                "Your changes were not saved; please reload and apply them again."
            )
        )
    )


def handle_integrity_error(error: IntegrityError) -> Response:
    """A unique row created concurrently (two identical channels at once)."""
    db.session.rollback()
    log.info("API write refused by a constraint: %s", error.orig)
    return error_response(409, "conflict", _("This already exists."))


ERROR_HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (ApiError, handle_api_error),
    (PublishingError, handle_publishing_error),
    (MediaError, handle_media_error),
    (StaleDataError, handle_stale_data),
    (IntegrityError, handle_integrity_error),
    (HTTPException, handle_http_exception),
)
