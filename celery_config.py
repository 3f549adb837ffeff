"""Celery app object for ``celery -A celery_config worker|beat`` (same as ``hub worker``)."""

from hub.scheduler.app import celery

app = celery

__all__ = ["app", "celery"]
