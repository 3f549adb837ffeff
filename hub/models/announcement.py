"""An announcement: written once, adapted per channel (variants), approved by a second person."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from hub.models.channel import Channel
    from hub.models.delivery import Delivery
    from hub.models.media import MediaAsset
    from hub.models.user import User


class AnnouncementStatus(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    scheduled = "scheduled"
    publishing = "publishing"
    published = "published"
    partly_failed = "partly_failed"
    failed = "failed"
    cancelled = "cancelled"


EDITABLE_STATUSES = {
    AnnouncementStatus.draft,
    AnnouncementStatus.in_review,
    AnnouncementStatus.scheduled,
}


class Announcement(db.Model):  # type: ignore[name-defined]
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default=AnnouncementStatus.draft, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic locking: a stale write raises StaleDataError instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    variants: Mapped[list[Variant]] = relationship(
        back_populates="announcement", cascade="all, delete-orphan", order_by="Variant.id"
    )
    media_links: Mapped[list[AnnouncementMedia]] = relationship(
        back_populates="announcement",
        cascade="all, delete-orphan",
        order_by="AnnouncementMedia.position",
    )
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="announcement", order_by="Delivery.id"
    )

    @property
    def channels(self) -> list[Channel]:
        return [v.channel for v in self.variants]

    @property
    def media(self) -> list[MediaAsset]:
        return [link.media for link in self.media_links]

    def variant_for(self, channel_id: int) -> Variant | None:
        return next((v for v in self.variants if v.channel_id == channel_id), None)

    def __str__(self) -> str:
        return self.title


class Variant(db.Model):  # type: ignore[name-defined]
    """A chosen channel for an announcement, with optional text (and title) for that network."""

    __tablename__ = "variant"
    __table_args__ = (UniqueConstraint("announcement_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    body: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    # Network settings (hub.publishing.options): YouTube visibility, tags, subtitles, ...
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    announcement: Mapped[Announcement] = relationship(back_populates="variants")
    channel: Mapped[Channel] = relationship()

    @property
    def effective_body(self) -> str:
        return self.body if self.body else self.announcement.body

    @property
    def effective_title(self) -> str:
        return self.title if self.title else self.announcement.title


class AnnouncementMedia(db.Model):  # type: ignore[name-defined]
    __tablename__ = "announcement_media"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media_asset.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    announcement: Mapped[Announcement] = relationship(back_populates="media_links")
    media: Mapped[MediaAsset] = relationship()
