"""Public, expiring links to single media files, for networks that fetch media themselves.

Instagram does not take uploads: it downloads each image or video from a URL hub gives it. So
hub serves the file at ``{HUB_PUBLIC_URL}/m/<token>/<name>``, without a login, where ``token``
is signed with ``HUB_SECRET_KEY`` (itsdangerous, which Flask ships) and names exactly one stored
file and an expiry. Nothing else is reachable: no listing, no other file, no path from the
request; an expired or altered token is a 404 like any unknown URL. The file goes out with its
real type and ``X-Content-Type-Options: nosniff`` (a browser never runs it as something else),
``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``, with Range support for videos.

The city must let the networks reach this one path (see README, "Networks").
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, abort, current_app, has_app_context, send_file
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "hub.public-media.v1"
# Instagram fetches right after the container is created; a day covers retries and the
# container's own 24-hour life.
DEFAULT_TTL = 24 * 3600
MIME_BY_SUFFIX = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
}

blueprint = Blueprint("public_media", __name__)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, stored_path: str, ttl: float = DEFAULT_TTL) -> str:
    return _serializer(secret_key).dumps({"p": stored_path, "e": int(time.time() + ttl)})


def read_token(secret_key: str, token: str) -> str | None:
    """The stored path the token names, or None if it is forged, altered or expired."""
    try:
        data: Any = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), str):
        return None
    if int(data.get("e") or 0) < time.time():
        return None
    return str(data["p"])


def public_url(settings: Any, stored_path: str, ttl: float = DEFAULT_TTL) -> str:
    token = make_token(settings.secret_key, stored_path, ttl)
    name = quote(Path(stored_path).name)
    return f"{settings.public_url}/m/{token}/{name}"


def public_url_for_path(path: Path, ttl: float = DEFAULT_TTL) -> str | None:
    """A public link to a file in the media folder, from within the app; None elsewhere."""
    if not has_app_context():
        return None
    settings = current_app.config["HUB_SETTINGS"]
    try:
        stored = path.resolve().relative_to(settings.media_dir.resolve())
    except ValueError:
        return None
    return public_url(settings, stored.as_posix(), ttl)


@blueprint.get("/m/<token>/<name>")
def serve(token: str, name: str) -> ResponseReturnValue:
    settings = current_app.config["HUB_SETTINGS"]
    stored = read_token(settings.secret_key, token)
    if stored is None or Path(stored).name != name:
        abort(404)
    media_dir = settings.media_dir.resolve()
    path = (media_dir / stored).resolve()
    mime = MIME_BY_SUFFIX.get(path.suffix.lower())
    if mime is None or not path.is_relative_to(media_dir) or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Disposition"] = "inline"
    return response


def init_public_media(app: Flask) -> None:
    app.register_blueprint(blueprint)
