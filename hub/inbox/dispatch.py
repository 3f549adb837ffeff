"""The inbox's periodic pass: hand due syncs and moderation actions to workers.

Like the publishing dispatcher it only claims work in the database and returns hints, which the
caller sends after the commit: a channel due for a sync (within the concurrency limit), actions
whose retry time came, queued actions whose hint was lost, and actions whose worker died.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select

from hub.extensions import db
from hub.inbox import presence, sync
from hub.inbox.claims import claim
from hub.models import ActionKind, ActionState, ModerationAction, WebhookReceipt
from hub.models.types import utcnow
from hub.models.webhook_receipt import KEEP_RECEIPTS  # also bounds the webhooks' age

BATCH = 200
RECONCILE_LEASE = timedelta(seconds=120)


@dataclass
class InboxOutbox:
    """Hints to send once the transaction that made them true has committed."""

    sync: list[tuple[int, str]] = field(default_factory=list)
    run: list[int] = field(default_factory=list)
    reconcile: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sync or self.run or self.reconcile)


def dispatch(now: datetime | None = None, *, with_sync: bool = True) -> InboxOutbox:
    """One pass. Commits; returns the hints to send."""
    now = now or utcnow()
    outbox = InboxOutbox()
    if with_sync:
        outbox.sync.extend(sync.claim_due(now))
    outbox.run.extend(_due_retries(now))
    outbox.run.extend(_lost_hints(now))
    outbox.run.extend(_expired_idempotent(now))
    outbox.reconcile.extend(_expired_replies(now))
    db.session.commit()
    return outbox


def _due_retries(now: datetime) -> list[int]:
    candidates = (
        select(ModerationAction.id, ModerationAction.next_attempt_at)
        .where(
            ModerationAction.state == ActionState.retry_wait,
            ModerationAction.next_attempt_at <= now,
        )
        .order_by(ModerationAction.next_attempt_at)
        .limit(BATCH)
    )
    return claim(
        ModerationAction,
        ModerationAction.id,
        candidates,
        {"state": ActionState.queued, "queued_at": now},
        lambda row: ModerationAction.state == ActionState.retry_wait,
    )


def _lost_hints(now: datetime) -> list[int]:
    """Queued actions whose hint never ran (broker restart): hint again. A duplicate hint is
    harmless: only one worker can move an action from queued to sending."""
    cutoff = now - timedelta(seconds=current_app.config["HUB_SETTINGS"].requeue_after)
    candidates = (
        select(ModerationAction.id, ModerationAction.queued_at)
        .where(ModerationAction.state == ActionState.queued, ModerationAction.queued_at < cutoff)
        .order_by(ModerationAction.queued_at)
        .limit(BATCH)
    )
    return claim(
        ModerationAction,
        ModerationAction.id,
        candidates,
        {"queued_at": now},
        lambda row: and_(
            ModerationAction.state == ActionState.queued,
            ModerationAction.queued_at == row[1],
        ),
    )


def _expired_idempotent(now: datetime) -> list[int]:
    """Hide, unhide, delete whose worker died: doing them again cannot do harm."""
    candidates = (
        select(ModerationAction.id, ModerationAction.lease_token)
        .where(
            ModerationAction.state == ActionState.sending,
            ModerationAction.lease_until < now,
            ModerationAction.kind != ActionKind.reply,
        )
        .limit(BATCH)
    )
    return claim(
        ModerationAction,
        ModerationAction.id,
        candidates,
        {
            "state": ActionState.queued,
            "queued_at": now,
            "lease_token": None,
            "lease_until": None,
            "outcome_unknown": True,
        },
        lambda row: and_(
            ModerationAction.state == ActionState.sending,
            ModerationAction.lease_token == row[1],
        ),
    )


def _expired_replies(now: datetime) -> list[tuple[int, str]]:
    candidates = (
        select(ModerationAction.id, ModerationAction.lease_token)
        .where(
            ModerationAction.state == ActionState.sending,
            ModerationAction.lease_until < now,
            ModerationAction.kind == ActionKind.reply,
        )
        .limit(BATCH)
    )
    token = "reconcile-" + uuid.uuid4().hex[:24]
    ids = claim(
        ModerationAction,
        ModerationAction.id,
        candidates,
        {"lease_token": token, "lease_until": now + RECONCILE_LEASE},
        lambda row: and_(
            ModerationAction.state == ActionState.sending,
            or_(ModerationAction.lease_token == row[1], ModerationAction.lease_token.is_(None)),
        ),
    )
    return [(action_id, token) for action_id in ids]


def prune(now: datetime | None = None) -> int:
    """Forget old presence reports and webhook digests. Commits."""
    now = now or utcnow()
    removed = presence.prune(now)
    removed += db.session.execute(
        delete(WebhookReceipt).where(WebhookReceipt.received_at < now - KEEP_RECEIPTS)
    ).rowcount
    db.session.commit()
    return removed
