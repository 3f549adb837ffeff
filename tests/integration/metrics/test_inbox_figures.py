"""The dashboard's inbox figures (received, answered, median time to first answer, share within
24 hours), per channel, per moderator and in all: the figures a manager reads, pinned exactly,
so that how they are computed (in SQL, not comment by comment in Python) can change safely."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from hub.extensions import db
from hub.metrics.inbox import inbox_figures
from hub.metrics.selection import Selection
from hub.models import Comment
from hub.models.types import utcnow

ZONE = ZoneInfo("Europe/Berlin")
HOUR = 3600.0


def test_figures_per_channel_moderator_and_in_all(make_user, make_channel) -> None:
    facebook, x = make_channel("facebook"), make_channel("x")
    mira, jan = make_user("moderator"), make_user("moderator")
    now = utcnow()
    arrived = now - timedelta(days=3)

    def comment(channel, wait_hours, assignee=None, *, own=False, at=arrived) -> None:  # type: ignore[no-untyped-def]
        answered = None if wait_hours is None else at + timedelta(hours=wait_hours)
        db.session.add(
            Comment(
                channel_id=channel.id,
                remote_id=f"c-{len(db.session.new)}-{wait_hours}-{channel.id}",
                remote_created_at=at,
                first_answered_at=answered,
                assignee_id=assignee.id if assignee else None,
                is_own=own,
            )
        )

    comment(facebook, 1, mira)
    comment(facebook, 3, mira)
    comment(facebook, 24, jan)  # exactly 24 hours: within
    comment(facebook, 30, jan)
    comment(facebook, None)  # not answered (yet)
    comment(facebook, -0.5, mira)  # answer stamped before the comment (clocks): a wait of 0
    comment(x, 2)
    comment(x, None, jan)
    comment(x, 1, mira, own=True)  # our own reply: not counted
    comment(x, 1, mira, at=now - timedelta(days=40))  # before the range: not counted
    db.session.commit()

    everything = Selection.recent(now, ZONE, 30)
    figures = inbox_figures(everything, ZONE)

    def row(f) -> tuple:  # type: ignore[no-untyped-def]
        median = None if f.median_seconds is None else round(f.median_seconds / HOUR, 6)
        share = None if f.share_within_24h is None else round(f.share_within_24h, 6)
        return f.received, f.answered, f.within_24h, median, share

    assert row(figures.total) == (8, 6, 5, 2.5, round(5 / 8, 6))
    assert row(figures.channels[facebook.id]) == (6, 5, 4, 3.0, round(4 / 6, 6))
    assert row(figures.channels[x.id]) == (2, 1, 1, 2.0, 0.5)
    assert row(figures.moderators[mira.id]) == (3, 3, 3, 1.0, 1.0)
    assert row(figures.moderators[jan.id]) == (3, 2, 1, 27.0, round(1 / 3, 6))
    assert row(figures.moderators[None]) == (2, 1, 1, 2.0, 0.5)
    assert figures.names == {mira.id: mira.display_name, jan.id: jan.display_name}

    only_x = inbox_figures(replace(everything, channel_ids=(x.id,)), ZONE)
    assert row(only_x.total) == (2, 1, 1, 2.0, 0.5)
    assert set(only_x.channels) == {x.id}
    assert set(only_x.moderators) == {None, jan.id}

    nothing = inbox_figures(Selection.recent(now - timedelta(days=100), ZONE, 30), ZONE)
    assert row(nothing.total) == (0, 0, 0, None, None)
    assert nothing.channels == {} and nothing.moderators == {} and nothing.names == {}
