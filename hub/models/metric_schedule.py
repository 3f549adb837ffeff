"""When each published delivery's figures are read next: the decaying snapshot schedule.

One row per published delivery, kept apart from ``delivery`` so the publishing pipeline's table
stays the pipeline's. A beat task selects rows with ``next_due_at <= now`` through a partial
index (finished rows, ``next_due_at IS NULL``, are not in it), leases them, and a worker per
channel reads the figures in batches (see :mod:`hub.metrics.collect`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.types import RedactedText, UTCDateTime


class MetricSchedule(db.Model):  # type: ignore[name-defined]
    __tablename__ = "metric_schedule"
    __table_args__ = (
        Index(
            "ix_metric_schedule_due",
            "next_due_at",
            postgresql_where=text("next_due_at IS NOT NULL"),
            sqlite_where=text("next_due_at IS NOT NULL"),
        ),
    )

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: the schedule is over (90 days) or the network offers no post figures.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker holds the row until then; a crashed worker's rows are due again afterwards.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected: Mapped[int] = mapped_column(Integer, default=0)
    # Answers in a row in which the network did not list the post (deleted on the network?).
    misses: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(RedactedText)
