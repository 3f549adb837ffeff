"""A connected account on one network: a Facebook Page, an Instagram business account, ..."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.crypto import EncryptedJSON
from hub.extensions import db
from hub.models.types import RedactedText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from hub.models.user import User


class Network(enum.StrEnum):
    facebook = "facebook"
    instagram = "instagram"
    x = "x"
    youtube = "youtube"
    flickr = "flickr"
    mastodon = "mastodon"  # any instance: the channel names it (credentials["instance"])
    bluesky = "bluesky"
    linkedin = "linkedin"
    threads = "threads"
    # No API: a person posts by hand (WhatsApp channels, a notice board); see hub.publishing.manual.
    manual = "manual"


class ChannelStatus(enum.StrEnum):
    active = "active"
    needs_reauth = "needs_reauth"
    disabled = "disabled"


class Channel(db.Model):  # type: ignore[name-defined]
    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("network", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(100))
    # Tokens and secrets: encrypted at rest, never sent back to a browser or API client.
    credentials: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    status: Mapped[str] = mapped_column(String(20), default=ChannelStatus.active)
    status_message: Mapped[str | None] = mapped_column(RedactedText)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Manual channels: who posts by hand when a post falls due (None: the announcement's author).
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])

    @property
    def is_usable(self) -> bool:
        return self.status == ChannelStatus.active

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"
