"""Small helpers for tests: waiting on a condition with a deadline, free ports, a worker's
publishing pass."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def publish_due(now=None) -> list[str]:  # type: ignore[no-untyped-def]
    """One dispatcher pass, then run every hinted publish here (as a worker would)."""
    from hub.extensions import db
    from hub.publishing import pipeline

    outbox = pipeline.dispatch_due(now=now)
    results = [pipeline.run_publish(i) for i in outbox.publish]
    results += [pipeline.reconcile(i, token) for i, token in outbox.reconcile]
    db.session.expire_all()
    return results
