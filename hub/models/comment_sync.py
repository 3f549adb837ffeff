"""Where the comment sync of one channel stands: its cursor, its schedule, its lease.

One row per channel, apart from ``Channel`` so that a sync worker writing its cursor every page
never races an admin editing the channel. The dispatcher claims a row (the lease) before a
worker syncs the channel, so one channel is never synced twice at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.types import RedactedText, UTCDateTime, utcnow


class CommentSync(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comment_sync"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    # The connector's own cursor (CommentPage.cursor), given back on the next call.
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # hub's schedule per post: {remote post id: {"checked": epoch seconds, "full": ...}}.
    posts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(RedactedText)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # Quota units (YouTube) spent by the sync on ``quota_day`` (the network's own day).
    quota_day: Mapped[str | None] = mapped_column(String(10))
    quota_units: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
