"""Celery tasks. Thin: each takes ids, re-reads rows, and calls the publishing package."""

from __future__ import annotations

from celery import shared_task

from hub.publishing import pipeline
from hub.scheduler import hints


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
