"""End-to-end: real Celery workers and beat as subprocesses, the sandbox over HTTP.

Two stacks, the same tests:

- ``embedded``: SQLite and kombu's file-system broker in a temporary data dir (what
  ``hub serve`` runs on one machine);
- ``scaled``: PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379, one database number per
  xdist worker) with celery-redbeat, as in production.

Timings are shortened through the environment (dispatch every 0.5 s, a 5 s lease), never by
sleeping in the tests: every wait polls the database or the sandbox with a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text

from hub import create_app
from hub.config import Settings
from hub.extensions import db
from tests.conftest import (
    PG_ADMIN_URL,
    REDIS_URL,
    drop_pg_database,
    run_suffix,
    service_missing,
)
from tests.support import wait_until

pytestmark = pytest.mark.e2e

FAST = {
    "HUB_DISPATCH_INTERVAL": "0.5",
    "HUB_REQUEUE_AFTER": "3",
    "HUB_PUBLISH_LEASE": "5",  # raised to 3 x the network timeout by hub itself
    "HUB_RETRY_BASE": "0.5",
    "HUB_RETRY_CAP": "2",
    "HUB_NETWORK_TIMEOUT": "3",
    "HUB_WORKER_CONCURRENCY": "4",
}


def _xdist_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


@dataclass
class Stack:
    kind: str
    env: dict[str, str]
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_worker(self, name: str = "worker", concurrency: int = 4) -> subprocess.Popen[bytes]:
        return self._start(name, "worker", "-n", f"{name}-{os.getpid()}@%h", "-c", str(concurrency))

    def start_beat(self) -> subprocess.Popen[bytes]:
        return self._start("beat", "beat")

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        os.killpg(process.pid, sig)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            out.append(f"--- {path.name}")
            out.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(out)


def _fresh_pg(name: str) -> str:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as exc:
        service_missing("PostgreSQL (127.0.0.1:5432)", exc)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _fresh_redis_db() -> str:
    # Database numbers 1..15 keep parallel test workers apart; 0 is left to people.
    url = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _xdist_index() % 15}"
    try:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except Exception as exc:
        service_missing("Redis (127.0.0.1:6379)", exc)
    return url


def make_stack(kind: str, tmp_path: Path, sandbox_url: str, **extra: str) -> Stack:
    from hub.database import upgrade

    data = tmp_path / "data"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ, **FAST, "HUB_DATA_DIR": str(data), "HUB_SANDBOX_URL": sandbox_url}
    env.pop("HUB_DATABASE_URL", None)
    env.pop("HUB_BROKER_URL", None)
    if kind == "scaled":
        env["HUB_DATABASE_URL"] = _fresh_pg(f"hub_e2e_{run_suffix()}")
        env["HUB_BROKER_URL"] = _fresh_redis_db()
    env.update(extra)
    stack = Stack(kind, env, logs)
    upgrade(stack.settings.database_url)
    return stack


@pytest.fixture(params=["embedded", "scaled"])
def stack(request: pytest.FixtureRequest, tmp_path: Path, sandbox_url: str) -> Iterator[Stack]:
    stack = make_stack(request.param, tmp_path, sandbox_url)
    yield stack
    stack.stop_all()
    if stack.kind == "scaled":
        drop_pg_database(stack.env["HUB_DATABASE_URL"].rsplit("/", 1)[1])
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(stack.log_tail())


@pytest.fixture
def app(stack: Stack) -> Iterator[Flask]:
    """The web side of the stack, in this process, to seed data and read states."""
    from hub.auth.users import sync_roles

    app = create_app(stack.settings, {"TESTING": True})
    with app.app_context():
        sync_roles()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def fresh(obj: Any) -> Any:
    """Read ``obj`` again from the database (another process changed it)."""
    db.session.expire_all()
    db.session.refresh(obj)
    return obj


def wait_for_states(announcement: Any, states: set[str], timeout: float = 60.0) -> list[Any]:
    def done() -> list[Any] | None:
        db.session.expire_all()
        deliveries = fresh(announcement).deliveries
        if deliveries and all(d.state in states for d in deliveries):
            return deliveries
        return None

    return wait_until(done, timeout=timeout, what=f"deliveries in {states}")
