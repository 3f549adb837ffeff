"""Uploaded media: checked by what the bytes are, never by the file name.

Images are opened with Pillow (which also guards against decompression bombs); videos must be
ISO base media files (MP4/MOV) whose duration mutagen can read. Everything else, a renamed PDF
included, is refused with a message for the press officer.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from hub.audit import record_new
from hub.config import Settings
from hub.extensions import db
from hub.models import AnnouncementMedia, MediaAsset, MediaKind, User

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
VIDEO_BRANDS_MIME = {"qt  ": "video/quicktime"}
THUMBNAIL_SIZE = (480, 480)
CHUNK = 1024 * 1024


class MediaError(ValueError):
    """A file hub will not take; the message is for the press officer."""


class MediaTooLarge(MediaError):
    """Larger than the limit for its kind (the API answers 413)."""


@dataclass(frozen=True)
class Inspected:
    kind: str
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def inspect_file(path: Path) -> Inspected:
    """Say what ``path`` really is, or raise MediaError."""
    image = _inspect_image(path)
    if image:
        return image
    video = _inspect_video(path)
    if video:
        return video
    subtitle = _inspect_subtitle(path)
    if subtitle:
        return subtitle
    raise MediaError(
        _(
            "This file is neither an image (JPEG, PNG, GIF, WebP), a video (MP4, MOV) nor "
            "subtitles (WebVTT, SRT)."
        )
    )


SRT_START = re.compile(r"\A\s*\d+\s*\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->")
MAX_SUBTITLE_BYTES = 2 * 1024 * 1024
# Decoding an image takes about four bytes a pixel in a worker's memory: 50 megapixels (200 MB)
# hold any camera's photo but the largest; Pillow's own bomb guard starts at 89.
MAX_IMAGE_PIXELS = 50_000_000


def _inspect_subtitle(path: Path) -> Inspected | None:
    """WebVTT (starts with "WEBVTT") or SRT (a cue number, then a time range), UTF-8 text."""
    if path.stat().st_size > MAX_SUBTITLE_BYTES:
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if text.startswith("WEBVTT"):
        return Inspected(MediaKind.subtitle, "text/vtt")
    if SRT_START.match(text):
        return Inspected(MediaKind.subtitle, "application/x-subrip")
    return None


def _inspect_image(path: Path) -> Inspected | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt = img.format or ""
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(_("This image has too many pixels to be processed safely.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    if fmt not in IMAGE_FORMATS:
        raise MediaError(_("Images must be JPEG, PNG, GIF or WebP."))
    with Image.open(path) as img:
        width, height = img.size
        if width * height > MAX_IMAGE_PIXELS:  # read from the header: nothing decoded yet
            raise MediaError(
                _(
                    "This image has %(mp)s megapixels; hub takes at most %(limit)s. Please "
                    "upload a smaller version (no network shows more).",
                    mp=round(width * height / 1e6),
                    limit=MAX_IMAGE_PIXELS // 1_000_000,
                )
            )
        try:
            img.load()
        except OSError as exc:
            raise MediaError(_("This image is damaged and cannot be read.")) from exc
    return Inspected(MediaKind.image, IMAGE_FORMATS[fmt], width, height)


def _inspect_video(path: Path) -> Inspected | None:
    with path.open("rb") as handle:
        head = handle.read(12)
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12].decode("latin-1")
    from mutagen.mp4 import MP4, MP4StreamInfoError

    try:
        info = MP4(path).info
    except (MP4StreamInfoError, Exception) as exc:
        raise MediaError(_("This video is damaged or incomplete and cannot be read.")) from exc
    duration = float(getattr(info, "length", 0) or 0)
    if duration <= 0:
        raise MediaError(_("This video is damaged or incomplete and cannot be read."))
    return Inspected(
        MediaKind.video, VIDEO_BRANDS_MIME.get(brand, "video/mp4"), duration_seconds=duration
    )


def store_upload(
    stream: BinaryIO,
    filename: str,
    *,
    settings: Settings,
    alt_text: str | None = None,
    credit: str | None = None,
    licence: str | None = None,
    uploaded_by: User | None = None,
) -> MediaAsset:
    """Check and keep an uploaded file; returns the (unflushed) MediaAsset."""
    media_dir = settings.media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    limit = max(settings.max_image_mb, settings.max_video_mb) * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=media_dir, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise MediaTooLarge(
                        _("This file is larger than %(limit)s MB.", limit=limit // 2**20)
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise MediaError(_("The file is empty."))
        facts = inspect_file(tmp)
        max_mb = settings.max_image_mb if facts.kind == MediaKind.image else settings.max_video_mb
        if size > max_mb * 1024 * 1024:
            raise MediaTooLarge(_("This file is larger than %(limit)s MB.", limit=max_mb))
        stored = _final_path(media_dir, facts)
        shutil.move(tmp, stored)
    finally:
        tmp.unlink(missing_ok=True)
    thumb = _thumbnail(stored, media_dir) if facts.kind == MediaKind.image else None
    asset = MediaAsset(
        kind=facts.kind,
        original_name=Path(filename or "upload").name[:255],
        stored_path=str(stored.relative_to(media_dir)),
        thumbnail_path=str(thumb.relative_to(media_dir)) if thumb else None,
        mime_type=facts.mime_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        width=facts.width,
        height=facts.height,
        duration_seconds=facts.duration_seconds,
        alt_text=(alt_text or "").strip() or None,
        credit=credit,
        licence=licence,
        uploaded_by_id=uploaded_by.id if uploaded_by else None,
    )
    return record_new(
        "media.uploaded",
        asset,
        actor=uploaded_by,
        name=asset.original_name,
        kind=asset.kind,
        sha256=asset.sha256,
    )


def _final_path(media_dir: Path, facts: Inspected) -> Path:
    ext = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "video/quicktime": ".mov",
        "text/vtt": ".vtt",
        "application/x-subrip": ".srt",
    }.get(facts.mime_type, ".mp4")
    name = uuid.uuid4().hex
    folder = media_dir / name[:2]
    folder.mkdir(exist_ok=True)
    return folder / f"{name}{ext}"


def _thumbnail(path: Path, media_dir: Path) -> Path:
    thumb = path.with_name(path.stem + ".thumb.webp")
    with Image.open(path) as img:
        img.thumbnail(THUMBNAIL_SIZE)
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA")
        img.save(thumb, "WEBP", quality=80)
    return thumb


def media_path(settings: Settings, asset: MediaAsset) -> Path:
    return settings.media_dir / asset.stored_path


# ---------------------------------------------------------------------------------------------
# Who may use which media, and changing an alt text without changing another announcement


def usable_media(ids: Iterable[int], *, user: User, attached: Iterable[int] = ()) -> set[int]:
    """The ids among ``ids`` that ``user`` may put into an announcement through the API.

    Usable are the files the user uploaded themselves, and those the announcement being
    written already has (``attached``: its attachments and subtitle files), whoever uploaded
    them. Anybody else's file is not, whatever announcement it belongs to.
    """
    wanted, attached = set(ids), set(attached)
    usable = wanted & attached
    others = wanted - attached
    if others:
        usable.update(
            db.session.scalars(
                select(MediaAsset.id).where(
                    MediaAsset.id.in_(others), MediaAsset.uploaded_by_id == user.id
                )
            )
        )
    return usable


def used_elsewhere(asset: MediaAsset, announcement_id: int | None) -> bool:
    """Whether ``asset`` is attached to an announcement other than ``announcement_id``."""
    query = select(AnnouncementMedia.announcement_id).where(AnnouncementMedia.media_id == asset.id)
    if announcement_id is not None:
        query = query.where(AnnouncementMedia.announcement_id != announcement_id)
    return db.session.scalar(query.limit(1)) is not None


def with_alt_text(
    asset: MediaAsset, alt_text: str | None, *, announcement_id: int | None, user: User
) -> MediaAsset:
    """``asset`` with ``alt_text``, changed only for the announcement being written.

    What an approver approved is what goes out: when the file also belongs to another
    announcement (scheduled, in review, or a draft someone else may submit), that one keeps its
    alt text and this one gets a copy (copy-on-write: a new row on the same file, which is never
    changed or deleted), recorded as ``media.copied``. Returns the asset to attach.
    """
    if (asset.alt_text or None) == alt_text:
        return asset
    if not used_elsewhere(asset, announcement_id):
        asset.alt_text = alt_text
        return asset
    # The same file and facts; only the alt text and who made it differ.
    same = {
        column.key: getattr(asset, column.key)
        for column in MediaAsset.__table__.columns
        if column.key not in ("id", "alt_text", "uploaded_by_id", "created_at")
    }
    return record_new(
        "media.copied",
        MediaAsset(**same, alt_text=alt_text, uploaded_by_id=user.id),
        actor=user,
        source=asset.id,
        announcement=announcement_id,
        name=asset.original_name,
    )
