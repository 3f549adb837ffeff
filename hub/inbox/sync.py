"""Comment sync per channel: incremental, resumable, paced, and never in the way of publishing.

One ``comment_sync`` row per channel holds the connector's cursor and hub's schedule per post.

- **Which posts.** Our published posts of the last ``HUB_INBOX_WINDOW_DAYS`` days; recent posts
  are looked at more often than old ones (every sync for a day, every 5th for a week, then every
  30th), and every 10th look of a post is a full listing that catches edits and deletions.
  Mentions (X) come with every sync.
- **Cursors.** After each page the comments and the new cursor are committed together, so a
  crash or a restart resumes where the last page ended: nothing fetched twice in bulk, nothing
  skipped.
- **Pace.** A channel is synced by one worker at a time (a lease on its row), at most
  ``HUB_INBOX_SYNC_CONCURRENCY`` channels at once across the deployment, on the ``sync`` queue:
  publishing and moderation actions have their own queues and never wait behind a sync. A 429
  waits as long as the network asks; other faults back off; a unit quota (YouTube) is spent only
  up to ``HUB_INBOX_QUOTA_SHARE`` of the day's units, leaving the rest for uploads.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from hub import audit
from hub.config import Settings
from hub.connectors.base import (
    AuthExpired,
    Capability,
    CommentPage,
    Connector,
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import (
    CONNECTORS,
    ConnectorFactory,
    connector_class,
)
from hub.extensions import db
from hub.inbox.claims import claim
from hub.inbox.folding import Matcher
from hub.inbox.ingest import Batch, copies_rows, mark_missing, prepare, store_batch
from hub.inbox.rules import load_matcher
from hub.models import Channel, ChannelStatus, CommentSync, Delivery, DeliveryState
from hub.models.types import utcnow
from hub.publishing.channels import flag_needs_login
from hub.publishing.tokens import FreshLogin, connector_with_fresh_login

log = logging.getLogger(__name__)

SYNC_LEASE = timedelta(minutes=10)
CALLS_PER_RUN = 6  # fetch_comments calls per sync run; the rest follows right after
POSTS_PER_SYNC = 500
# How often a post is looked at, by its age: multiples of HUB_INBOX_SYNC_INTERVAL.
TIERS: tuple[tuple[timedelta | None, int], ...] = (
    (timedelta(days=1), 1),
    (timedelta(days=7), 5),
    (None, 30),
)
FULL_EVERY = 10  # every 10th look of a post lists it completely (edits, deletions)
REST_SECONDS = 24 * 3600  # a post the network refused is asked about again after a day
MAX_BACKOFF = 900.0
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")  # Google's quota day


def settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def default_connector(channel: Channel) -> Connector:
    """The channel's connector, its login renewed first where it is about to expire."""
    return connector_with_fresh_login(channel, settings())


def syncable_networks() -> list[str]:
    """Networks whose connector can list comments (others are never scheduled)."""
    networks = []
    for network in CONNECTORS:
        try:
            if Capability.fetch_comments in connector_class(network).capabilities:
                networks.append(network)
        except (ImportError, Unsupported):  # a connector that cannot load: nothing to sync
            log.warning("comment sync: the %s connector cannot be loaded", network)
    return networks


# ---------------------------------------------------------------------------------------------
# Scheduling: which channels now, which posts now


def ensure_rows(now: datetime) -> None:
    """A ``comment_sync`` row for every channel that has none yet (due at once)."""
    missing = db.session.scalars(
        select(Channel.id)
        .outerjoin(CommentSync, CommentSync.channel_id == Channel.id)
        .where(CommentSync.channel_id.is_(None))
    ).all()
    for channel_id in missing:
        try:
            with db.session.begin_nested():
                db.session.add(CommentSync(channel_id=channel_id, next_sync_at=now))
        except IntegrityError:  # another dispatcher made it first
            log.debug("comment_sync row for channel %s exists already", channel_id)


def claim_due(now: datetime, networks: Sequence[str] | None = None) -> list[tuple[int, str]]:
    """Claim channels due for a sync, within the deployment-wide concurrency; returns
    ``(channel id, lease token)`` pairs. Not committed."""
    ensure_rows(now)
    busy = db.session.scalar(
        select(func.count()).select_from(CommentSync).where(CommentSync.lease_until > now)
    )
    free = settings().inbox_sync_concurrency - int(busy or 0)
    networks = list(networks if networks is not None else syncable_networks())
    if free <= 0 or not networks:
        return []
    candidates = (
        select(CommentSync.channel_id, CommentSync.lease_token)
        .join(Channel, Channel.id == CommentSync.channel_id)
        .where(
            Channel.status == ChannelStatus.active,
            Channel.network.in_(networks),
            or_(CommentSync.next_sync_at.is_(None), CommentSync.next_sync_at <= now),
            or_(CommentSync.lease_until.is_(None), CommentSync.lease_until < now),
        )
        .order_by(CommentSync.next_sync_at, CommentSync.channel_id)
        .limit(free)
    )
    token = uuid.uuid4().hex
    ids = claim(
        CommentSync,
        CommentSync.channel_id,
        candidates,
        {"lease_token": token, "lease_until": now + SYNC_LEASE},
        lambda row: CommentSync.lease_token.is_not_distinct_from(row[1]),
    )
    return [(channel_id, token) for channel_id in ids]


