"""The request and the delivery a log line belongs to, wherever the line is written.

Context variables, not ``flask.g``: a Celery task has no request, and a web request may log
from code that knows nothing of Flask. :class:`hub.observability.logs.ContextFilter` copies both
onto every record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

request_id: ContextVar[str | None] = ContextVar("hub_request_id", default=None)
delivery_id: ContextVar[int | None] = ContextVar("hub_delivery_id", default=None)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def delivery(value: int) -> Iterator[None]:
    """Every line logged inside the block names delivery ``value``."""
    token = delivery_id.set(value)
    try:
        yield
    finally:
        delivery_id.reset(token)


def for_delivery(function: Callable[P, R]) -> Callable[P, R]:
    """Decorator for pipeline steps whose first argument is a delivery id."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        value = args[0] if args else kwargs.get("delivery_id")
        if not isinstance(value, int):
            return function(*args, **kwargs)
        with delivery(value):
            return function(*args, **kwargs)

    return wrapper
