"""Engagement figures: snapshots per delivery on a decaying schedule, account figures, rollups.

Tasks here are thin: they take ids, re-read rows and call :mod:`hub.metrics`. All run on the
``sync`` queue (names ``hub.sync.metrics.*``), never on ``publish`` or ``actions``. The beat's
pass sends at most one collection task per channel, so a burst of due snapshots is a handful of
tasks, each asking its network in batches, rather than a flood that would keep a shared worker
from publishing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from flask import current_app

from hub.config import Settings
from hub.metrics import collect
from hub.metrics.settings import MetricsSettings
from hub.models.types import utcnow

log = logging.getLogger(__name__)


def beat_schedule(settings: Settings) -> dict[str, Any]:
    cfg = MetricsSettings.from_settings(settings)
    # A pass that could not run in time is pointless later: the next one comes.
    return {
        "metrics-due": {
            "task": "hub.sync.metrics.due",
            "schedule": cfg.interval,
            "options": {"expires": cfg.interval * 2},
        },
        "metrics-accounts": {
            "task": "hub.sync.metrics.accounts",
            "schedule": max(cfg.account_interval / 24, cfg.interval),
            "options": {"expires": cfg.interval * 2},
        },
    }


def _send(name: str, *args: object) -> None:
    current_app.extensions["celery"].send_task(name, args=args)


@shared_task(name="hub.sync.metrics.due", acks_late=False)
def due() -> int:
    """Enrol new deliveries, lease what is due, one collection task per channel."""
    claims = collect.plan_pass(utcnow())
    for claim in claims:
        _send(
            "hub.sync.metrics.collect",
            claim.channel_id,
            list(claim.delivery_ids),
            claim.lease_until.isoformat(),
        )
    return sum(len(c.delivery_ids) for c in claims)


@shared_task(name="hub.sync.metrics.collect")
def collect_channel(channel_id: int, delivery_ids: list[int], lease_until: str) -> int:
    claim = collect.Claim(channel_id, tuple(delivery_ids), datetime.fromisoformat(lease_until))
    outcome = collect.collect_channel(claim, utcnow())
    if outcome.error:
        log.info("figures of channel %s: %s", channel_id, outcome.error)
    return outcome.snapshots


@shared_task(name="hub.sync.metrics.accounts", acks_late=False)
def accounts() -> int:
    """Daily follower figures: one task per channel that has none from the last day."""
    channel_ids = collect.due_accounts(utcnow())
    for channel_id in channel_ids:
        _send("hub.sync.metrics.account", channel_id)
    return len(channel_ids)


@shared_task(name="hub.sync.metrics.account")
def account(channel_id: int) -> bool:
    return collect.collect_account(channel_id, utcnow()) is not None
