"""Log lines as JSON objects (``HUB_LOG_FORMAT=json``), each with its request and delivery id.

One JSON object a line (python-json-logger) suits a log collector (Loki, Elasticsearch,
journald); the default stays the plain text an administrator reads. Either way every record
carries ``request_id`` and ``delivery_id`` (:class:`ContextFilter`), and secrets are removed
first by :class:`hub.redact.RedactingFilter`; the JSON formatter redacts once more what it
formats itself (tracebacks, extra fields), because it does not reuse the filtered traceback.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, request
from pythonjsonlogger.json import JsonFormatter

from hub import redact
from hub.observability import context

HEADER = "X-Request-ID"
# An id from the proxy is kept when it looks like one (no spaces, no control characters).
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id", "delivery_id")


class ContextFilter(logging.Filter):
    """Puts the current request id and delivery id on every record (None outside of one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.delivery_id = context.delivery_id.get()
        return True


class RedactedJsonFormatter(JsonFormatter):  # type: ignore[misc]
    """python-json-logger's formatter; what it formats itself passes :func:`hub.redact.redact`."""

    def __init__(self) -> None:
        super().__init__(
            list(JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def formatException(self, ei: Any) -> str:
        return redact.redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact.redact(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        return redact.redact(super().format(record))


_CONTEXT = ContextFilter()


def install(log_format: str, *loggers: logging.Logger) -> None:
    """Ids on every handler of ``loggers`` (default: every logger there is) and, for ``json``,
    the JSON formatter on them. Call after :func:`hub.redact.install`, which gives the root
    logger its handler. Idempotent."""
    for handler in redact.handlers_of(*loggers):
        if _CONTEXT not in handler.filters:
            handler.addFilter(_CONTEXT)
        if log_format == "json" and not isinstance(handler.formatter, RedactedJsonFormatter):
            handler.setFormatter(RedactedJsonFormatter())


def on_celery_logging(logger: logging.Logger | None = None, **_: Any) -> None:
    """Receiver of Celery's ``after_setup_logger``/``after_setup_task_logger`` signals (worker
    and beat), after the redacting filter's."""
    from hub.config import Settings

    log_format = Settings.from_env().log_format
    install(log_format, *([logger] if logger is not None else []))
    install(log_format)


def init_request_ids(app: Flask) -> None:
    """Every request gets an id: the proxy's ``X-Request-ID`` when sane, else a new one; it is
    in every log line of the request and echoed in the answer."""

    @app.before_request
    def _take_request_id() -> None:
        given = request.headers.get(HEADER, "")
        value = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        context.request_id.set(value)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        value = context.request_id.get()
        if value:
            response.headers[HEADER] = value
        return response

    @app.teardown_request
    def _forget_request_id(_: BaseException | None) -> None:
        context.request_id.set(None)
