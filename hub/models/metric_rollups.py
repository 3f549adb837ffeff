"""Daily aggregates of the engagement figures, kept up to date as snapshots arrive.

Snapshots pile up (about a hundred per delivery over 90 days); the dashboard reads these instead:

- :class:`MetricTotal`: per delivery, the latest figures (what the post achieved so far);
- :class:`MetricDaily`: per delivery and local day, the figures at the day's last snapshot and
  just before the day (so the day's gain is ``views - views_before``);
- :class:`ChannelDaily`: per channel and local day, the gains summed over its deliveries, the
  posts published that day and the followers at the day's end.

Days are calendar days in the office's time zone (Europe/Berlin). How they are maintained:
:mod:`hub.metrics.rollups`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.metrics import MetricSnapshot
from hub.models.types import UTCDateTime

METRICS = ("views", "reach", "likes", "comments", "shares", "saves", "clicks")

# An announcement's curves read a delivery's snapshots (about a hundred, written over 90 days and
# so spread over the table); on PostgreSQL this index holds the figures too, so the read is an
# index-only scan of a few adjacent pages instead of a hundred random heap pages.
Index(
    "ix_metric_snapshot_figures",
    MetricSnapshot.delivery_id,
    MetricSnapshot.collected_at,
    postgresql_include=list(METRICS),
)


class MetricTotal(db.Model):  # type: ignore[name-defined]
    __tablename__ = "metric_total"
    __table_args__ = (
        Index("ix_metric_total_published", "published_at"),
        Index("ix_metric_total_announcement", "announcement_id"),
    )

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True
    )
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    views: Mapped[int | None] = mapped_column(BigInteger)
    reach: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    clicks: Mapped[int | None] = mapped_column(BigInteger)


class MetricDaily(db.Model):  # type: ignore[name-defined]
    __tablename__ = "metric_daily"
    __table_args__ = (
        Index("ix_metric_daily_channel_day", "channel_id", "day"),
        Index("ix_metric_daily_announcement_day", "announcement_id", "day"),
        Index("ix_metric_daily_day", "day"),
    )

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    # At the day's last snapshot (cumulative, as the network counts them) ...
    views: Mapped[int | None] = mapped_column(BigInteger)
    reach: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    # ... and at the last snapshot before the day (None: the day of the first snapshot).
    views_before: Mapped[int | None] = mapped_column(BigInteger)
    reach_before: Mapped[int | None] = mapped_column(BigInteger)
    likes_before: Mapped[int | None] = mapped_column(BigInteger)
    comments_before: Mapped[int | None] = mapped_column(BigInteger)
    shares_before: Mapped[int | None] = mapped_column(BigInteger)
    saves_before: Mapped[int | None] = mapped_column(BigInteger)
    clicks_before: Mapped[int | None] = mapped_column(BigInteger)


class ChannelDaily(db.Model):  # type: ignore[name-defined]
    __tablename__ = "channel_daily"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Gained that day, summed over the channel's deliveries (None: the network has no such figure).
    views: Mapped[int | None] = mapped_column(BigInteger)
    reach: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    saves: Mapped[int | None] = mapped_column(BigInteger)
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    followers: Mapped[int | None] = mapped_column(BigInteger)
