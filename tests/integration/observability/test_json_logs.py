"""``HUB_LOG_FORMAT=json``: one JSON object a line, with the request id and the delivery id,
and no secrets (issue 13)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hub.config import Settings
from hub.extensions import db
from hub.observability.logs import HEADER
from hub.publishing.pipeline import dispatch_due, run_publish
from tests.conftest import make_settings
from tests.support import PrivateRedis, approved_announcement

SECRET = "s3cret-value-never-logged"
log = logging.getLogger("hub.test_json_logs")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What a handler on the root logger writes (installed before the app, like a server's)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, redis_broker: PrivateRedis, lines: io.StringIO
) -> Settings:
    return make_settings(tmp_path, database_url, broker_url=redis_broker.url, log_format="json")


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_request_lines_carry_the_request_id_and_no_secret(app: Flask, lines: io.StringIO) -> None:
    @app.get("/_log_something")
    def log_something() -> str:
        log.warning("token exchange failed: client_secret=%s", SECRET)
        try:
            raise ValueError(f"refused https://graph.facebook.com/?access_token={SECRET}")
        except ValueError:
            log.exception("call failed")
        return "logged"

    client = app.test_client()
    response = client.get("/_log_something", headers={HEADER: "proxy-id-42"})
    assert response.headers[HEADER] == "proxy-id-42"
    generated = client.get("/_log_something", headers={HEADER: "not an id; <script>"})
    new_id = generated.headers[HEADER]
    assert new_id != "not an id; <script>" and len(new_id) == 32

    records = [r for r in _records(lines) if r["logger"] == log.name]
    assert [r["request_id"] for r in records] == ["proxy-id-42"] * 2 + [new_id] * 2
    assert SECRET not in lines.getvalue()
    assert records[0]["message"] == "token exchange failed: client_secret=[redacted]"
    assert records[0]["level"] == "WARNING" and records[0]["delivery_id"] is None
    assert "access_token=[redacted]" in records[1]["exc_info"]


def test_publish_lines_carry_the_delivery_id(
    app: Flask,
    lines: io.StringIO,
    make_user,
    make_channel,  # type: ignore[no-untyped-def]
) -> None:
    x = make_channel("x")
    approved_announcement(make_user("editor"), make_user("approver"), [x.id])
    (hint,) = dispatch_due().publish

    def broken_connector(channel: Any) -> Any:
        raise RuntimeError(f"login with access_token={SECRET} refused")

    lines.truncate(0)
    lines.seek(0)
    run_publish(hint, connector_factory=broken_connector)
    db.session.remove()
    records = [r for r in _records(lines) if r["logger"].startswith("hub.publishing")]
    assert records, lines.getvalue()
    assert {r["delivery_id"] for r in records} == {hint}
    assert all(r["request_id"] is None for r in records)
    assert any("access_token=[redacted]" in (r.get("exc_info") or "") for r in records)
    assert SECRET not in lines.getvalue()
    log.info("after the publish")
    assert _records(lines)[-1]["delivery_id"] is None
