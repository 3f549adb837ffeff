"""Reading figures from the networks: enrol published deliveries, claim what is due, collect.

One pass of the beat (:func:`plan_pass`) enrols newly published deliveries in the schedule,
then claims the due ones with a lease and groups them per channel: one task per channel and
pass, so a network is asked by one worker at a time (its rate limits) and the ``sync`` queue
never fills with hundreds of small tasks that would crowd out publishing on a shared worker.

:func:`collect_channel` asks the connector for up to ``batch`` posts per request (X looks up 100
tweets per call, YouTube 50 videos, Graph 50 ids), stores one snapshot per post with the raw
answer, folds it into the rollups and moves each row to its next grid point, committing per
request. Typed connector errors decide what happens to the rest:

- ``RateLimited``/``Transient``: keep the rows due, leased until ``retry_after`` (or 5 minutes);
- ``AuthExpired``: stop for this channel (its login is the channel page's business);
- ``Rejected``: skip to the next grid point with the reason noted;
- ``Unsupported``: the network has no post figures: the rows leave the schedule.

Every function takes ``now``: the tests move time by passing it, never by sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select, update

from hub.config import Settings
from hub.connectors.base import (
    AuthExpired,
    Capability,
    Connector,
    ConnectorError,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import ConnectorFactory, connector_class
from hub.extensions import db
from hub.metrics import rollups
from hub.metrics.days import local_day, office_zone
from hub.metrics.figures import METRICS
from hub.metrics.schedule import HORIZON, next_due
from hub.metrics.settings import MetricsSettings
from hub.metrics.upsert import upsert
from hub.models import (
    AccountSnapshot,
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    MetricSchedule,
    MetricSnapshot,
    Network,
)

log = logging.getLogger(__name__)
# A post missing from this many answers in a row is taken as deleted on the network.
MAX_MISSES = 3
DEFAULT_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """Due deliveries of one channel, leased until ``lease_until`` (also the claim's token)."""

    channel_id: int
    delivery_ids: tuple[int, ...]
    lease_until: datetime


@dataclass
class Outcome:
    """What one collection did, for logs and tests."""

    snapshots: int = 0
    missing: int = 0
    error: str | None = None
    finished: list[int] = field(default_factory=list)


def app_settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def metrics_settings() -> MetricsSettings:
    return MetricsSettings.from_settings(app_settings())


def default_connector(channel: Channel) -> Connector:
    """The channel's connector, its login renewed first where it is about to expire."""
    from hub.publishing.tokens import connector_with_fresh_login

    return connector_with_fresh_login(channel, app_settings())


def offers(network: str, capability: Capability) -> bool:
    """Does hub's connector for ``network`` offer ``capability`` (without building one)?"""
    try:
        return capability in connector_class(network).capabilities
    except (Unsupported, ImportError):
        return False


# ---------------------------------------------------------------------------------------------
# The beat's pass


def enrol(now: datetime, cfg: MetricsSettings, zone: ZoneInfo) -> int:
    """Put published deliveries that have no schedule yet on it; returns how many."""
    horizon = now - HORIZON / cfg.speedup
    found = db.session.execute(
        select(Delivery.id, Delivery.channel_id, Delivery.published_at, Channel.network)
        .join(Channel, Channel.id == Delivery.channel_id)
        .outerjoin(MetricSchedule, MetricSchedule.delivery_id == Delivery.id)
        .where(
            Delivery.state == DeliveryState.published,
            Delivery.published_at.is_not(None),
            Delivery.published_at > horizon,
            # A post made by hand (manual channel) has no id anywhere but counts as a post.
            or_(Delivery.remote_id.is_not(None), Channel.network == Network.manual),
            MetricSchedule.delivery_id.is_(None),
        )
    ).all()
    if not found:
        return 0
    rows = [
        {
            "delivery_id": row.id,
            "channel_id": row.channel_id,
            "published_at": row.published_at,
            # The first grid point; one already past is due at once (late enrolment). A post
            # made by hand is never due: no network to ask, so no figures (shown as "–").
            "next_due_at": None
            if row.network == Network.manual
            else max(_first_point(row.published_at, cfg), now),
            "collected": 0,
            "misses": 0,
        }
        for row in found
    ]
    upsert(db.session, MetricSchedule, rows, keys=("delivery_id",), update=())
    rollups.refresh_channel_days(
        db.session, {(row.channel_id, local_day(row.published_at, zone)) for row in found}, zone
    )
    db.session.commit()
    return len(rows)


def claim_due(now: datetime, cfg: MetricsSettings) -> list[Claim]:
    """Lease the due rows of active channels, at most ``per_channel`` each; commits."""
    lease_until = now + timedelta(seconds=cfg.lease)
    free = or_(MetricSchedule.lease_until.is_(None), MetricSchedule.lease_until < now)
    due = db.session.execute(
        select(MetricSchedule.delivery_id, MetricSchedule.channel_id, Channel.network)
        .join(Channel, Channel.id == MetricSchedule.channel_id)
        .where(
            MetricSchedule.next_due_at <= now,
            free,
            Channel.status == ChannelStatus.active,
        )
        .order_by(MetricSchedule.next_due_at)
    ).all()
    per_channel: dict[int, list[int]] = {}
    for row in due:
        ids = per_channel.setdefault(row.channel_id, [])
        if len(ids) < cfg.per_channel:
            ids.append(row.delivery_id)
    claims = []
    for channel_id, ids in per_channel.items():
        db.session.execute(
            update(MetricSchedule)
            .where(MetricSchedule.delivery_id.in_(ids), free)
            .values(lease_until=lease_until)
        )
        # Only what this pass leased (another beat may have been faster: never both).
        mine = db.session.scalars(
            select(MetricSchedule.delivery_id).where(
                MetricSchedule.delivery_id.in_(ids), MetricSchedule.lease_until == lease_until
            )
        ).all()
        if mine:
            claims.append(Claim(channel_id, tuple(sorted(mine)), lease_until))
    db.session.commit()
    return claims


def plan_pass(now: datetime, cfg: MetricsSettings | None = None) -> list[Claim]:
    """Enrol, then claim: what the beat hands to the workers."""
    cfg = cfg or metrics_settings()
    enrol(now, cfg, office_zone())
    return claim_due(now, cfg)


def due_accounts(now: datetime, cfg: MetricsSettings | None = None) -> list[int]:
    """Active channels whose follower figure is older than a day (on the schedule's clock)."""
    cfg = cfg or metrics_settings()
    since = now - timedelta(seconds=cfg.account_interval * 0.95)
    latest = (
        select(AccountSnapshot.channel_id)
        .where(AccountSnapshot.collected_at > since)
        .distinct()
        .scalar_subquery()
    )
    channels = db.session.execute(
        select(Channel.id, Channel.network).where(
            Channel.status == ChannelStatus.active, Channel.id.not_in(latest)
        )
    ).all()
    return [c.id for c in channels if offers(c.network, Capability.account_metrics)]


# ---------------------------------------------------------------------------------------------
# The worker's part


def collect_channel(
    claim: Claim,
    now: datetime,
    *,
    cfg: MetricsSettings | None = None,
    connector_factory: ConnectorFactory = default_connector,
) -> Outcome:
    """Read the figures of the claimed deliveries and store them (commits per request)."""
    cfg = cfg or metrics_settings()
    zone = office_zone()
    outcome = Outcome()
    rows = list(
        db.session.execute(
            select(MetricSchedule, Delivery)
            .join(Delivery, Delivery.id == MetricSchedule.delivery_id)
            .where(
                MetricSchedule.delivery_id.in_(claim.delivery_ids),
                MetricSchedule.lease_until == claim.lease_until,
            )
            .order_by(MetricSchedule.delivery_id)
        ).tuples()
    )
    channel = db.session.get(Channel, claim.channel_id)
    if not rows:
        return outcome
    if channel is None or not channel.is_usable:
        _release(rows, now, None)
        db.session.commit()
        return outcome
    if not offers(channel.network, Capability.post_metrics):
        _finish(rows, "This network offers no post figures.", outcome)
        db.session.commit()
        return outcome
    from hub.publishing.tokens import FreshLogin

    login = FreshLogin(channel, connector_factory)
    for start in range(0, len(rows), cfg.batch):
        chunk = rows[start : start + cfg.batch]
        ids = [d.remote_id or "" for _, d in chunk]
        try:
            # A refused login (401) is renewed once and the figures asked for again.
            figures = login.call(lambda connector, ids=ids: connector.fetch_post_metrics(ids))
        except Unsupported as exc:
            _finish(rows[start:], exc.message, outcome)
            break
        except Transient as exc:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else DEFAULT_BACKOFF
            _release(rows[start:], now + wait, exc.message)
            outcome.error = exc.message
            break
        except AuthExpired as exc:
            _release(rows[start:], now + DEFAULT_BACKOFF, exc.message)
            outcome.error = exc.message
            break
        except (Rejected, ConnectorError) as exc:
            log.warning("figures refused for channel %s: %s", channel.id, exc)
            for schedule, _ in chunk:
                _advance(schedule, now, cfg, exc.message)
            outcome.error = exc.message
            db.session.commit()
            continue
        pairs = []
        for schedule, delivery in chunk:
            found = figures.get(delivery.remote_id or "")
            if found is None:
                schedule.misses += 1
                outcome.missing += 1
                if schedule.misses >= MAX_MISSES:
                    schedule.next_due_at = None
                    schedule.lease_until = None
                    schedule.last_error = "The post is no longer on the network."
                    outcome.finished.append(schedule.delivery_id)
                else:
                    _advance(schedule, now, cfg, "The network did not list this post.")
                continue
            snapshot = MetricSnapshot(
                delivery_id=delivery.id,
                collected_at=now,
                raw=dict(found.raw),
                **{name: getattr(found, name) for name in METRICS},
            )
            db.session.add(snapshot)
            pairs.append((delivery, snapshot))
            schedule.misses = 0
            schedule.collected += 1
            schedule.last_collected_at = now
            _advance(schedule, now, cfg, None)
            outcome.snapshots += 1
        rollups.apply_snapshots(db.session, pairs, zone)
        db.session.commit()
    db.session.commit()
    return outcome


def collect_account(
    channel_id: int,
    now: datetime,
    *,
    connector_factory: ConnectorFactory = default_connector,
) -> AccountSnapshot | None:
    """Read and store the channel's followers; None if the network cannot say right now."""
    channel = db.session.get(Channel, channel_id)
    if channel is None or not channel.is_usable:
        return None
    from hub.publishing.tokens import FreshLogin

    try:
        figures = FreshLogin(channel, connector_factory).call(
            lambda connector: connector.fetch_account_metrics()
        )
    except ConnectorError as exc:
        log.info("no account figures for channel %s: %s", channel_id, exc)
        return None
    snapshot = AccountSnapshot(
        channel_id=channel_id, collected_at=now, followers=figures.followers, raw=dict(figures.raw)
    )
    db.session.add(snapshot)
    db.session.flush()
    if figures.followers is not None:
        rollups.apply_account_snapshot(db.session, snapshot, office_zone())
    db.session.commit()
    return snapshot


def _first_point(published_at: datetime, cfg: MetricsSettings) -> datetime:
    return next_due(published_at, published_at, cfg.speedup) or published_at


def _advance(
    schedule: MetricSchedule, now: datetime, cfg: MetricsSettings, error: str | None
) -> None:
    schedule.next_due_at = next_due(schedule.published_at, now, cfg.speedup)
    schedule.lease_until = None
    schedule.last_error = error


def _release(
    rows: Sequence[tuple[MetricSchedule, Delivery]], until: datetime | None, error: str | None
) -> None:
    """Keep the rows due; nobody takes them again before ``until`` (None: right away)."""
    for schedule, _ in rows:
        schedule.lease_until = until
        schedule.last_error = error


def _finish(rows: Sequence[tuple[MetricSchedule, Delivery]], reason: str, outcome: Outcome) -> None:
    for schedule, _ in rows:
        schedule.next_due_at = None
        schedule.lease_until = None
        schedule.last_error = reason
        outcome.finished.append(schedule.delivery_id)


__all__ = [
    "Claim",
    "Outcome",
    "claim_due",
    "collect_account",
    "collect_channel",
    "due_accounts",
    "enrol",
    "plan_pass",
]
