"""``/api/v1/media``: images and videos for announcements, uploaded as multipart/form-data.

What a file is gets decided by :func:`hub.publishing.media.store_upload` from its bytes, never
from its name: a PDF renamed to .png is refused with 422.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from hub.api.blueprint import ID, ApiBlueprint, found, user_with
from hub.api.errors import N_, bad_input
from hub.api.schemas import MediaOut, MediaUpload
from hub.auth.permissions import Permission
from hub.auth.scopes import Scope
from hub.extensions import db
from hub.models import MediaAsset
from hub.publishing.errors import ValidationFailed
from hub.publishing.media import store_upload

# Uploads may be as large as hub.body_limits allows whoever may upload (videos); every other
# route keeps the JSON limit.
blp = ApiBlueprint(
    "api_media",
    __name__,
    # Media exist for announcements: uploading one is part of writing an announcement.
    read_scope=Scope.announcements_read,
    write_scope=Scope.announcements_write,
    max_body=None,
    description="Images and videos.",
)


def _printable(filename: str | None) -> str:
    """The client's file name without control characters (NUL cannot be stored)."""
    name = "".join(c for c in filename or "" if unicodedata.category(c)[0] != "C")
    return name or "upload"


@blp.route("/media", methods=["POST"])
@blp.arguments(MediaUpload, location="multipart")
@blp.response(201, MediaOut, headers={"Location": {"schema": {"type": "string"}}})
@blp.errors(403, 413, 422)
def upload_media(form: dict[str, Any]) -> tuple[MediaAsset, int, dict[str, str]]:
    """Upload an image (JPEG, PNG, GIF, WebP) or a video (MP4, MOV) with its alt text."""
    user = user_with(Permission.compose)
    upload = form["file"]
    if not isinstance(upload, FileStorage):
        raise bad_input({"file": [N_("Send the file as a file part of multipart/form-data.")]})
    if not form["alt_text"].strip():
        raise ValidationFailed(
            {"alt_text": [_("Describe the image or video for people who cannot see it.")]}
        )
    asset = store_upload(
        upload.stream,
        _printable(upload.filename),
        settings=current_app.config["HUB_SETTINGS"],
        alt_text=form["alt_text"],
        credit=form.get("credit") or None,
        licence=form.get("licence") or None,
        uploaded_by=user,
    )
    db.session.commit()
    location = url_for("api_media.get_media", media_id=asset.id, _external=True)
    return asset, 201, {"Location": location}


@blp.route(f"/media/<{ID}:media_id>", methods=["GET"])
@blp.response(200, MediaOut)
@blp.errors(403, 404)
def get_media(media_id: int) -> MediaAsset:
    """What is known about an uploaded file."""
    user_with(Permission.view_announcements)
    return found(MediaAsset, media_id, _("There is no media with this id."))
