"""Webhook bodies already taken in, by digest: a replayed delivery is recognised and skipped.

Meta signs the body but not a timestamp, so a captured request could be sent again; and Meta
itself re-sends what it thinks failed. Either way the same bytes are processed once.

Receipts are kept for :data:`KEEP_RECEIPTS` (``hub.inbox.dispatch.prune`` forgets older ones).
A body whose events are older than that is not taken in at all (``hub.inbox.meta``, which
derives its age limit from this same constant): once its receipt is gone, a replay could
otherwise not be recognised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow

KEEP_RECEIPTS = timedelta(days=7)


class WebhookReceipt(db.Model):  # type: ignore[name-defined]
    __tablename__ = "webhook_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the raw body
    source: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
