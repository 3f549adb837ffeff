"""The Celery app: queues, reliability settings, beat schedule, embedded or Redis broker.

Queues: ``publish`` (posts, one at a time per process slot), ``actions`` (moderator replies),
``sync`` (comments and figures) and ``dispatch`` (the short database pass that finds due work).
Keeping them apart means a slow sync never delays a post or a reply.

Embedded default (no services): kombu's file-system transport under ``$HUB_DATA_DIR/broker``,
with every file written whole (:mod:`hub.scheduler.broker`), and Celery's own beat scheduler.
Like every virtual transport it loses in-flight messages on a hard kill; hub does not depend on
them, because the database is the source of truth and the dispatcher re-sends hints for queued
deliveries that never ran. Production: Redis as broker and
celery-redbeat, whose lock in Redis keeps a single beat across the deployment (with a scheduler
that writes the schedule again whenever Redis lost it, :mod:`hub.scheduler.beat`).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from celery import Celery, Task
from celery.signals import after_setup_logger, after_setup_task_logger
from flask import Flask
from kombu import Queue

from hub.config import Settings
from hub.observability.logs import on_celery_logging as on_celery_log_format
from hub.redact import on_celery_logging
from hub.scheduler.broker import TRANSPORT as EMBEDDED_TRANSPORT

# Celery sets up its own log handlers in the worker and beat; the redacting filter goes on them
# (and on every other handler) as soon as it has (hub/redact.py).
after_setup_logger.connect(on_celery_logging, weak=False)
after_setup_task_logger.connect(on_celery_logging, weak=False)
# Then the log format (HUB_LOG_FORMAT) and the request/delivery ids (hub/observability/logs.py).
after_setup_logger.connect(on_celery_log_format, weak=False)
after_setup_task_logger.connect(on_celery_log_format, weak=False)

QUEUES = ("publish", "actions", "sync", "dispatch")
# One module of tasks per feature; each may offer ``beat_schedule(settings) -> dict``.
TASK_MODULES = (
    "hub.scheduler.tasks",  # publishing: dispatch, publish, reconcile
    "hub.scheduler.tokens",  # channel logins: refresh, expiry warnings
    "hub.scheduler.inbox",  # comments: sync, moderation actions
    "hub.scheduler.metrics",  # engagement figures and rollups
    "hub.scheduler.instagram_public",  # public Instagram figures (instaloader), off by default
)


@lru_cache(maxsize=1)
def flask_app() -> Flask:
    """One Flask app per worker process, built on first use (never at import time)."""
    from hub import create_app

    return create_app()


class AppTask(Task):  # type: ignore[misc]
    """Runs every task inside the Flask app context, with a fresh database session."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from hub.extensions import db

        with flask_app().app_context():
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()


def broker_options(settings: Settings) -> dict[str, Any]:
    if settings.uses_embedded_broker:
        folder = settings.data_dir / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.2,
        }
    # Redis: a message not acknowledged within this time is delivered again. Hints are
    # idempotent, so a redelivery is harmless; it only needs to outlast the longest task.
    return {"visibility_timeout": 3600}


def make_celery(settings: Settings | None = None, *, set_as_current: bool = True) -> Celery:
    """A Celery app for ``settings``. Workers use the module's ``celery``; the web app keeps a
    non-current one in ``app.extensions["celery"]`` to send hints with."""
    settings = settings or Settings.from_env()
    app = Celery("hub", task_cls=AppTask, set_as_current=set_as_current)
    app.conf.update(
        broker_url=settings.broker_url,
        broker_transport_options=broker_options(settings),
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="dispatch",
        task_routes={
            "hub.publish": {"queue": "publish"},
            "hub.reconcile": {"queue": "publish"},
            "hub.dispatch_due": {"queue": "dispatch"},
            "hub.action.*": {"queue": "actions"},
            "hub.sync.*": {"queue": "sync"},
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        # No remote-control channel (celery inspect/control; hub uses neither). With it, a
        # worker that lost Redis while a task was unacknowledged stopped with
        # "AttributeError: 'NoneType' object has no attribute 'hostname'" (kombu closes that
        # channel first, fails, detaches the transport, then restores the task through it;
        # tests/integration/test_worker_redis_loss.py).
        worker_enable_remote_control=False,
        timezone="UTC",
        beat_schedule=beat_schedule(settings),
        include=list(TASK_MODULES),
    )
    if settings.uses_embedded_broker:
        # kombu's file-system transport, writing every file whole (hub/scheduler/broker.py).
        app.conf.broker_transport = EMBEDDED_TRANSPORT
        app.conf.beat_schedule_filename = str(settings.data_dir / "celerybeat-schedule")
    else:
        # redbeat, writing its schedule again whenever Redis lost it (hub/scheduler/beat.py).
        app.conf.beat_scheduler = "hub.scheduler.beat:SelfHealingRedBeatScheduler"
        app.conf.redbeat_redis_url = settings.redis_url or settings.broker_url
        app.conf.redbeat_lock_timeout = max(int(settings.dispatch_interval * 5), 30)
        app.conf.beat_max_loop_interval = max(settings.dispatch_interval, 1)
    for module in TASK_MODULES:
        importlib.import_module(module)  # registers the shared tasks with this app
    return app


def beat_schedule(settings: Settings) -> dict[str, Any]:
    """Every feature's periodic tasks, merged."""
    schedule: dict[str, Any] = {}
    for module in TASK_MODULES:
        offer = getattr(importlib.import_module(module), "beat_schedule", None)
        if offer is not None:
            schedule.update(offer(settings))
    return schedule


def __getattr__(name: str) -> Any:
    # ``celery -A hub.scheduler.app`` looks up ``celery``: build it then, not at import.
    if name == "celery":
        global celery
        celery = make_celery()
        return celery
    raise AttributeError(name)
