"""Saved replies (Textbausteine): reusable answers with placeholders filled per comment.

Placeholders are written in braces: ``{author}`` (the citizen's name), ``{handle}`` (their
@name), ``{network}``, ``{channel}`` and ``{moderator}`` (who answers). An unknown placeholder
stays as it is, so a typo shows in the text instead of breaking the reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select

from hub.extensions import db
from hub.models import Comment, SavedReply, User
from hub.publishing.labels import NETWORK

PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = ("author", "handle", "network", "channel", "moderator")


def values_for(comment: Comment, moderator: User | None) -> dict[str, str]:
    handle = comment.author_handle or ""
    return {
        "author": comment.author_name or handle or "",
        "handle": f"@{handle}" if handle and not handle.startswith("@") else handle,
        "network": NETWORK.get(comment.channel.network, comment.channel.network),
        "channel": comment.channel.name,
        "moderator": moderator.display_name if moderator else "",
    }


def fill(body: str, values: Mapping[str, str]) -> str:
    """``body`` with every known placeholder replaced."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body or "").strip()


def saved_replies() -> list[SavedReply]:
    return list(db.session.scalars(select(SavedReply).order_by(SavedReply.title, SavedReply.id)))


def filled_replies(comment: Comment, moderator: User | None) -> list[tuple[SavedReply, str]]:
    """Every saved reply with its text as it would be sent for this comment."""
    values = values_for(comment, moderator)
    return [(reply, fill(reply.body, values)) for reply in saved_replies()]
