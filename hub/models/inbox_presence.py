"""Who has an inbox item open, and who is typing a reply to it, so two moderators do not
answer the same citizen twice. Rows are touched by the page every few seconds and expire."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow
from hub.models.user import User


class InboxPresence(db.Model):  # type: ignore[name-defined]
    __tablename__ = "inbox_presence"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(10), default="viewing")  # viewing | replying
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
