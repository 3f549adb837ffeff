"""Four weeks of engagement for the demo's practice office, so its dashboard has a past.

``hub demo`` publishes its announcements into the sandbox and collects their figures live; this
adds what a month of work would have left behind: announcements published on earlier days on
every network, their snapshots along the real schedule (grown along the sandbox's engagement
curve), daily follower counts and citizen comments, all closed. The history's posts do not exist
in the sandbox: they have no remote id and closed schedule rows, so nobody asks a network about
them, and no moderator is asked to answer their comments there.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from hub.extensions import db
from hub.metrics import rollups
from hub.metrics.days import office_zone
from hub.metrics.schedule import grid
from hub.models import (
    AccountSnapshot,
    Announcement,
    AnnouncementStatus,
    Channel,
    Comment,
    CommentStatus,
    Delivery,
    DeliveryState,
    MetricSchedule,
    MetricSnapshot,
    Network,
    User,
    Variant,
)
from hub.sandbox.core import Post
from hub.sandbox.engagement import FOLLOWERS, curve

TITLES = (
    ("Stadtpark: neue Spielgeräte eröffnet", 2),
    ("Bürgerbüro: Termine jetzt online buchen", 4),
    ("Sperrung der A40-Auffahrt Bochum-Zentrum", 6),
    ("Bochumer Kulturnacht: das Programm", 9),
    ("Hitzeschutz: kühle Orte in der Stadt", 13),
    ("Neue Radwege an der Universitätsstraße", 17),
    ("Wahlhelferinnen und Wahlhelfer gesucht", 21),
    ("Müllabfuhr: geänderte Termine nach dem Feiertag", 26),
)
# What each network reports (the rest stays unknown, as in real life).
REPORTED = {
    "facebook": ("views", "reach", "likes", "comments", "shares", "clicks"),
    "instagram": ("views", "reach", "likes", "comments", "shares", "saves"),
    "x": ("views", "likes", "comments", "shares", "saves"),
    "threads": ("views", "likes", "comments", "shares"),
    "youtube": ("views", "likes", "comments"),
    "flickr": ("views", "comments", "saves"),
    "bluesky": ("likes", "comments", "shares"),  # no views: Bluesky counts none
    "linkedin": ("views", "reach", "likes", "comments", "shares", "clicks"),
    "mastodon": ("likes", "comments", "shares"),
}


def seed_history(
    now: datetime,
    author: User,
    moderator: User | None = None,
    approver: User | None = None,
) -> int:
    """Create the past month; returns the number of snapshots. Commits.

    ``approver`` approved the history's announcements (four-eyes holds in the demo's past too).
    """
    rng = random.Random(2026)  # demo figures, repeatable
    channels = list(db.session.scalars(select(Channel).order_by(Channel.id)))
    snapshots = 0
    for title, days_ago in TITLES:
        published_at = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        announcement = Announcement(
            title=title,
            body=f"{title}. Alle Infos auf bochum.de.",
            status=AnnouncementStatus.published,
            author_id=author.id,
            approver_id=(approver or author).id,
            scheduled_at=published_at,
            approved_at=published_at,
            submitted_at=published_at,
        )
        db.session.add(announcement)
        db.session.flush()
        chosen = [c for c in channels if c.network in ("facebook", "x") or rng.random() < 0.7]
        for channel in chosen:
            db.session.add(Variant(announcement_id=announcement.id, channel_id=channel.id))
            delivery = Delivery(
                announcement_id=announcement.id,
                channel_id=channel.id,
                state=DeliveryState.published,
                published_at=published_at + timedelta(seconds=rng.randint(1, 20)),
                # Not on the sandbox: without a remote id neither the figures' schedule nor the
                # inbox's comment sync asks the network about these posts.
                remote_id=None,
                url=None,  # not on any network: a link would lead nowhere
            )
            db.session.add(delivery)
            db.session.flush()
            db.session.add(
                MetricSchedule(
                    delivery_id=delivery.id,
                    channel_id=channel.id,
                    published_at=delivery.published_at,
                    next_due_at=None,
                    collected=0,
                    misses=0,
                    last_error="Demo history: not on the sandbox.",
                )
            )
            if channel.network == Network.manual:
                continue  # posted by hand: a post on the dashboard, with no figures or comments
            snapshots += _snapshots(delivery, channel, now)
            _comments(delivery, channel, now, rng, moderator)
    _followers(channels, now, rng)
    db.session.flush()
    rollups.rebuild(db.session, office_zone())
    db.session.commit()
    return snapshots


def _snapshots(delivery: Delivery, channel: Channel, now: datetime) -> int:
    post = Post(
        network=channel.network,
        id=f"history-{delivery.id}",
        account_id=channel.external_id,
        text="",
        created_at=delivery.published_at or now,
    )
    reported = REPORTED.get(channel.network, ())
    count = 0
    for offset in grid():
        at = (delivery.published_at or now) + offset
        if at > now:
            break
        grown = curve(post, FOLLOWERS.get(channel.network, 1000), 1.0, at)
        grown["comments"] = grown["likes"] // 12
        db.session.add(
            MetricSnapshot(
                delivery_id=delivery.id,
                collected_at=at,
                raw={"demo": True},
                **{name: grown[name] if name in reported else None for name in grown},
            )
        )
        count += 1
    return count


def _followers(channels: list[Channel], now: datetime, rng: random.Random) -> None:
    # Backwards from today's count, which the sandbox's accounts start with in the demo.
    for channel in channels:
        if channel.network == Network.manual:
            continue  # nobody counts followers on a notice board
        followers = FOLLOWERS.get(channel.network, 1000)
        for days_ago in range(1, 31):
            followers -= max(int(followers * rng.uniform(-0.0005, 0.003)), -3)
            db.session.add(
                AccountSnapshot(
                    channel_id=channel.id,
                    collected_at=now - timedelta(days=days_ago, hours=1),
                    followers=followers,
                    raw={"demo": True},
                )
            )


def _comments(
    delivery: Delivery, channel: Channel, now: datetime, rng: random.Random, moderator: User | None
) -> None:
    for k in range(rng.randint(1, 5)):
        received = (delivery.published_at or now) + timedelta(minutes=rng.randint(5, 600))
        if received > now:
            continue
        wait = timedelta(minutes=rng.choice((12, 25, 40, 75, 130, 300, 900, 1700, 2600)))
        answered = received + wait if received + wait < now and rng.random() < 0.85 else None
        # Closed, answered or not: these comments exist only in hub, not in the sandbox, so an
        # open one would wait in the demo's inbox for an answer the network must refuse.
        db.session.add(
            Comment(
                channel_id=channel.id,
                delivery_id=delivery.id,
                remote_id=f"history-comment-{delivery.id}-{k}",
                author_name=f"Bürgerin {rng.randint(1, 400)}",
                text="Danke für die Info! Gilt das auch am Wochenende?"
                if answered
                else "Danke für die Info!",
                remote_created_at=received,
                first_answered_at=answered,
                status=CommentStatus.done,
                assignee_id=moderator.id if moderator and answered else None,
            )
        )
