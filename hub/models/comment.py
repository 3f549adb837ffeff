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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import RedactedText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from hub.models.channel import Channel
    from hub.models.delivery import Delivery
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


#: The partial indexes' conditions (SQL, the same on PostgreSQL and SQLite).
OPEN_ITEMS = "status IN ('new', 'assigned')"
OPEN_CITIZENS = f"is_own IS false AND {OPEN_ITEMS}"
ORPHANS = "parent_id IS NULL AND remote_parent_id IS NOT NULL"


class Comment(db.Model):  # type: ignore[name-defined]
    """One inbox item: a citizen's comment, reply or mention, or one of our replies (is_own).

    One row per (channel, remote id), whatever brought it (poll, webhook, our own reply). The
    composite indexes serve the inbox's filters, each newest first, for keyset pagination.
    """

    __tablename__ = "comment"
    __table_args__ = (
        UniqueConstraint("channel_id", "remote_id"),
        Index("ix_comment_inbox", "remote_created_at", "id"),
        Index("ix_comment_channel_time", "channel_id", "remote_created_at", "id"),
        Index("ix_comment_status_time", "status", "remote_created_at", "id"),
        Index("ix_comment_assignee_time", "assignee_id", "remote_created_at", "id"),
        Index("ix_comment_delivery_time", "delivery_id", "remote_created_at", "id"),
        Index(
            "ix_comment_flagged_time",
            "remote_created_at",
            "id",
            sqlite_where=text("priority > 0"),
            postgresql_where=text("priority > 0"),
        ),
        # The open inbox, a moderator's default view: its few open items found directly, not
        # by reading back through every closed one (at a million comments the difference
        # between 1 ms and 400 ms). The queries write these conditions as literals
        # (hub.inbox.queries.OPEN_SQL), or PostgreSQL's generic plans could not use them.
        Index(
            "ix_comment_open_time",
            "remote_created_at",
            "id",
            sqlite_where=text(OPEN_CITIZENS),
            postgresql_where=text(OPEN_CITIZENS),
        ),
        Index(
            "ix_comment_open_assignee",
            "assignee_id",
            "remote_created_at",
            "id",
            sqlite_where=text(OPEN_ITEMS),
            postgresql_where=text(OPEN_ITEMS),
        ),
        Index(
            "ix_comment_open_flagged",
            "remote_created_at",
            "id",
            sqlite_where=text(f"priority > 0 AND {OPEN_ITEMS}"),
            postgresql_where=text(f"priority > 0 AND {OPEN_ITEMS}"),
        ),
        # Threads: every comment under one post, and replies still waiting for their parent
        # row (few; hub.inbox.ingest.link_parents reads only these).
        Index("ix_comment_thread", "channel_id", "remote_post_id"),
        Index(
            "ix_comment_orphans",
            "channel_id",
            "remote_parent_id",
            sqlite_where=text(ORPHANS),
            postgresql_where=text(ORPHANS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"))
    remote_id: Mapped[str] = mapped_column(String(200))
    remote_parent_id: Mapped[str | None] = mapped_column(String(200))
    remote_post_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(300), default="")
    author_handle: Mapped[str | None] = mapped_column(String(300))
    author_remote_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    remote_created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.new)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[str] | None] = mapped_column(JSON)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_on_network: Mapped[bool] = mapped_column(Boolean, default=False)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
    delivery: Mapped[Delivery | None] = relationship()
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
    retry_wait = "retry_wait"
    done = "done"
    failed = "failed"
    needs_review = "needs_review"


class ModerationAction(db.Model):  # type: ignore[name-defined]
    """A reply, hide, unhide or delete on a comment, carried out by a worker exactly once.

    queued -> sending -> done | failed, with retry_wait (transient) and needs_review (a worker
    died mid-reply and the reply could not be found) as in publishing.
    """

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=ActionState.queued)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker holding the action: a random token and how long it may hold it.
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last attempt ended without knowing whether the network did it (timeout, crash).
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    remote_id: Mapped[str | None] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(50))
    error_message: Mapped[str | None] = mapped_column(RedactedText)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship()
    requested_by: Mapped[User | None] = relationship()


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
    # Only whole words match ("ass" must not flag "Klasse"); otherwise any part of a word does.
    whole_word: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __str__(self) -> str:
        return self.keyword
