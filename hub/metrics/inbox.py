"""How fast the team answers citizens: volume, median time to first answer, share within 24 h.

Read from the inbox's comments (citizens' ones: not our own replies) received in the range, per
channel and per moderator. Who answered is the comment's ``first_answered_by`` where the inbox
records it, else its assignee. Comments are few next to snapshots (hundreds a day), so these
figures are computed on the fly rather than rolled up.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hub.extensions import db
from hub.metrics.selection import Selection
from hub.models import Comment, User

WITHIN = timedelta(hours=24)


@dataclass
class ResponseFigures:
    """One row: a channel, a moderator, or everything."""

    key: int | None
    received: int = 0
    answered: int = 0
    within_24h: int = 0
    waits: list[float] = field(default_factory=list, repr=False)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.waits) if self.waits else None

    @property
    def share_within_24h(self) -> float | None:
        return self.within_24h / self.received if self.received else None

    def count(self, received_at: datetime, answered_at: datetime | None) -> None:
        self.received += 1
        if answered_at is None:
            return
        wait = max((answered_at - received_at).total_seconds(), 0.0)
        self.answered += 1
        self.waits.append(wait)
        if wait <= WITHIN.total_seconds():
            self.within_24h += 1


@dataclass
class InboxFigures:
    total: ResponseFigures
    channels: dict[int, ResponseFigures]
    moderators: dict[int | None, ResponseFigures]
    names: dict[int, str]


def inbox_figures(selection: Selection, zone: ZoneInfo) -> InboxFigures:
    start, end = selection.utc_range(zone)
    answerer = getattr(Comment, "first_answered_by_id", None)
    if answerer is None:
        answerer = Comment.assignee_id
    stmt = select(
        Comment.channel_id,
        answerer.label("moderator_id"),
        Comment.remote_created_at,
        Comment.first_answered_at,
    ).where(
        Comment.is_own.is_(False),
        Comment.remote_created_at >= start,
        Comment.remote_created_at < end,
    )
    if selection.channel_ids:
        stmt = stmt.where(Comment.channel_id.in_(selection.channel_ids))
    total = ResponseFigures(None)
    channels: dict[int, ResponseFigures] = {}
    moderators: dict[int | None, ResponseFigures] = {}
    for row in db.session.execute(stmt):
        for bucket in (
            total,
            channels.setdefault(row.channel_id, ResponseFigures(row.channel_id)),
            moderators.setdefault(row.moderator_id, ResponseFigures(row.moderator_id)),
        ):
            bucket.count(row.remote_created_at, row.first_answered_at)
    return InboxFigures(total, channels, moderators, _names(k for k in moderators if k))


def _names(user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
