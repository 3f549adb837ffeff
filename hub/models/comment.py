"""The shared inbox: citizens' comments (and our replies), moderation actions, notes, tags."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from hub.models.channel import Channel
    from hub.models.user import User


class CommentStatus(enum.StrEnum):
    new = "new"
    assigned = "assigned"
    answered = "answered"
    done = "done"


comment_tag = Table(
    "comment_tag",
    db.metadata,
    Column("comment_id", ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    color: Mapped[str | None] = mapped_column(String(20))

    def __str__(self) -> str:
        return self.name


class Comment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comment"
    __table_args__ = (
        UniqueConstraint("channel_id", "remote_id"),
        Index("ix_comment_inbox", "remote_created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"), index=True)
    remote_id: Mapped[str] = mapped_column(String(200))
    remote_parent_id: Mapped[str | None] = mapped_column(String(200))
    remote_post_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(300), default="")
    author_handle: Mapped[str | None] = mapped_column(String(300))
    author_remote_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    remote_created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.new, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[str] | None] = mapped_column(JSON)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_on_network: Mapped[bool] = mapped_column(Boolean, default=False)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    assignee: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(back_populates="parent")
    tags: Mapped[list[Tag]] = relationship(secondary=comment_tag)
    notes: Mapped[list[Note]] = relationship(back_populates="comment", order_by="Note.id")


class ActionKind(enum.StrEnum):
    reply = "reply"
    hide = "hide"
    unhide = "unhide"
    delete = "delete"


class ActionState(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    done = "done"
    failed = "failed"
    needs_review = "needs_review"


class ModerationAction(db.Model):  # type: ignore[name-defined]
    """A reply, hide, unhide or delete on a comment, carried out by a worker exactly once."""

    __tablename__ = "moderation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=ActionState.queued, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship()


class Note(db.Model):  # type: ignore[name-defined]
    """An internal note on a comment; never sent to the network."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class SavedReply(db.Model):  # type: ignore[name-defined]
    """A reusable answer (Textbaustein) with placeholders such as ``{author}``."""

    __tablename__ = "saved_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.title


class KeywordRule(db.Model):  # type: ignore[name-defined]
    """A keyword that flags and prioritises a comment (insult, threat, emergency)."""

    __tablename__ = "keyword_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30))
    keyword: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=1)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
