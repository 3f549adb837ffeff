"""The delivery state machine: due announcements become deliveries, each published exactly once.

The database is the source of truth; the broker only carries hints ("look at delivery 42").

    pending -> queued -> sending -> published
                            |-> retry_wait -> queued   (transient, 429: backoff, Retry-After)
                            |-> failed                 (rejected, token expired)
                            '-> needs_review           (outcome unknown after a crash)
    pending -> waiting_for_person -> published | skipped   (manual channels: posted by hand)

- :func:`dispatch_due` (a beat task every few seconds) turns due announcements into deliveries,
  claims sendable ones atomically (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional
  ``UPDATE`` checked by rowcount on SQLite), re-sends hints whose message was lost, and hands
  deliveries with an expired lease to :func:`reconcile`. It returns an :class:`Outbox` that the
  caller sends only after the transaction committed.
- :func:`run_publish` takes a lease (``sending``), calls the connector once, and records what
  happened. A worker that dies mid-call leaves ``sending`` with a lease; when it expires,
  :func:`reconcile` asks the network whether the post exists. Found: ``published``. Otherwise:
  ``needs_review``. Never a blind second post.
- After an attempt whose outcome is unknown (timeout, reset, 5xx, crash), the next attempt first
  asks the network (``find_published``) before posting again.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from hub.config import Settings
from hub.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    MediaFile,
    OutgoingPost,
    Published,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import ConnectorFactory, connector_class
from hub.extensions import db
from hub.models import (
    Announcement,
    AnnouncementMedia,
    AnnouncementStatus,
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    MediaAsset,
    Network,
)
from hub.models.types import utcnow
from hub.observability.context import for_delivery
from hub.public_media import public_url
from hub.publishing import dispatch_health
from hub.publishing.channels import flag_needs_login
from hub.publishing.hold import active_hold
from hub.publishing.notify import notify_channel_needs_login
from hub.publishing.options import licence_key
from hub.publishing.rules import rules_for
from hub.publishing.tokens import FreshLogin, connector_with_fresh_login

log = logging.getLogger(__name__)

SENDABLE = (DeliveryState.pending, DeliveryState.retry_wait)
# Waiting, not in anyone's hands: what a cancel stops (a delivery that is sending finishes).
LEFTOVER_STATES = (
    DeliveryState.pending,
    DeliveryState.queued,
    DeliveryState.retry_wait,
    DeliveryState.held,
    DeliveryState.waiting_for_person,
)
WAITING_STATES = {
    DeliveryState.pending,
    DeliveryState.queued,
    DeliveryState.sending,
    DeliveryState.retry_wait,
    DeliveryState.held,
    DeliveryState.waiting_for_person,
}
# Ended without a post on purpose: the announcement is judged by its other deliveries.
LEFT_OUT_STATES = (DeliveryState.cancelled, DeliveryState.skipped)


@dataclass
class Outbox:
    """Hints to send once the transaction that made them true has committed."""

    publish: list[int] = field(default_factory=list)
    reconcile: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.publish or self.reconcile)


def settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def default_connector(channel: Channel) -> Connector:
    """The channel's connector, its login renewed first where it is about to expire."""
    return connector_with_fresh_login(channel, settings())


# ---------------------------------------------------------------------------------------------
# Dispatch


def dispatch_due(now: datetime | None = None, batch: int = 500) -> Outbox:
    """One pass of the dispatcher. Commits; returns the hints to send."""
    now = now or utcnow()
    outbox = Outbox()
    held = active_hold() is not None
    _start_due_announcements(now, held, batch)
    _cancel_leftovers()
    if not held:
        _hand_over_manual(now, batch)
        outbox.publish.extend(_claim_sendable(now, batch))
        outbox.publish.extend(_requeue_lost(now, batch))
    _flag_overdue_manual(now)
    outbox.reconcile.extend(_claim_expired_leases(now, batch))
    _note_waiting_for_login()
    db.session.commit()
    dispatch_health.record_pass()  # the pass is done: what /readyz and the admin banner read
    return outbox


