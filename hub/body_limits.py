"""How large a request body may be (ASVS 12.1.1, 13.1.3): small, unless someone may upload.

Every request may carry :data:`FORM_BODY_LIMIT` (2 MB, Flask's ``MAX_CONTENT_LENGTH``): logins,
forms and JSON are far smaller. The routes that take files — the compose form in the admin and
``POST /api/v1/media`` — accept ``HUB_UPLOAD_BODY_LIMIT`` (the largest image or video hub keeps,
``HUB_MAX_VIDEO_MB``, plus 1 MB for the rest of the form), but only from a logged-in person
whose role may compose: the session, or the bearer token on the API, says who it is.

That is decided before anything reads the body: :func:`allow_uploads` runs first of all
``before_request`` functions, ahead of CSRFProtect, which parses the form of every POST (and so
used to spool a body of any size to disk before the login was even looked at). Werkzeug
refuses a ``Content-Length`` above the limit with 413 without reading a byte; a body without a
length (chunked) is cut off at the limit.

The web server in front reads on its own terms: gunicorn and Werkzeug hand the body to hub as
it arrives; waitress (``hub serve``) takes in a whole request (up to its own
``max_request_body_size``, 1 GB) before hub sees it, so there the proxy in front should limit
bodies too (see the README's Security section).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from hub.auth.api import load_user_from_bearer
from hub.auth.permissions import Permission, can

MB = 1024 * 1024
FORM_BODY_LIMIT = 2 * MB
# Routes that take files, and what a person needs to send one.
UPLOAD_ENDPOINTS: dict[str, Permission] = {
    "announcements.create": Permission.compose,
    "announcements.edit": Permission.compose,
    "api_media.upload_media": Permission.compose,
}


def upload_body_limit(max_image_mb: int, max_video_mb: int) -> int:
    """The largest file hub keeps, plus 1 MB for the form around it."""
    return (max(max_image_mb, max_video_mb) + 1) * MB


def allow_uploads() -> None:
    """Raise this request's body limit for an upload route, if the person may upload."""
    permission = UPLOAD_ENDPOINTS.get(request.endpoint or "")
    if permission is None or request.method != "POST":
        return
    # The API never takes the session cookie, only its bearer token.
    api = request.path.startswith("/api/")
    user = load_user_from_bearer(request) if api else current_user
    if user is not None and can(permission, user):
        request.max_content_length = current_app.config["HUB_UPLOAD_BODY_LIMIT"]


def init_body_limits(app: Flask) -> None:
    settings = app.config["HUB_SETTINGS"]
    app.config.setdefault(
        "HUB_UPLOAD_BODY_LIMIT", upload_body_limit(settings.max_image_mb, settings.max_video_mb)
    )
    # First of all before_request functions, ahead of CSRFProtect's (it reads the form).
    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
