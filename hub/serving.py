"""Running hub: the web app under waitress, Celery worker and beat as child processes.

``hub serve`` is the one-machine mode: web, one worker (all queues) and beat together. Scaled out,
run ``hub web`` (gunicorn) for the web, ``hub worker`` on as many machines as needed and
``hub beat`` once (celery-redbeat keeps it single even if started twice).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from hub.config import Settings
from hub.scheduler.app import QUEUES

log = logging.getLogger(__name__)
CELERY_APP = "hub.scheduler.app:celery"


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", CELERY_APP, *args]


def worker_command(
    settings: Settings,
    *,
    queues: Sequence[str] = QUEUES,
    concurrency: int | None = None,
    pool: str = "threads",
    with_beat: bool = False,
    loglevel: str = "INFO",
    name: str | None = None,
) -> list[str]:
    args = [
        "worker",
        "-Q",
        ",".join(queues),
        "--pool",
        pool,
        "--concurrency",
        str(concurrency or settings.worker_concurrency),
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
    ]
    if name:
        args += ["-n", name]
    if with_beat:
        args += ["-B", "--schedule", str(settings.data_dir / "celerybeat-schedule")]
    return celery_command(*args)


def web_command() -> list[str]:
    """The web app under gunicorn with hub's production settings (hub/gunicorn_config.py)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:hub.gunicorn_config",
        "hub:create_app()",
    ]


def beat_command(settings: Settings, loglevel: str = "INFO") -> list[str]:
    args = ["beat", "--loglevel", loglevel]
    if settings.uses_embedded_broker:
        args += ["--schedule", str(settings.data_dir / "celerybeat-schedule")]
    return celery_command(*args)


def check_database(settings: Settings) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from hub.database import alembic_config

    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    if current != head:
        raise SystemExit(
            f"The database is not up to date ({current or 'empty'} != {head}). Run 'hub init'."
        )


def child_name(command: Sequence[str]) -> str:
    """What a supervised child is, in the log: "worker", "beat", "sandbox"."""
    for word in ("worker", "beat", "sandbox"):
        if word in command:
            return word
    return " ".join(command)


class Supervisor:
    """Keeps child processes running: one that exits unexpectedly is started again.

    Beat needs this in particular: when Redis restarts without persistence, celery-redbeat's
    lock is gone and beat exits ("Cannot extend a lock that's no longer owned"). An init system
    would restart it; ``hub beat``/``hub serve`` do so themselves, so a single machine needs none.
    Every restart is counted and logged ("worker exited with 1; restart 2 in 2 s"), so an admin
    (and ``bench/soak.py``) sees a child that keeps failing. The wait doubles while a child
    keeps failing (up to 30 s) and starts at one second again after a healthy run.
    """

    healthy_run = 60.0  # seconds a child must have run for its next failure to count as new

    def __init__(self, commands: Sequence[list[str]]) -> None:
        self.commands = list(commands)
        self.children: list[subprocess.Popen[bytes] | None] = [None] * len(self.commands)
        self.backoff = [1.0] * len(self.commands)
        self.restarts = [0] * len(self.commands)
        self.started = [0.0] * len(self.commands)
        self.stopping = threading.Event()

    def _start(self, index: int) -> None:
        self.started[index] = time.monotonic()
        self.children[index] = subprocess.Popen(self.commands[index], env=os.environ.copy())  # noqa: S603

    def run(self) -> None:
        """Start every child and watch them until :meth:`stop`."""
        for index in range(len(self.commands)):
            self._start(index)
        while not self.stopping.wait(0.5):
            for index, child in enumerate(self.children):
                if child is None or child.poll() is None:
                    continue
                self.restarts[index] += 1
                if time.monotonic() - self.started[index] >= self.healthy_run:
                    self.backoff[index] = 1.0
                log.warning(
                    "%s exited with %s; restart %d in %.0f s",
                    child_name(self.commands[index]),
                    child.returncode,
                    self.restarts[index],
                    self.backoff[index],
                )
                if self.stopping.wait(self.backoff[index]):
                    return
                self.backoff[index] = min(self.backoff[index] * 2, 30.0)
                self._start(index)

    def stop(self) -> None:
        self.stopping.set()
        for child in self.children:
            if child is not None and child.poll() is None:
                child.terminate()
        for child in self.children:
            if child is None:
                continue
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def supervise(commands: Sequence[list[str]]) -> None:
    """Run ``commands`` as supervised children in the foreground until SIGTERM or Ctrl-C."""
    supervisor = Supervisor(commands)

    def stop(*_: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        supervisor.run()
    finally:
        supervisor.stop()


def serve(host: str, port: int, worker: bool = True, extra: Sequence[list[str]] = ()) -> None:
    """Serve the web app in this process, with supervised children (worker+beat, ``extra``)."""
    from waitress import serve as waitress_serve

    from hub import create_app

    settings = Settings.from_env()
    check_database(settings)
    commands = list(extra)
    if worker:
        commands.append(worker_command(settings, with_beat=True))
    supervisor = Supervisor(commands)
    threading.Thread(target=supervisor.run, name="hub-supervisor", daemon=True).start()

    def stop(*_: object) -> None:
        supervisor.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    app = create_app(settings)
    try:
        waitress_serve(app, host=host, port=port, threads=8, ident="hub")
    finally:
        supervisor.stop()
