"""``HUB_LOG_FORMAT=json`` in a real worker and beat: every log line is a JSON object, and the
lines of a publish name the delivery (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hub.config import Settings
from hub.serving import beat_command, worker_command
from tests.support import approved_announcement, free_port, wait_until


def _json_lines(path: Path) -> list[dict[str, Any]]:
    """The log lines of a process's standard error (Celery's warning about running as root is
    printed by ``warnings`` before logging is set up, so it is not a log line)."""
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture
def processes(settings: Settings, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_BROKER_URL": settings.broker_url,
        "HUB_LOG_FORMAT": "json",
        # Nobody answers there: the publish fails, and says so in the log.
        "HUB_X_API_URL": f"http://127.0.0.1:{free_port()}",
        "HUB_NETWORK_TIMEOUT": "2",
        "HUB_MAX_ATTEMPTS": "1",
    }
    logs = tmp_path / "worker.log", tmp_path / "beat.log"
    started = []
    for command, log in zip(
        (worker_command(settings, concurrency=1), beat_command(settings)), logs, strict=True
    ):
        with log.open("w") as stderr:
            started.append(
                subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
            )
    try:
        yield logs
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_worker_and_beat_write_json_lines_naming_the_delivery(
    app: Flask,
    processes: tuple[Path, Path],
    make_user,  # type: ignore[no-untyped-def]
    make_channel,  # type: ignore[no-untyped-def]
) -> None:
    worker_log, beat_log = processes
    x = make_channel("x")
    announcement = approved_announcement(make_user("editor"), make_user("approver"), [x.id])

    def publish_logged() -> list[dict[str, Any]]:
        return [r for r in _json_lines(worker_log) if r.get("delivery_id") is not None]

    lines = wait_until(publish_logged, timeout=90, what="a worker line naming the delivery")
    from hub.extensions import db

    db.session.expire_all()
    (delivery,) = announcement.deliveries
    assert {line["delivery_id"] for line in lines} == {delivery.id}
    assert any(str(delivery.id) in line["message"] for line in lines)
    assert wait_until(lambda: _json_lines(beat_log), timeout=30, what="beat's log")
    for log in (worker_log, beat_log):
        records = _json_lines(log)
        assert records and {"time", "level", "logger", "message", "request_id"} <= set(records[0])
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        first = next(n for n, line in enumerate(lines) if line.startswith("{"))
        assert all(line.startswith("{") for line in lines[first:]), lines[first:]
