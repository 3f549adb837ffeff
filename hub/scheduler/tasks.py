"""Celery tasks. Thin: each takes ids, re-reads rows, and calls the publishing package."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hub.config import Settings
from hub.publishing import pipeline
from hub.scheduler import hints


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {
        "dispatch-due": {
            "task": "hub.dispatch_due",
            "schedule": settings.dispatch_interval,
            # A pass that could not run in time is pointless later: the next one comes.
            "options": {"expires": max(settings.dispatch_interval * 3, 5)},
        },
    }


@shared_task(name="hub.dispatch_due", acks_late=False)
def dispatch_due() -> int:
    outbox = pipeline.dispatch_due()
    hints.send(outbox)
    return len(outbox.publish) + len(outbox.reconcile)


@shared_task(name="hub.publish")
def publish(delivery_id: int) -> str:
    return pipeline.run_publish(delivery_id)


@shared_task(name="hub.reconcile")
def reconcile(delivery_id: int, token: str) -> str:
    return pipeline.reconcile(delivery_id, token)
