"""What hub remembers about the networks between attempts: quota spent, uploads under way,
login warnings sent.

- ``QuotaUsage``: units spent per Google project, quota bucket and Pacific-time day, so hub
  refuses a YouTube upload that would exceed the daily quota instead of burning attempts on it.
- ``UploadSession``: a started upload that can be continued (a YouTube resumable session URI,
  an Instagram container), one per delivery and network: after a crash or a broken connection
  the next attempt resumes it instead of sending the video again.
- ``LoginWarning``: which "login expires in N days" notices went out, so each is sent once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow


class QuotaUsage(db.Model):  # type: ignore[name-defined]
    __tablename__ = "quota_usage"
    __table_args__ = (UniqueConstraint("network", "project", "day", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    project: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    bucket: Mapped[str] = mapped_column(String(40))
    units: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UploadSession(db.Model):  # type: ignore[name-defined]
    __tablename__ = "upload_session"
    __table_args__ = (UniqueConstraint("network", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))  # the delivery's idempotency key
    location: Mapped[str] = mapped_column(Text)  # session URI, container id
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginWarning(db.Model):  # type: ignore[name-defined]
    __tablename__ = "login_warning"
    __table_args__ = (UniqueConstraint("channel_id", "expires_at", "threshold_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    threshold_days: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
