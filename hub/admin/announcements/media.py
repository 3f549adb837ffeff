"""Media on the compose form: keeping uploads, which media a form may name, thumbnails.

Uploads are checked and stored by ``hub.publishing.media``; this module only decides what a
request may touch. A form names media by id, so an id is honoured only when the media belongs
to the announcement being edited, or was uploaded by the same person and is not attached
anywhere yet (a file kept from a save that was refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, abort, send_from_directory
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from wtforms import FieldList

from hub.config import Settings
from hub.extensions import db
from hub.models import Announcement, AnnouncementMedia, Channel, MediaAsset, MediaKind, User
from hub.publishing.media import MediaError, store_upload, with_alt_text


def store_new_uploads(
    rows: FieldList, *, settings: Settings, user: User
) -> tuple[list[MediaAsset], dict[str, list[str]]]:
    """Store every file chosen in the upload rows; problems are reported under ``media``."""
    stored: list[MediaAsset] = []
    errors: dict[str, list[str]] = {}
    for row in rows:
        upload = row.file.data
        if upload is None or not getattr(upload, "filename", ""):
            continue
        try:
            asset = store_upload(
                upload.stream,
                upload.filename,
                settings=settings,
                alt_text=row.alt_text.data,
                uploaded_by=user,
            )
        except MediaError as exc:
            errors.setdefault("media", []).append(
                _("%(name)s: %(problem)s", name=upload.filename, problem=str(exc))
            )
        else:
            stored.append(asset)
    return stored, errors


def store_subtitle_uploads(
    form: Any, channels: Iterable[Channel], *, settings: Settings, user: User
) -> tuple[dict[tuple[int, str], int], dict[str, list[str]]]:
    """Store subtitle files chosen in the channels' settings; returns {(channel, option): id}."""
    from hub.admin.announcements.form import option_field
    from hub.publishing.options import options_for

    stored: dict[tuple[int, str], int] = {}
    errors: dict[str, list[str]] = {}
    for channel in channels:
        for spec in options_for(channel.network):
            if spec.kind != "subtitle":
                continue
            field = form._fields.get(option_field(channel.id, spec.name))
            upload = field.data if field is not None else None
            if upload is None or not getattr(upload, "filename", ""):
                continue
            where = f"variants.{channel.id}.options.{spec.name}"
            try:
                asset = store_upload(
                    upload.stream, upload.filename, settings=settings, uploaded_by=user
                )
            except MediaError as exc:
                errors.setdefault(where, []).append(str(exc))
                continue
            if asset.kind != MediaKind.subtitle:
                errors.setdefault(where, []).append(
                    _("This is not a subtitle file (WebVTT or SRT).")
                )
                continue
            stored[(channel.id, spec.name)] = asset.id
    return stored, errors


def allowed_media(
    ids: Iterable[int], *, announcement: Announcement | None, user: User
) -> dict[int, MediaAsset]:
    """The media among ``ids`` this form may use (see the module docstring)."""
    wanted = set(ids)
    if not wanted:
        return {}
    attached_anywhere = exists().where(AnnouncementMedia.media_id == MediaAsset.id)
    own_unattached = (MediaAsset.uploaded_by_id == user.id) & ~attached_anywhere
    condition = own_unattached
    if announcement is not None and announcement.id is not None:
        attached_here = exists().where(
            AnnouncementMedia.media_id == MediaAsset.id,
            AnnouncementMedia.announcement_id == announcement.id,
        )
        condition = or_(own_unattached, attached_here)
    query = select(MediaAsset).where(MediaAsset.id.in_(wanted), condition)
    return {asset.id: asset for asset in db.session.scalars(query)}


def apply_alt_texts(
    rows: Sequence[tuple[int, str]],
    media: dict[int, MediaAsset],
    *,
    announcement: Announcement | None,
    user: User,
) -> dict[int, int]:
    """Put the alt texts typed for attached media on the assets (the caller commits or not).

    A file that also belongs to another announcement is not changed under it: this one gets a
    copy with the new text (``hub.publishing.media.with_alt_text``). Returns {typed id: id to
    attach} for the ids that were replaced by a copy.
    """
    replaced: dict[int, int] = {}
    announcement_id = announcement.id if announcement is not None else None
    for media_id, alt_text in rows:
        asset = media.get(media_id)
        if asset is not None:
            kept = with_alt_text(
                asset, alt_text.strip() or None, announcement_id=announcement_id, user=user
            )
            if kept.id != media_id:
                replaced[media_id] = kept.id
    return replaced


def download_response(asset: MediaAsset, settings: Settings) -> Response:
    """The file itself, to save and post by hand (manual channels), under its original name."""
    response = send_from_directory(
        settings.media_dir,
        asset.stored_path,
        mimetype=asset.mime_type,
        as_attachment=True,
        download_name=asset.original_name,
        max_age=300,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def thumbnail_response(asset: MediaAsset, settings: Settings) -> Response:
    """The asset's thumbnail (or the image itself) with its true type; videos have none."""
    if asset.thumbnail_path:
        path, mimetype = asset.thumbnail_path, "image/webp"
    elif asset.is_image:
        path, mimetype = asset.stored_path, asset.mime_type
    else:
        abort(404)
    # send_from_directory refuses paths that leave the media folder (404).
    response = send_from_directory(settings.media_dir, path, mimetype=mimetype, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