def tier(age: timedelta) -> int:
    for limit, factor in TIERS:
        if limit is None or age < limit:
            return factor
    return TIERS[-1][1]


@dataclass
class DuePosts:
    incremental: list[str] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    schedule: dict[str, Any] = field(default_factory=dict)


def posts_due(
    channel_id: int,
    schedule: dict[str, Any],
    now: datetime,
    force_full: bool = False,
    every_post: bool = False,
) -> DuePosts:
    """Our posts on the channel to look at now, and which of them to list completely."""
    cfg = settings()
    base = cfg.inbox_sync_interval
    rows = db.session.execute(
        select(Delivery.remote_id, Delivery.published_at)
        .where(
            Delivery.channel_id == channel_id,
            Delivery.state == DeliveryState.published,
            Delivery.remote_id.is_not(None),
            Delivery.published_at >= now - timedelta(days=cfg.inbox_window_days),
        )
        .order_by(Delivery.published_at.desc())
        .limit(POSTS_PER_SYNC)
    ).all()
    due = DuePosts()
    stamp = now.timestamp()
    for remote_id, published_at in rows:
        entry = dict(schedule.get(remote_id) or {})
        due.schedule[remote_id] = entry  # posts out of the window are forgotten
        if float(entry.get("rest_until", 0)) > stamp:
            continue  # the network refused this post lately (deleted there?)
        every = base * tier(now - (published_at or now))
        if force_full or stamp - float(entry.get("full", 0)) >= every * FULL_EVERY - base / 2:
            due.full.append(remote_id)
        elif every_post or stamp - float(entry.get("checked", 0)) >= every - base / 2:
            due.incremental.append(remote_id)
    return due


def quota_day(now: datetime) -> str:
    return now.astimezone(QUOTA_ZONE).date().isoformat()


def next_quota_day(now: datetime) -> datetime:
    local = now.astimezone(QUOTA_ZONE)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(now.tzinfo)


def quota_left(channel: Channel, cls: type[Connector], now: datetime) -> float | None:
    """Units the sync may still spend today on this network; None: no unit quota."""
    if not cls.daily_quota_units:
        return None
    used = db.session.scalar(
        select(func.coalesce(func.sum(CommentSync.quota_units), 0))
        .join(Channel, Channel.id == CommentSync.channel_id)
        .where(Channel.network == channel.network, CommentSync.quota_day == quota_day(now))
    )
    return cls.daily_quota_units * settings().inbox_quota_share - float(used or 0)


# ---------------------------------------------------------------------------------------------
# One sync run


class LeaseLost(Exception):
    """Someone else holds the channel's sync now (our lease expired)."""


