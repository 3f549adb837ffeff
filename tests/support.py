"""Small helpers for tests: waiting on a condition with a deadline, free ports, a worker's
publishing pass."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from werkzeug.serving import make_server

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


class PrivateRedis:
    """A Redis server of the test's own on a free port, without persistence (``client`` talks to
    it): wiping, stopping or starting it again disturbs no other test."""

    def __init__(self) -> None:
        import redis

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(port=self.port, socket_timeout=5)
        self.server: Any = None

    def start(self) -> None:
        import subprocess

        import redis

        command = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.server = subprocess.Popen(command, stdout=subprocess.DEVNULL)

        def up() -> bool:
            try:
                return bool(self.client.ping())
            except redis.RedisError:
                return False

        wait_until(up, timeout=15, what="the private redis")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.kill()
            self.server.wait()


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A :class:`PrivateRedis`, started, and stopped when the block ends."""
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def flickr_login(token: str) -> dict[str, str]:
    """A Flickr channel's credentials (OAuth 1.0a) with the access token ``token``: the sandbox
    reads only that."""
    return {
        "api_key": "key",
        "api_secret": "secret",
        "oauth_token": token,
        "oauth_token_secret": "token-secret",
    }


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """The WSGI ``app`` over HTTP on ``port`` while the block runs (the sandbox's Instagram
    fetches media from it); yields its URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)


def publish_due(now=None) -> list[str]:  # type: ignore[no-untyped-def]
    """One dispatcher pass, then run every hinted publish here (as a worker would)."""
    from hub.extensions import db
    from hub.publishing import pipeline

    outbox = pipeline.dispatch_due(now=now)
    results = [pipeline.run_publish(i) for i in outbox.publish]
    results += [pipeline.reconcile(i, token) for i, token in outbox.reconcile]
    db.session.expire_all()
    return results


def approved_announcement(  # type: ignore[no-untyped-def]
    editor,
    approver,
    channel_ids: Sequence[int],
    *,
    title: str = "Test",
    body: str = "Hallo Bochum",
    media_ids: Sequence[int] = (),
    variants: Mapping[int, Any] | None = None,
    when: datetime | None = None,
):
    """An announcement written by ``editor``, submitted, approved by ``approver`` and committed:
    due now, or at ``when``. What every test that publishes starts from."""
    from hub.extensions import db
    from hub.publishing import workflow
    from hub.publishing.compose import AnnouncementInput, save_announcement

    ann = save_announcement(
        AnnouncementInput(
            title=title,
            body=body,
            channel_ids=list(channel_ids),
            media_ids=list(media_ids),
            variants=dict(variants or {}),
        ),
        user=editor,
    )
    workflow.submit(ann, editor)
    workflow.approve(ann, approver)
    if when is not None:
        ann.scheduled_at = when
    db.session.commit()
    return ann
