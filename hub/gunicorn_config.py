"""gunicorn's settings for hub's web app in production.

``hub web`` runs ``gunicorn --config python:hub.gunicorn_config 'hub:create_app()'`` (the
container image, the compose file and ``hub-web.service`` all start it so). Each default below
suits one machine behind a TLS proxy and can be changed through the environment:

- ``HUB_WEB_BIND`` (``127.0.0.1:8000``; the image sets ``0.0.0.0:8000``): where to listen.
- ``HUB_WEB_WORKERS`` (2 × CPU cores + 1, at most 9): processes; each holds the whole app.
- ``HUB_WEB_THREADS`` (``4``): requests a process serves at once (gthread workers: a slow
  upload or an idle keep-alive connection does not block the process).
- ``HUB_WEB_TIMEOUT`` (``60``): seconds a process may stop answering gunicorn's heartbeat
  before it is replaced (with threads this is a hung process, not a long request).

Forwarded headers: gunicorn believes none of them itself (no ``forwarded_allow_ips``, no
``secure_scheme_headers``). hub's ``ProxyFix`` does, for exactly ``HUB_TRUSTED_PROXIES`` hops
(see the README, Security), so there is one place that decides whose address a request has.

Logs go to standard output: gunicorn's own lines, each request (access log, with the request
id hub answers with) and hub's; as JSON objects when ``HUB_LOG_FORMAT=json``.
"""

from __future__ import annotations

import os

from hub.config import Settings


def _default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1) + 1, 9)


_env = os.environ
_settings = Settings.from_env()  # fails early on a wrong setting; makes the data dir's keys once

bind = [_env.get("HUB_WEB_BIND") or "127.0.0.1:8000"]
workers = int(_env.get("HUB_WEB_WORKERS") or _default_workers())
worker_class = "gthread"
threads = int(_env.get("HUB_WEB_THREADS") or 4)
timeout = int(_env.get("HUB_WEB_TIMEOUT") or 60)
# On SIGTERM (stop) or SIGHUP (reload), requests in flight get this long to finish.
graceful_timeout = 30
# Longer than the proxy keeps an idle connection to hub (Caddyfile: 60 s), so the proxy, not
# gunicorn, closes it: a request sent on a connection gunicorn just closed would get a 502.
keepalive = 75
# A process is replaced after this many requests (memory never creeps up for weeks).
max_requests = 2000
max_requests_jitter = 200
# Request line and headers; bodies are limited by hub before they are read (hub/body_limits.py).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# The heartbeat file: in memory, not on a container's slow overlay file system.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
proc_name = "hub-web"
# No gunicornc socket in $HOME (the data volume in the image): signals do (HUP reloads).
control_socket_disable = True

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"},
        "json": {"()": "hub.observability.logs.RedactedJsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": _settings.log_format,
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    # gunicorn's own loggers hand their lines to the root's one handler.
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        "alembic": {"level": "WARNING"},  # /readyz reads the migrations: no plugin lines
    },
}
