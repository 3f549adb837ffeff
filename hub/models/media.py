"""An uploaded image or video, checked by content, with its alt text."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow


class MediaKind(enum.StrEnum):
    image = "image"
    video = "video"
    subtitle = "subtitle"  # WebVTT or SRT, for a video's captions


class MediaAsset(db.Model):  # type: ignore[name-defined]
    __tablename__ = "media_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    thumbnail_path: Mapped[str | None] = mapped_column(String(500))
    mime_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    alt_text: Mapped[str | None] = mapped_column(Text)
    credit: Mapped[str | None] = mapped_column(String(300))
    licence: Mapped[str | None] = mapped_column(String(100))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.kind == MediaKind.image

    @property
    def is_video(self) -> bool:
        return self.kind == MediaKind.video

    def __str__(self) -> str:
        return self.original_name
