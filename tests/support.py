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