def _start_due_announcements(now: datetime, held: bool, batch: int) -> None:
    due = db.session.scalars(
        select(Announcement.id)
        .where(
            Announcement.status == AnnouncementStatus.scheduled,
            Announcement.scheduled_at <= now,
        )
        .order_by(Announcement.scheduled_at)
        .limit(batch)
    ).all()
    for announcement_id in due:
        # Bumping the version makes a concurrent editor's save fail instead of reopening review.
        started = db.session.execute(
            update(Announcement)
            .where(
                Announcement.id == announcement_id,
                Announcement.status == AnnouncementStatus.scheduled,
            )
            .values(status=AnnouncementStatus.publishing, version=Announcement.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if started != 1:
            continue
        announcement = db.session.get(Announcement, announcement_id)
        db.session.refresh(announcement)
        state = DeliveryState.held if held else DeliveryState.pending
        for variant in announcement.variants:
            db.session.add(
                Delivery(
                    announcement_id=announcement_id,
                    channel_id=variant.channel_id,
                    state=state,
                    next_attempt_at=now,
                )
            )
        db.session.flush()


def _not_cancelled() -> Any:
    """Cancel is final: no delivery of a cancelled announcement is ever claimed or sent."""
    return ~(
        select(Announcement.id)
        .where(
            Announcement.id == Delivery.announcement_id,
            Announcement.status == AnnouncementStatus.cancelled,
        )
        .exists()
    )


def _cancel_leftovers() -> None:
    """Deliveries still waiting under a cancelled announcement (one that was sending when it
    was cancelled and then had to wait) are cancelled, not sent later."""
    stopped = db.session.execute(
        update(Delivery)
        .where(Delivery.state.in_(LEFTOVER_STATES), ~_not_cancelled())
        .values(state=DeliveryState.cancelled, lease_token=None, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stopped:
        log.info("%s waiting deliveries of cancelled announcements cancelled", stopped)


def _claim(
    candidates: Select[Any], values: dict[str, Any], seen: Callable[[Any], Any]
) -> list[int]:
    """Claim rows atomically; return the ids this process now owns.

    PostgreSQL locks the candidates with ``FOR UPDATE SKIP LOCKED`` so concurrent dispatchers
    split the work. SQLite has no such clause (it is silently dropped); there every row is
    claimed by an ``UPDATE ... WHERE <what we saw>`` that counts only if it changed one row.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(candidates.with_for_update(skip_locked=True)).all()
        ids = [row.id for row in rows]
        if ids:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return ids
    claimed = []
    for row in db.session.execute(candidates).all():
        changed = db.session.execute(
            update(Delivery)
            .where(Delivery.id == row.id, seen(row))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            claimed.append(row.id)
    return claimed


def _due_to_send(now: datetime, batch: int, manual: bool) -> Select[Any]:
    """Sendable deliveries whose time has come, on active channels: those of manual channels
    (no API), or those of every other network."""
    network = Channel.network == Network.manual if manual else Channel.network != Network.manual
    return (
        select(Delivery.id, Delivery.state)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(
            Delivery.state.in_(SENDABLE),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            Channel.status == ChannelStatus.active,
            network,
            _not_cancelled(),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(batch)
    )


def _claim_sendable(now: datetime, batch: int) -> list[int]:
    return _claim(
        _due_to_send(now, batch, manual=False),  # no worker ever sees a manual post
        {"state": DeliveryState.queued, "queued_at": now},
        lambda row: Delivery.state == row.state,
    )


def _hand_over_manual(now: datetime, batch: int) -> None:
    """Due posts on manual channels (no API) wait for a person instead of a worker: claimed
    like the others (so two dispatchers tell the person once), then the person is told."""
    from hub.publishing.manual import hand_over

    claimed = _claim(
        _due_to_send(now, batch, manual=True),
        {
            "state": DeliveryState.waiting_for_person,
            "first_attempt_at": func.coalesce(Delivery.first_attempt_at, now),
        },
        lambda row: Delivery.state == row.state,
    )
    hand_over(claimed)


def _flag_overdue_manual(now: datetime) -> None:
    from hub.publishing.manual import flag_overdue

    flag_overdue(now, timedelta(minutes=settings().manual_overdue_minutes))


def _requeue_lost(now: datetime, batch: int) -> list[int]:
    """Queued deliveries whose hint never ran (broker restarted, worker killed): send again.

    A duplicate hint is harmless: only one worker can move a delivery from queued to sending.
    """
    cutoff = now - timedelta(seconds=settings().requeue_after)
    candidates = (
        select(Delivery.id, Delivery.queued_at)
        .where(
            Delivery.state == DeliveryState.queued,
            Delivery.queued_at < cutoff,
            _not_cancelled(),
        )
        .order_by(Delivery.queued_at)
        .limit(batch)
    )
    return _claim(
        candidates,
        {"queued_at": now},
        lambda row: and_(
            Delivery.state == DeliveryState.queued, Delivery.queued_at == row.queued_at
        ),
    )


def _claim_expired_leases(now: datetime, batch: int) -> list[tuple[int, str]]:
    candidates = (
        select(Delivery.id, Delivery.lease_token)
        .where(Delivery.state == DeliveryState.sending, Delivery.lease_until < now)
        .limit(batch)
    )
    token = "reconcile-" + uuid.uuid4().hex[:24]
    lease = timedelta(seconds=120)
    ids = _claim(
        candidates,
        {"lease_token": token, "lease_until": now + lease},
        lambda row: and_(
            Delivery.state == DeliveryState.sending, Delivery.lease_token == row.lease_token
        ),
    )
    return [(delivery_id, token) for delivery_id in ids]


def _note_waiting_for_login() -> None:
    """Deliveries on a channel that needs a new login wait, saying why, instead of failing."""
    waiting = db.session.execute(
        select(Delivery, Channel)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(
            Delivery.state.in_(SENDABLE),
            Channel.status != ChannelStatus.active,
            Delivery.error_code.is_distinct_from("channel_unavailable"),
        )
    ).all()
    for delivery, channel in waiting:
        delivery.error_code = "channel_unavailable"
        delivery.error_message = (
            _("Waiting: the channel %(name)s needs a new login.", name=channel.name)
            if channel.status == ChannelStatus.needs_reauth
            else _("Waiting: the channel %(name)s is switched off.", name=channel.name)
        )


# ---------------------------------------------------------------------------------------------
# Publish


def lease_for(connector: type[Connector]) -> timedelta:
    """How long a worker may hold a delivery. Never shorter than a few network timeouts: a
    lease that ran out during a slow but healthy call would send the post to review."""
    cfg = settings()
    configured = cfg.publish_lease or connector.lease_seconds
    timeout = cfg.network_timeout or connector.timeout
    return timedelta(seconds=max(configured, 3 * timeout))


def outgoing_post(delivery: Delivery) -> OutgoingPost:
    """The delivery as the network will see it: final text, title where taken, media files."""
    announcement = delivery.announcement
    variant = announcement.variant_for(delivery.channel_id)
    rules = rules_for(delivery.channel.network)
    body = variant.effective_body if variant else announcement.body
    title = (
        (variant.effective_title if variant else announcement.title) if rules.takes_title else None
    )
    media_dir = settings().media_dir
    media = tuple(
        MediaFile(
            path=media_dir / asset.stored_path,
            kind=asset.kind,
            mime_type=asset.mime_type,
            size=asset.size_bytes,
            sha256=asset.sha256,
            alt_text=asset.alt_text,
            width=asset.width,
            height=asset.height,
            duration_seconds=asset.duration_seconds,
            # Networks that fetch media themselves (Instagram) get a signed, expiring link.
            public_url=public_url(settings(), asset.stored_path),
        )
        for asset in announcement.media
    )
    return OutgoingPost(
        delivery_id=delivery.id,
        text=rules.final_text(body, announcement.link),
        title=title,
        link=announcement.link,
        media=media,
        options=post_options(variant.options if variant else None, announcement.media),
        not_before=delivery.first_attempt_at,
    )


def post_options(stored: Mapping[str, Any] | None, media: Sequence[MediaAsset]) -> dict[str, Any]:
    """The network settings as connectors take them: subtitles as files, the media's licence."""
    options = dict(stored or {})
    caption_id = options.pop("captions", None)
    if caption_id is not None:
        asset = db.session.get(MediaAsset, caption_id)
        if asset is not None:
            path = settings().media_dir / asset.stored_path
            options["captions"] = [{"path": str(path), "language": "de", "name": "Deutsch"}]
    licence = next((licence_key(a.licence) for a in media if licence_key(a.licence)), None)
    if licence:
        options["licence"] = licence
    return options


def _load_for_publish(delivery_id: int) -> Delivery | None:
    """The delivery with everything a post needs, in three queries instead of a dozen."""
    return (
        db.session.scalars(
            select(Delivery)
            .where(Delivery.id == delivery_id)
            .options(
                joinedload(Delivery.channel),
                joinedload(Delivery.announcement).options(
                    selectinload(Announcement.variants),
                    selectinload(Announcement.media_links).joinedload(AnnouncementMedia.media),
                ),
            )
        )
        .unique()
        .one_or_none()
    )


@for_delivery  # every line it logs names the delivery
def run_publish(delivery_id: int, connector_factory: ConnectorFactory | None = None) -> str:
    """Publish one delivery if it is still queued; returns the state it ended in (or "skipped")."""
    factory = connector_factory or default_connector
    seen = db.session.execute(
        select(
            Delivery.state,
            Delivery.announcement_id,
            Channel.network,
            Channel.status,
            Announcement.status.label("announcement_status"),
        )
        .join(Channel, Channel.id == Delivery.channel_id)
        .join(Announcement, Announcement.id == Delivery.announcement_id)
        .where(Delivery.id == delivery_id)
    ).one_or_none()
    if seen is None or seen.state != DeliveryState.queued:
        return "skipped"
    if seen.announcement_status == AnnouncementStatus.cancelled:
        # A hint that was on its way when the announcement was cancelled: cancel is final.
        _set_if_queued(delivery_id, state=DeliveryState.cancelled)
        db.session.commit()
        return "skipped"
    if seen.status != ChannelStatus.active or seen.network == Network.manual:
        # The dispatcher will say why it waits; nothing is sent to a channel without a login,
        # and a manual channel's post goes to its person (the dispatcher's hand-over).
        _set_if_queued(delivery_id, state=DeliveryState.pending)
        db.session.commit()
        return "skipped"
    try:
        lease = lease_for(connector_class(seen.network))
    except Unsupported as exc:
        _set_if_queued(
            delivery_id, state=DeliveryState.failed, error_code=exc.code, error_message=exc.message
        )
        refresh_announcement_status(seen.announcement_id)
        db.session.commit()
        return DeliveryState.failed

    now = utcnow()
    token = uuid.uuid4().hex
    taken = _set_if_queued(
        delivery_id,
        state=DeliveryState.sending,
        lease_token=token,
        lease_until=now + lease,
        attempts=Delivery.attempts + 1,
        first_attempt_at=db.func.coalesce(Delivery.first_attempt_at, now),
    )
    db.session.commit()
    if taken != 1:
        return "skipped"

    delivery = _load_for_publish(delivery_id)
    assert delivery is not None
    post = outgoing_post(delivery)
    outcome_unknown = delivery.outcome_unknown

    def attempt(connector: Connector) -> tuple[Published, str]:
        if outcome_unknown:
            found = connector.find_published(post)
            if found is not None:
                return found, "found_before_retry"
        return connector.publish(post), "published"

    try:
        # A refused login (401) is renewed once and the attempt made again: nothing was sent.
        result, how = FreshLogin(delivery.channel, factory).call(attempt)
    except RateLimited as exc:
        return _retry_later(delivery, token, exc, outcome_unknown=False)
    except Transient as exc:
        return _retry_later(delivery, token, exc, outcome_unknown=True)
    except AuthExpired as exc:
        return _auth_expired(delivery, token, exc)
    except (Rejected, Unsupported) as exc:
        return _fail(delivery, token, exc.code, exc.message, exc.detail)
    except Exception as exc:  # a bug or an SDK surprise: the post may or may not exist
        log.exception("publish of delivery %s raised", delivery_id)
        error = Transient(_("Unexpected error while sending."), detail=repr(exc))
        return _retry_later(delivery, token, error, outcome_unknown=True)
    return _record_published(delivery, token, result, how=how)


def _set_if_queued(delivery_id: int, **values: Any) -> int:
    return db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state == DeliveryState.queued)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount


def _finish(delivery: Delivery, token: str, **values: Any) -> bool:
    """Apply an outcome only if this worker still holds the lease (one UPDATE, one commit)."""
    changed = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.state == DeliveryState.sending,
            Delivery.lease_token == token,
        )
        .values(lease_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        refresh_announcement_status(delivery.announcement_id)
    db.session.commit()
    return changed == 1


def _record_published(delivery: Delivery, token: str, result: Published, how: str) -> str:
    from hub import audit

    values = {
        "state": DeliveryState.published,
        "remote_id": result.remote_id,
        "url": result.url,
        "published_at": utcnow(),
        "error_code": None,
        # Published, but not quite as asked (a video locked to private, a refused licence).
        "error_message": result.note,
        "outcome_unknown": False,
    }
    delivery_id = delivery.id  # read before the commit expires the object
    if _finish(delivery, token, **values):
        log.info("delivery %s published as %s (%s)", delivery_id, result.remote_id, how)
        return DeliveryState.published
    # The lease was lost (reconciled meanwhile) but the network says the post exists: that is
    # the truth, so record it, unless another post was already recorded (a real duplicate).
    db.session.refresh(delivery)
    if delivery.state == DeliveryState.published and delivery.remote_id != result.remote_id:
        log.error(
            "delivery %s: duplicate post %s besides %s",
            delivery.id,
            result.remote_id,
            delivery.remote_id,
        )
        audit.record("delivery.duplicate", delivery, remote_id=result.remote_id)
        db.session.commit()
        return DeliveryState.published
    changed = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.state.in_([DeliveryState.sending, DeliveryState.needs_review]),
        )
        .values(lease_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        db.session.refresh(delivery)
        refresh_announcement_status(delivery.announcement)
    db.session.commit()
    return DeliveryState.published


def backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter, never shorter than the network asked for."""
    cfg = settings()
    ceiling = min(cfg.retry_cap, cfg.retry_base * 2 ** max(attempt - 1, 0))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


def _wait_for_limit(delivery: Delivery, token: str, exc: RateLimited) -> str:
    """The network said "not now" (a rate limit, a daily cap): nothing was sent, so this was
    no attempt. The attempt taken at the claim is given back, the delivery waits as long as the
    network asks (at least the usual pause), however often it is told so, and its message says
    when it goes out, in the office's time."""
    from hub.i18n import format_local

    log.info("delivery %s waits for a limit: %s", delivery.id, exc)
    attempts = max(delivery.attempts - 1, 0)
    due = utcnow() + timedelta(seconds=backoff(max(attempts, 1), exc.retry_after))
    _finish(
        delivery,
        token,
        state=DeliveryState.retry_wait,
        attempts=Delivery.attempts - 1,
        next_attempt_at=due,
        error_code=exc.code,
        error_message=_(
            "%(reason)s hub sends it on %(when)s; waiting does not count as an attempt.",
            reason=exc.message,
            when=format_local(due),
        ),
    )
    return DeliveryState.retry_wait


def _retry_later(delivery: Delivery, token: str, exc: Transient, *, outcome_unknown: bool) -> str:
    if isinstance(exc, RateLimited) and not outcome_unknown:
        return _wait_for_limit(delivery, token, exc)
    log.warning("delivery %s attempt %s: %s", delivery.id, delivery.attempts, exc)
    if delivery.attempts >= settings().max_attempts:
        if outcome_unknown:
            # Giving up after an unclear last attempt: a person must look, not "failed".
            _finish(
                delivery,
                token,
                state=DeliveryState.needs_review,
                outcome_unknown=True,
                error_code=exc.code,
                error_message=_(
                    "The network did not answer clearly after %(n)s attempts (%(reason)s). "
                    "Check on the network whether the post exists.",
                    n=delivery.attempts,
                    reason=exc.message,
                ),
            )
            return DeliveryState.needs_review
        return _fail(
            delivery,
            token,
            exc.code,
            _(
                "The network did not accept the post after %(n)s attempts: %(reason)s",
                n=delivery.attempts,
                reason=exc.message,
            ),
            exc.detail,
        )
    delay = backoff(delivery.attempts, exc.retry_after)
    _finish(
        delivery,
        token,
        state=DeliveryState.retry_wait,
        next_attempt_at=utcnow() + timedelta(seconds=delay),
        outcome_unknown=outcome_unknown or delivery.outcome_unknown,
        error_code=exc.code,
        error_message=_(
            "Attempt %(n)s did not go through (%(reason)s); hub tries again by itself.",
            n=delivery.attempts,
            reason=exc.message,
        ),
    )
    return DeliveryState.retry_wait


def _fail(delivery: Delivery, token: str, code: str, message: str, detail: str | None) -> str:
    log.warning("delivery %s failed (%s): %s | %s", delivery.id, code, message, detail)
    _finish(
        delivery,
        token,
        state=DeliveryState.failed,
        error_code=code,
        error_message=message,
        outcome_unknown=False,
    )
    return DeliveryState.failed


def _auth_expired(delivery: Delivery, token: str, exc: AuthExpired) -> str:
    """Fail this delivery and mark the channel, in one transaction: whoever sees the failure
    also sees the channel waiting for a new login (and its other posts wait, not fail)."""
    from hub import audit

    channel = delivery.channel
    if flag_needs_login(channel, exc.message):
        db.session.refresh(channel)
        audit.record("channel.needs_reauth", channel, reason=exc.message)
        notify_channel_needs_login(channel, delivery.announcement)
    return _fail(
        delivery,
        token,
        exc.code,
        _(
            "The login of channel %(name)s has expired or was revoked. An admin must connect "
            "the channel again; then retry.",
            name=channel.name,
        ),
        exc.detail,
    )


# ---------------------------------------------------------------------------------------------
# Reconcile


@for_delivery  # every line it logs names the delivery
def reconcile(
    delivery_id: int, token: str, connector_factory: ConnectorFactory | None = None
) -> str:
    """A worker died holding this delivery: ask the network, never post blindly."""
    factory = connector_factory or default_connector
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.sending or delivery.lease_token != token:
        return "skipped"
    post = outgoing_post(delivery)
    try:
        found = FreshLogin(delivery.channel, factory).call(
            lambda connector: connector.find_published(post)
        )
    except ConnectorError as exc:
        log.warning("reconcile of delivery %s could not ask the network: %s", delivery_id, exc)
        found = None
    except Exception:
        log.exception("reconcile of delivery %s raised", delivery_id)
        found = None
    if found is not None:
        return _record_published(delivery, token, found, how="reconciled")
    _finish(
        delivery,
        token,
        state=DeliveryState.needs_review,
        outcome_unknown=True,
        error_code="outcome_unknown",
        error_message=_(
            "hub lost contact while sending and could not find the post on the network. "
            "Please check the channel: mark it as published with its link, or publish again."
        ),
    )
    return DeliveryState.needs_review


# ---------------------------------------------------------------------------------------------
# The announcement follows its deliveries


def refresh_announcement_status(announcement: Announcement | int) -> None:
    """Published, partly failed or failed once every delivery has ended; else publishing.

    Two statements: count the deliveries' states, then change the status only if it differs
    (a draft or a cancelled announcement keeps its status). Cancelled and skipped deliveries
    (a manual channel left out on purpose) do not count; every one skipped: cancelled.
    """
    announcement_id = announcement if isinstance(announcement, int) else announcement.id
    # The announcement's row first: two deliveries ending at the same moment in two workers
    # would each count the other as still sending (neither sees the other's uncommitted end)
    # and leave the announcement "publishing" for good. Locked, the second waits for the first
    # to commit, and its count (a new snapshot) sees both. (SQLite has one writer anyway.)
    db.session.execute(
        select(Announcement.id).where(Announcement.id == announcement_id).with_for_update()
    )
    counts = dict(
        db.session.execute(
            select(Delivery.state, func.count(Delivery.id))
            .where(Delivery.announcement_id == announcement_id)
            .group_by(Delivery.state)
        ).all()
    )
    states = set(counts) - set(LEFT_OUT_STATES)
    if not states:
        if DeliveryState.skipped not in counts:
            return
        status = AnnouncementStatus.cancelled  # every channel was skipped on purpose
    elif states & WAITING_STATES:
        status = AnnouncementStatus.publishing
    elif states == {DeliveryState.published}:
        status = AnnouncementStatus.published
    elif DeliveryState.published in states:
        status = AnnouncementStatus.partly_failed
    else:
        status = AnnouncementStatus.failed
    changed = db.session.execute(
        update(Announcement)
        .where(
            Announcement.id == announcement_id,
            Announcement.status.not_in(
                [AnnouncementStatus.cancelled, AnnouncementStatus.draft, status]
            ),
        )
        .values(status=status, version=Announcement.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed and not isinstance(announcement, int):
        db.session.expire(announcement, ["status", "version"])
