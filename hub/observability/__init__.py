"""What a city's IT watches: readiness (``/readyz``), Prometheus metrics (``/metrics``) and
structured logs (``HUB_LOG_FORMAT=json``) with the request and delivery in every line.

``/healthz`` (hub.web) says only that the process answers; ``/readyz`` says whether it can work
(database, broker, schema, dispatcher). Metrics are database facts computed at scrape time, so
every gunicorn worker and every Celery process reports the same figures without shared state.
"""

from __future__ import annotations

from flask import Flask

from hub.config import Settings


def init_observability(app: Flask, settings: Settings) -> None:
    """Log format and ids, ``/readyz`` and ``/metrics`` for the web app."""
    from hub.observability import logs, metrics, readiness

    logs.init_request_ids(app)
    logs.install(settings.log_format)
    readiness.init_readiness(app)
    metrics.init_metrics(app)
