"""One announcement on one channel: the unit that is published exactly once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import RedactedText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from hub.models.announcement import Announcement
    from hub.models.channel import Channel


class DeliveryState(enum.StrEnum):
    pending = "pending"
    queued = "queued"
    sending = "sending"
    retry_wait = "retry_wait"
    published = "published"
    failed = "failed"
    needs_review = "needs_review"
    held = "held"
    cancelled = "cancelled"
    # Manual channels (no API): due, and told to the person who posts it by hand.
    waiting_for_person = "waiting_for_person"
    # Manual channels: the person decided not to post it (their reason is the message).
    skipped = "skipped"


FINAL_STATES = {
    DeliveryState.published,
    DeliveryState.failed,
    DeliveryState.cancelled,
    DeliveryState.skipped,
}


class Delivery(db.Model):  # type: ignore[name-defined]
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("announcement_id", "channel_id"),
        Index("ix_delivery_state_next_attempt", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker holding the delivery: a random token and how long it may hold it.
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last attempt ended without knowing whether the post went out (timeout, crash).
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    error_code: Mapped[str | None] = mapped_column(String(50))
    error_message: Mapped[str | None] = mapped_column(RedactedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    announcement: Mapped[Announcement] = relationship(back_populates="deliveries")
    channel: Mapped[Channel] = relationship()
