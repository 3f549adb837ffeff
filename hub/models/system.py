"""Organisation-wide switches: the crisis hold, notices to people, and heartbeats of the
background work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow
from hub.models.user import User


class PublishingHold(db.Model):  # type: ignore[name-defined]
    """While a row has no ``lifted_at``, nothing new starts sending, on any network."""

    __tablename__ = "publishing_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])


class Notification(db.Model):  # type: ignore[name-defined]
    """A message for one person (a failed post, a channel that needs a new login)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Heartbeat(db.Model):  # type: ignore[name-defined]
    """When a piece of hub's background work last finished a pass, one row per kind of work
    (``dispatch``: the publishing dispatcher).

    In the database, not in Redis or a process: whichever machine runs the work, the web app and
    monitoring read the same answer, and a Redis that lost everything cannot lose it.
    """

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
