"""Public Instagram figures (instaloader) stored where the dashboard reads every network's.

For cities without Graph API access (``HUB_INSTAGRAM_PUBLIC_PROFILE``, off by default). One read
(:func:`read_and_store`) stores:

- the follower count as an :class:`AccountSnapshot` of the city's Instagram channel, folded into
  ``channel_daily`` like the Graph API's follower figure (the dashboard's followers table);
- likes and comments of each public post that is one of our deliveries (matched by the
  shortcode in the delivery's permalink, or its remote id) as a :class:`MetricSnapshot`, folded
  into the rollups like any other snapshot. Posts hub did not publish are skipped.

A delivery whose figures already come from the Graph API (views, reach, saves or shares known)
is left alone: a snapshot with only likes and comments would blank those figures in its totals.

Nothing here raises on a network failure: a refused or failed read is logged with a plain
reason and stores nothing it does not have, so the rest of the ``sync`` queue carries on.
Every function takes ``now`` (tests pass it; nothing sleeps).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from hub.config import Settings
from hub.connectors.base import ConnectorError
from hub.connectors.instagram_public import (
    InstagramPublicMonitor,
    PublicPost,
    PublicProfile,
    shortcode_from_url,
)
from hub.extensions import db
from hub.metrics import rollups
from hub.metrics.days import office_zone
from hub.metrics.figures import METRICS
from hub.models import (
    AccountSnapshot,
    Channel,
    Delivery,
    DeliveryState,
    MetricSnapshot,
    MetricTotal,
    Network,
)

log = logging.getLogger(__name__)
# The figures only the Graph API has; a delivery with any of them known keeps its Graph figures.
GRAPH_ONLY = ("views", "reach", "shares", "saves", "clicks")
MAX_POSTS = 50


@dataclass
class Outcome:
    """What one read did, for the log and the tests."""

    channel_id: int | None = None
    followers: int | None = None
    snapshots: int = 0
    matched: list[str] = field(default_factory=list)  # shortcodes stored for our deliveries
    skipped: list[str] = field(default_factory=list)  # public posts that are not ours
    error: str | None = None  # why nothing (or not everything) was stored


def monitor_for(settings: Settings) -> InstagramPublicMonitor | None:
    """The monitor as configured, or None when the feature is off.

    ``Settings.extra["instagram_public_polite"] = False`` drops instaloader's random pause
    before each request; only tests set it (they never sleep)."""
    if not settings.instagram_public_profile:
        return None
    return InstagramPublicMonitor(
        settings.instagram_public_profile,
        recent=max(0, min(settings.instagram_public_posts, MAX_POSTS)),
        timeout=settings.network_timeout or 30.0,
        polite=bool(settings.extra.get("instagram_public_polite", True)),
    )


def read_and_store(now: datetime, monitor: InstagramPublicMonitor | None = None) -> Outcome:
    """Read the configured public profile once and store what it shows (commits)."""
    settings: Settings = current_app.config["HUB_SETTINGS"]
    monitor = monitor or monitor_for(settings)
    outcome = Outcome()
    if monitor is None:
        outcome.error = "The public Instagram monitor is off (HUB_INSTAGRAM_PUBLIC_PROFILE unset)."
        return outcome
    channels = list(
        db.session.scalars(
            select(Channel).where(Channel.network == Network.instagram).order_by(Channel.id)
        )
    )
    if not channels:
        # Nothing could hold the figures: do not spend one of Instagram's few anonymous reads.
        outcome.error = (
            f"No Instagram channel is set up, so the figures of @{monitor.username} have "
            "nowhere to go; add the city's Instagram channel under Settings → Channels."
        )
        log.warning("public Instagram monitor: %s", outcome.error)
        return outcome
    try:
        profile = monitor.read()
    except ConnectorError as exc:
        outcome.error = exc.message
        log.warning(
            "public Instagram monitor: nothing stored for @%s: %s [%s]",
            monitor.username,
            exc.message,
            exc.detail or type(exc).__name__,
        )
        return outcome

    channel = _city_channel(channels, profile)
    if channel is None:
        outcome.error = (
            f"Several Instagram channels are set up and none is recognisably @{profile.username} "
            "(by its name or account id); the follower count was not stored."
        )
        log.warning("public Instagram monitor: %s", outcome.error)
    elif profile.followers is not None:
        outcome.channel_id = channel.id
        outcome.followers = profile.followers
        snapshot = AccountSnapshot(
            channel_id=channel.id,
            collected_at=now,
            followers=profile.followers,
            raw={"source": "instaloader", "username": profile.username, "user_id": profile.user_id},
        )
        db.session.add(snapshot)
        db.session.flush()
        rollups.apply_account_snapshot(db.session, snapshot, office_zone())
    db.session.commit()

    if profile.posts_error:
        outcome.error = profile.posts_error
        log.warning("public Instagram monitor: %s", profile.posts_error)
    _store_posts(profile, [c.id for c in channels], now, outcome)
    db.session.commit()
    log.info(
        "public Instagram monitor: @%s, %s followers, %d post figures stored, %d posts not ours",
        profile.username,
        outcome.followers,
        outcome.snapshots,
        len(outcome.skipped),
    )
    return outcome


def _city_channel(channels: list[Channel], profile: PublicProfile) -> Channel | None:
    """The channel the profile belongs to: the only Instagram channel, or the one whose account
    id is the profile's or whose name mentions it (``@stadtbochum``, "Stadt Bochum (stadtbochum)").
    """
    if len(channels) == 1:
        return channels[0]
    name = profile.username.lower()
    found = [
        c
        for c in channels
        if c.external_id == profile.user_id or name in (c.name or "").lower().replace("@", " ")
    ]
    return found[0] if len(found) == 1 else None


def _store_posts(
    profile: PublicProfile, channel_ids: list[int], now: datetime, outcome: Outcome
) -> None:
    if not profile.posts:
        return
    ours = _deliveries(profile.posts.values(), channel_ids)
    totals = {
        t.delivery_id: t
        for t in db.session.scalars(
            select(MetricTotal).where(MetricTotal.delivery_id.in_([d.id for d in ours.values()]))
        )
    }
    pairs = []
    for code, post in profile.posts.items():
        delivery = ours.get(code)
        if delivery is None:
            outcome.skipped.append(code)
            continue
        total = totals.get(delivery.id)
        if total is not None and any(getattr(total, name) is not None for name in GRAPH_ONLY):
            log.info(
                "public Instagram monitor: delivery %s (%s) has Graph API figures; left alone",
                delivery.id,
                code,
            )
            outcome.skipped.append(code)
            continue
        snapshot = MetricSnapshot(
            delivery_id=delivery.id,
            collected_at=now,
            raw=dict(post.metrics.raw),
            **{name: getattr(post.metrics, name) for name in METRICS},
        )
        db.session.add(snapshot)
        pairs.append((delivery, snapshot))
        outcome.matched.append(code)
        outcome.snapshots += 1
    rollups.apply_snapshots(db.session, pairs, office_zone())


def _deliveries(posts: Iterable[PublicPost], channel_ids: list[int]) -> dict[str, Delivery]:
    """Our published Instagram deliveries among ``posts``, by shortcode."""
    posts = list(posts)
    codes = {p.shortcode for p in posts}
    by_media_id = {p.media_id: p.shortcode for p in posts}
    candidates = db.session.scalars(
        select(Delivery).where(
            Delivery.channel_id.in_(channel_ids),
            Delivery.state == DeliveryState.published,
            or_(
                Delivery.remote_id.in_(codes | set(by_media_id)),
                *[Delivery.url.contains(f"/{code}", autoescape=True) for code in codes],
            ),
        )
    )
    found: dict[str, Delivery] = {}
    for delivery in candidates:
        code = shortcode_from_url(delivery.url)
        if code not in codes:
            code = by_media_id.get(delivery.remote_id or "") or (
                delivery.remote_id if delivery.remote_id in codes else None
            )
        if code is not None:
            found.setdefault(code, delivery)
    return found


__all__ = ["Outcome", "monitor_for", "read_and_store"]