@dataclass
class Run:
    state: CommentSync
    channel: Channel
    token: str
    connector: Connector
    now: datetime
    cursor: dict[str, Any]
    schedule: dict[str, Any]
    calls: int = 0
    fetched: int = 0
    more: bool = False
    problem: str | None = None  # something to tell although the sync went through

    def save(self, units: int) -> None:
        """Commit the page's comments with the cursor, if the lease is still ours.

        PostgreSQL is not made to wait for the disk at this commit (``synchronous_commit``
        off, for this transaction only): a crash of the database server may lose the last
        moments' commits, but each takes its cursor with it, so the next sync reads those
        comments again and the upsert takes them in once. What a moderator does is committed
        as usual. At a million comments the waits were several percent of a first sync.
        """
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL synchronous_commit = off"))
        day = quota_day(self.now)
        spent = units + (self.state.quota_units if self.state.quota_day == day else 0)
        changed = db.session.execute(
            update(CommentSync)
            .where(CommentSync.channel_id == self.channel.id, CommentSync.lease_token == self.token)
            .values(
                cursor=self.cursor,
                posts=self.schedule,
                quota_day=day,
                quota_units=spent,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            db.session.rollback()
            raise LeaseLost
        db.session.commit()
        # What the next page's save reads, known without reading the row (and its cursor and
        # schedule, tens of kilobytes of JSON at 500 posts) back after every page.
        set_committed_value(self.state, "quota_day", day)
        set_committed_value(self.state, "quota_units", spent)

    def fetch(self, posts: list[str], full: bool) -> None:
        """Read ``posts`` (and mentions). A post the network refuses (deleted there, no longer
        ours) must not stop the others: the refused call is repeated post by post, and a post
        refused on its own rests for a day (``problem`` says so). If every post is refused and
        the account alone is refused too, it is the channel's problem and the error goes up."""
        try:
            self._fetch(posts, full)
        except Rejected:
            if not posts:
                raise
            refused: list[tuple[str, Rejected]] = []
            for post in posts:
                try:
                    self._fetch([post], full)
                except Rejected as exc:
                    refused.append((post, exc))
            if len(refused) == len(posts):
                self._fetch([], False)  # raises if the account itself is refused
            stamp = utcnow().timestamp()
            for post, exc in refused:
                log.warning(
                    "comment sync of channel %s: post %s refused: %s", self.channel.id, post, exc
                )
                entry = self.schedule.setdefault(post, {})
                entry.update(rest_until=stamp + REST_SECONDS, refused=exc.message[:300])
            if refused:
                self.problem = _(
                    "%(network)s refused the comments of %(n)s posts (deleted there?): %(reason)s",
                    network=self.channel.network,
                    n=len(refused),
                    reason=refused[-1][1].message,
                )
                self.save(0)

    def _fetch(self, posts: list[str], full: bool) -> None:
        """Page through one kind of listing until done or the run's budget is spent.

        While a page is stored, the next one is already being read and prepared (rules, clean
        text, rows; one thread, one call ahead): the network's answer time and hub's own work
        on a page overlap with the database's time instead of adding up. Only a call the run
        would make anyway is started early, with the cursor the page ends at, so the network
        sees the same calls in the same order; an error of the early call surfaces where the
        call would have been made, after the page before it is saved.
        """
        listed_since = utcnow()
        seen: dict[str, set[str]] = {post: set() for post in posts}
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        ahead = Ahead(
            app,
            self.connector,
            self.channel.id,
            load_matcher(),
            for_copy=copies_rows(),
        )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="comment-fetch") as thread:
            upcoming = thread.submit(ahead.read, self.cursor, posts, full)
            while True:
                page, batch = upcoming.result()
                self.calls += 1
                if page.more and self.calls < CALLS_PER_RUN:
                    upcoming = thread.submit(ahead.read, page.cursor, posts, full)
                self.fetched += store_batch(batch)
                for item in page.items:
                    if item.post_remote_id in seen:
                        seen[item.post_remote_id].add(item.remote_id)
                for post in page.complete:
                    if post in seen:
                        mark_missing(self.channel.id, post, seen[post], listed_since)
                self.cursor = dict(page.cursor)
                if not page.more:
                    stamp = utcnow().timestamp()
                    for post in posts:
                        entry = self.schedule.setdefault(post, {})
                        entry["checked"] = stamp
                        if full:
                            entry["full"] = stamp
                self.save(page.units)
                if not page.more:
                    return
                if self.calls >= CALLS_PER_RUN:
                    self.more = True
                    return


@dataclass(frozen=True)
class Ahead:
    """What the read-ahead thread needs, taken from the run beforehand: the thread must not
    touch the run's database session or its (expiring) ORM objects."""

    app: Flask
    connector: Connector
    channel_id: int
    matcher: Matcher
    for_copy: bool

    def read(
        self, cursor: dict[str, Any], posts: list[str], full: bool
    ) -> tuple[CommentPage, Batch]:
        """One ``fetch_comments`` call and its page prepared for storing, in the app's context
        (its messages in the office's language) whichever thread makes it."""
        with self.app.app_context():
            if full:
                page = self.connector.fetch_comments(cursor, posts, full=True)
            else:
                page = self.connector.fetch_comments(cursor, posts)
        return page, prepare(self.channel_id, page.items, self.matcher, for_copy=self.for_copy)


def _accepts_full(connector: Connector) -> bool:
    """Connectors written before ``full`` was part of the contract only list incrementally."""
    return "full" in inspect.signature(connector.fetch_comments).parameters


def _finish(state: CommentSync, token: str, **values: Any) -> bool:
    changed = db.session.execute(
        update(CommentSync)
        .where(CommentSync.channel_id == state.channel_id, CommentSync.lease_token == token)
        .values(lease_token=None, lease_until=None, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def _backoff(errors: int, interval: float, retry_after: float | None = None) -> timedelta:
    seconds = min(MAX_BACKOFF, interval * 2 ** max(errors - 1, 0))
    return timedelta(seconds=max(seconds, retry_after or 0.0))


def _channel_needs_login(channel: Channel, exc: AuthExpired) -> None:
    if flag_needs_login(channel, exc.message):
        audit.record("channel.needs_reauth", channel, reason=exc.message, by="comment sync")


def run_sync(
    channel_id: int,
    token: str,
    connector_factory: ConnectorFactory | None = None,
    *,
    full: bool = False,
    every_post: bool = False,
) -> str:
    """Sync one claimed channel. Returns "synced", "more", "skipped" or the error's code.

    ``full``: list every post in the window completely now; ``every_post``: look at every post
    in the window now (a person asked), not only those due."""
    state = db.session.get(CommentSync, channel_id)
    if state is None or state.lease_token != token:
        return "skipped"
    channel = db.session.get(Channel, channel_id)
    now = utcnow()
    interval = timedelta(seconds=settings().inbox_sync_interval)
    if channel is None or not channel.is_usable:
        _finish(state, token, next_sync_at=now + interval)
        return "skipped"
    try:
        login = FreshLogin(channel, connector_factory or default_connector)
    except Unsupported as exc:
        _finish(state, token, next_sync_at=now + timedelta(days=1), last_error=exc.message)
        return exc.code
    connector = login.connector
    left = quota_left(channel, type(connector), now)
    if left is not None and left <= 0:
        message = _("The daily share of the network's quota for comments is used up.")
        _finish(state, token, next_sync_at=next_quota_day(now), last_error=message)
        return "quota"
    schedule = dict(state.posts or {})
    due = posts_due(channel_id, schedule, now, force_full=full, every_post=every_post)
    if not _accepts_full(connector):
        due.incremental += due.full
        due.full = []
    run = Run(state, channel, token, connector, now, dict(state.cursor or {}), due.schedule)

    def read(connector: Connector) -> None:
        # Complete listings first, and nothing else until they are done: a connector keeps one
        # unfinished round in its cursor, and an incremental call ending its own round would
        # send a complete listing left unfinished by the last run back to its beginning (more
        # posts than one run's budget then never finish). An incremental round cut short loses
        # nothing that way: its positions are kept per post.
        run.connector = connector
        if due.full and not run.more:
            run.fetch(due.full, full=True)
        if not run.more:
            run.fetch(due.incremental, full=False)

    try:
        # A refused login (401) is renewed once and the reading goes on from the stored cursor.
        login.call(read)
    except LeaseLost:
        log.warning("comment sync of channel %s lost its lease", channel_id)
        return "skipped"
    except RateLimited as exc:
        log.info("comment sync of channel %s rate limited: %s", channel_id, exc)
        wait = _backoff(1, interval.total_seconds(), exc.retry_after)
        return _failed(state, token, now + wait, exc, errors=state.error_count)
    except Transient as exc:
        log.warning("comment sync of channel %s: %s", channel_id, exc)
        errors = state.error_count + 1
        return _failed(state, token, now + _backoff(errors, 30.0), exc, errors=errors)
    except AuthExpired as exc:
        db.session.rollback()
        _channel_needs_login(channel, exc)
        errors = state.error_count + 1
        return _failed(state, token, now + interval, exc, errors=errors, rollback=False)
    except ConnectorError as exc:  # Rejected, Unsupported: try again much later
        log.warning("comment sync of channel %s refused: %s", channel_id, exc)
        return _failed(state, token, now + interval * FULL_EVERY, exc, errors=state.error_count + 1)
    except Exception as exc:
        log.exception("comment sync of channel %s raised", channel_id)
        db.session.rollback()
        errors = state.error_count + 1
        error = Transient(_("Unexpected error while reading comments."), detail=repr(exc))
        return _failed(state, token, now + _backoff(errors, 60.0), error, errors=errors)
    _finish(
        state,
        token,
        next_sync_at=now if run.more else now + interval,
        last_synced_at=utcnow(),
        last_error=run.problem,
        error_count=0,
    )
    log.info(
        "comment sync of channel %s: %s comments in %s calls", channel_id, run.fetched, run.calls
    )
    return "more" if run.more else "synced"


def _failed(
    state: CommentSync,
    token: str,
    next_at: datetime,
    exc: ConnectorError,
    *,
    errors: int,
    rollback: bool = True,
) -> str:
    if rollback:
        db.session.rollback()
    _finish(state, token, next_sync_at=next_at, last_error=exc.message, error_count=errors)
    return exc.code


def sync_now(
    channel: Channel,
    connector_factory: ConnectorFactory | None = None,
    *,
    full: bool = False,
    every_post: bool = True,
) -> str:
    """Sync one channel right away, every post in the window (a person asked, a test), unless
    another worker is syncing it. Commits."""
    now = utcnow()
    ensure_rows(now)
    token = uuid.uuid4().hex
    taken = db.session.execute(
        update(CommentSync)
        .where(
            CommentSync.channel_id == channel.id,
            or_(CommentSync.lease_until.is_(None), CommentSync.lease_until < now),
        )
        .values(lease_token=token, lease_until=now + SYNC_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        return "busy"
    return run_sync(channel.id, token, connector_factory, full=full, every_post=every_post)
