"""How fast the team answers citizens: volume, median time to first answer, share within 24 h.

Read from the inbox's comments (citizens' ones: not our own replies) received in the range, per
channel and per moderator. Who answered is the comment's ``first_answered_by`` where the inbox
records it, else its assignee. Comments are few next to snapshots, so these figures are computed
on the fly rather than rolled up, but in the database: counted by channel and moderator, and
the medians found by rank, so a request reads a few dozen rows whatever the month held (read
comment by comment, a month of 80,000 comments cost the dashboard seconds of CPU).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, or_, select

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
    median_seconds: float | None = None

    @property
    def share_within_24h(self) -> float | None:
        return self.within_24h / self.received if self.received else None


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
    received = [
        Comment.is_own.is_(False),
        Comment.remote_created_at >= start,
        Comment.remote_created_at < end,
    ]
    if selection.channel_ids:
        received.append(Comment.channel_id.in_(selection.channel_ids))
    wait = _wait_seconds()
    total = ResponseFigures(None)
    channels: dict[int, ResponseFigures] = {}
    moderators: dict[int | None, ResponseFigures] = {}
    counts = (
        select(
            Comment.channel_id,
            answerer.label("moderator_id"),
            func.count().label("received"),
            func.count(Comment.first_answered_at).label("answered"),
            func.count(case((wait <= WITHIN.total_seconds(), 1))).label("within_24h"),
        )
        .where(*received)
        .group_by(Comment.channel_id, answerer)
    )
    for row in db.session.execute(counts):
        for bucket in (
            total,
            channels.setdefault(row.channel_id, ResponseFigures(row.channel_id)),
            moderators.setdefault(row.moderator_id, ResponseFigures(row.moderator_id)),
        ):
            bucket.received += row.received
            bucket.answered += row.answered
            bucket.within_24h += row.within_24h
    if total.answered:
        _medians(received, wait, answerer, total, channels, moderators)
    return InboxFigures(total, channels, moderators, _names(k for k in moderators if k))


def _wait_seconds() -> ColumnElement[float]:
    """Seconds from a comment's arrival to its first answer (NULL if unanswered); an answer
    stamped before the comment (clocks differ) counts as no wait."""
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Comment.first_answered_at - Comment.remote_created_at)
    else:  # SQLite keeps the times as text; to the millisecond, as julianday reads them
        days = func.julianday(Comment.first_answered_at) - func.julianday(Comment.remote_created_at)
        seconds = func.round(days * 86400, 3)
    return case((seconds < 0, 0), else_=seconds)


def _medians(
    received: list[ColumnElement[bool]],
    wait: ColumnElement[float],
    answerer: Any,
    total: ResponseFigures,
    channels: dict[int, ResponseFigures],
    moderators: dict[int | None, ResponseFigures],
) -> None:
    """Each bucket's median wait: its answered comments ranked by wait in the database, and
    only the middle one (or two, whose mean it is) read back, per channel, moderator and in
    all, in one statement."""
    ranks = {"all": [], "channel": [Comment.channel_id], "moderator": [answerer]}
    columns = [Comment.channel_id.label("channel_id"), answerer.label("moderator_id")]
    for name, partition in ranks.items():
        columns += [
            func.row_number().over(partition_by=partition, order_by=wait).label(f"rank_{name}"),
            func.count().over(partition_by=partition).label(f"n_{name}"),
        ]
    ranked = (
        select(wait.label("wait"), *columns)
        .where(*received, Comment.first_answered_at.is_not(None))
        .subquery()
    )

    def middle(name: str) -> ColumnElement[bool]:
        rank, n = ranked.c[f"rank_{name}"], ranked.c[f"n_{name}"]
        return or_(rank == (n + 1) // 2, rank == (n + 2) // 2)

    flags = [middle(name).label(name) for name in ranks]
    query = select(ranked.c.wait, ranked.c.channel_id, ranked.c.moderator_id, *flags).where(
        or_(*(middle(name) for name in ranks))
    )
    middles: dict[tuple[str, int | None], list[float]] = {}
    for row in db.session.execute(query):
        for name, key in (
            ("all", None),
            ("channel", row.channel_id),
            ("moderator", row.moderator_id),
        ):
            if getattr(row, name):
                middles.setdefault((name, key), []).append(float(row.wait))
    buckets: dict[str, dict[Any, ResponseFigures]] = {
        "all": {None: total},
        "channel": channels,
        "moderator": moderators,
    }
    for (name, key), waits in middles.items():
        buckets[name][key].median_seconds = statistics.fmean(waits)


def _names(user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
