"""``/metrics`` for Prometheus: hub's figures, read from the database when scraped.

Every figure is a database fact (deliveries by state and network, how late posts went out,
comment sync lag, login expiry, open inbox items, the dispatcher) or asked of the broker (queue
lengths), computed by one :class:`HubCollector` at scrape time with a few aggregate queries. So
it does not matter which gunicorn worker or host answers the scrape, and no process keeps
counters that would need prometheus-client's multi-process mode. Should a process-local metric
be added later, set ``PROMETHEUS_MULTIPROC_DIR`` (one empty folder per host, shared by gunicorn
and Celery processes): the registry then also collects the files those processes write.

Served behind a bearer token (``HUB_METRICS_TOKEN``): without the setting the URL does not
exist (404), without the right token it answers 401. hub sends no e-mail, so there is no
"failed mails" figure.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from hub.config import Settings
from hub.extensions import csrf, db
from hub.models import Announcement, Channel, Comment, Delivery, DeliveryState
from hub.models.comment import CommentStatus
from hub.models.comment_sync import CommentSync
from hub.models.types import utcnow
from hub.observability import broker

log = logging.getLogger(__name__)

#: Published deliveries of this recent past make the lag figures.
LAG_WINDOW = timedelta(hours=1)
OPEN_STATUSES = (CommentStatus.new, CommentStatus.assigned)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class HubCollector(Collector):
    """hub's figures, computed per scrape inside the app's context."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        with self.app.app_context():
            try:
                now = utcnow()
                yield self._deliveries()
                yield from self._publish_lag(now)
                yield from self._dispatcher(now)
                yield from self._channels(now)
                yield self._open_inbox()
            finally:
                db.session.remove()
            yield from self._queues()

    def _deliveries(self) -> Metric:
        family = GaugeMetricFamily(
            "hub_deliveries",
            "Deliveries (one post on one channel) by state and network.",
            labels=["state", "network"],
        )
        rows = db.session.execute(
            select(Delivery.state, Channel.network, func.count())
            .join(Channel, Channel.id == Delivery.channel_id)
            .group_by(Delivery.state, Channel.network)
        )
        for state, network, count in rows:
            family.add_metric([str(state), str(network)], count)
        return family

    def _publish_lag(self, now: datetime) -> Iterator[Metric]:
        """From the time a post was due (its schedule, else its approval) to its publication,
        over the posts published in the last hour, per network."""
        due = func.coalesce(Announcement.scheduled_at, Announcement.approved_at)
        rows = db.session.execute(
            select(Channel.network, due, Delivery.published_at)
            .join(Channel, Channel.id == Delivery.channel_id)
            .join(Announcement, Announcement.id == Delivery.announcement_id)
            .where(
                Delivery.state == DeliveryState.published,
                Delivery.published_at >= now - LAG_WINDOW,
                due.is_not(None),
            )
        )
        lags: dict[str, list[float]] = {}
        for network, due_at, published_at in rows:
            lag = (_aware(published_at) - _aware(due_at)).total_seconds()
            lags.setdefault(str(network), []).append(max(lag, 0.0))
        highest = GaugeMetricFamily(
            "hub_publish_lag_max_seconds",
            "Longest time from due to published among posts published in the last hour.",
            labels=["network"],
        )
        mean = GaugeMetricFamily(
            "hub_publish_lag_mean_seconds",
            "Mean time from due to published among posts published in the last hour.",
            labels=["network"],
        )
        for network, values in sorted(lags.items()):
            highest.add_metric([network], max(values))
            mean.add_metric([network], sum(values) / len(values))
        return [highest, mean]

    def _dispatcher(self, now: datetime) -> Iterator[Metric]:
        from hub.publishing.dispatch_health import last_pass_at, oldest_waiting_due

        last = last_pass_at()
        if last is not None:
            yield GaugeMetricFamily(
                "hub_dispatch_last_pass_timestamp_seconds",
                "When the dispatcher last finished a pass (Unix time).",
                value=_aware(last).timestamp(),
            )
        oldest = oldest_waiting_due(now)
        yield GaugeMetricFamily(
            "hub_due_waiting_seconds",
            "How long the longest-waiting due post has waited to go out (0: none waits).",
            value=(now - oldest).total_seconds() if oldest is not None else 0.0,
        )

    def _channels(self, now: datetime) -> Iterator[Metric]:
        labels = ["channel_id", "channel", "network"]
        lag = GaugeMetricFamily(
            "hub_comment_sync_lag_seconds",
            "Time since each channel's comments were last synced.",
            labels=labels,
        )
        rows = db.session.execute(
            select(Channel.id, Channel.name, Channel.network, CommentSync.last_synced_at)
            .join(CommentSync, CommentSync.channel_id == Channel.id)
            .where(CommentSync.last_synced_at.is_not(None))
        )
        for channel_id, name, network, synced in rows:
            lag.add_metric(
                [str(channel_id), name, str(network)], (now - _aware(synced)).total_seconds()
            )
        expiry = GaugeMetricFamily(
            "hub_channel_login_expires_days",
            "Days until each channel's login expires (negative: expired).",
            labels=labels,
        )
        rows = db.session.execute(
            select(Channel.id, Channel.name, Channel.network, Channel.token_expires_at).where(
                Channel.token_expires_at.is_not(None)
            )
        )
        for channel_id, name, network, expires in rows:
            days = (_aware(expires) - now).total_seconds() / 86400
            expiry.add_metric([str(channel_id), name, str(network)], days)
        return [lag, expiry]

    def _open_inbox(self) -> Metric:
        family = GaugeMetricFamily(
            "hub_inbox_open_items",
            "Citizens' comments in the inbox not yet dealt with (new or assigned), per channel.",
            labels=["channel_id", "channel", "network"],
        )
        rows = db.session.execute(
            select(Channel.id, Channel.name, Channel.network, func.count(Comment.id))
            .join(Comment, Comment.channel_id == Channel.id)
            .where(Comment.is_own.is_(False), Comment.status.in_(OPEN_STATUSES))
            .group_by(Channel.id, Channel.name, Channel.network)
        )
        for channel_id, name, network, count in rows:
            family.add_metric([str(channel_id), name, str(network)], count)
        return family

    def _queues(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hub_broker_up", "1 when the broker answered this scrape.")
        try:
            with self.app.app_context():
                lengths = broker.queue_lengths()
        except Exception as exc:
            log.warning("metrics: broker unreachable: %r", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily(
            "hub_queue_length", "Messages waiting in each broker queue.", labels=["queue"]
        )
        for name, length in lengths.items():
            family.add_metric([name], length)
        yield family


def make_registry(app: Flask) -> CollectorRegistry:
    """A registry of the app's own (never the global one: tests build many apps)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(app))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    return registry


def _token_matches(expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


def init_metrics(app: Flask) -> None:
    registry = make_registry(app)

    @app.get("/metrics", endpoint="metrics")
    @csrf.exempt
    def metrics() -> Response:
        settings: Settings = current_app.config["HUB_SETTINGS"]
        if not settings.metrics_token:
            abort(404)
        if not _token_matches(settings.metrics_token):
            return Response("unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
