"""``/readyz``: can this installation work right now? Database and broker reachable, schema at
the newest migration, dispatcher running.

``/healthz`` answers as long as the process does; a load balancer or orchestrator asks
``/readyz`` before sending traffic and an alert asks it all the time. 200 when every check
passes, else 503; the body names each check and, for a failing one, what is wrong (the details
go to the log, not to the anonymous caller).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, current_app, jsonify
from sqlalchemy import text

from hub.config import Settings
from hub.database import alembic_config
from hub.extensions import csrf, db
from hub.models.types import utcnow
from hub.observability import broker

log = logging.getLogger(__name__)

#: The dispatcher counts as stalled after this many dispatch intervals without a pass (at
#: least a minute: a beat restart takes a few lock timeouts).
DISPATCH_INTERVALS = 30
DISPATCH_GRACE = timedelta(seconds=60)


class NotReady(Exception):
    """A check failed; the message says what, in a few plain words."""


@lru_cache(maxsize=4)
def _newest_migrations(database_url: str) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def _settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def check_database() -> None:
    db.session.execute(text("SELECT 1"))


def check_migrations() -> None:
    with db.engine.connect() as connection:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    newest = _newest_migrations(_settings().database_url)
    if current != newest:
        have = ", ".join(sorted(current)) or "none"
        raise NotReady(f"schema at {have}, newest is {', '.join(sorted(newest))}")


def check_broker() -> None:
    broker.check_reachable()


def check_dispatcher() -> None:
    from hub.publishing.dispatch_health import last_pass_at

    last = last_pass_at()
    if last is None:
        raise NotReady("the dispatcher has not run yet")
    allowed = max(
        timedelta(seconds=_settings().dispatch_interval * DISPATCH_INTERVALS), DISPATCH_GRACE
    )
    age = utcnow() - last
    if age > allowed:
        raise NotReady(f"last dispatch pass {int(age.total_seconds())} s ago")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "dispatcher": check_dispatcher,
}
# Without a database the checks that read it cannot say anything of their own.
NEEDS_DATABASE = ("migrations", "dispatcher")


def run_checks() -> dict[str, str]:
    """Each check's result: ``ok`` or what is wrong."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and results.get("database") != "ok":
            results[name] = "not checked: no database"
            continue
        try:
            check()
        except NotReady as problem:
            results[name] = str(problem)
        except Exception as exc:  # unreachable, refused, timed out: the log has the detail
            log.warning("readiness check %s failed: %r", name, exc)
            results[name] = "unreachable"
            db.session.rollback()
        else:
            results[name] = "ok"
    return results


def init_readiness(app: Flask) -> None:
    @app.get("/readyz", endpoint="readyz")
    @csrf.exempt
    def readyz() -> tuple[Response, int]:
        try:
            results = run_checks()
        finally:
            db.session.remove()
        ready = all(value == "ok" for value in results.values())
        return jsonify(status="ok" if ready else "not ready", checks=results), 200 if ready else 503
