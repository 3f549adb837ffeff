"""``/readyz``: 200 when database, broker, schema and dispatcher are fine; 503 naming the one
that is not (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask

from hub import create_app
from hub.config import Settings
from hub.database import alembic_config, upgrade
from hub.models.types import utcnow
from hub.publishing.dispatch_health import record_pass
from tests.conftest import _create_pg_database, drop_pg_database, run_suffix
from tests.support import free_port


def _ready(app: Flask, expected_status: int) -> dict[str, str]:
    response = app.test_client().get("/readyz")
    assert response.status_code == expected_status, response.get_json()
    body = response.get_json()
    assert body["status"] == ("ok" if expected_status == 200 else "not ready")
    return body["checks"]


def test_ready_when_all_is_well(app: Flask) -> None:
    record_pass()
    checks = _ready(app, 200)
    assert checks == {"database": "ok", "migrations": "ok", "broker": "ok", "dispatcher": "ok"}
    assert app.test_client().get("/healthz").status_code == 200


def test_not_ready_while_the_dispatcher_never_ran_or_stalled(app: Flask) -> None:
    assert _ready(app, 503)["dispatcher"] == "the dispatcher has not run yet"
    record_pass(at=utcnow() - timedelta(minutes=10))
    checks = _ready(app, 503)
    assert checks["dispatcher"].startswith("last dispatch pass 6"), checks
    assert {checks["database"], checks["broker"], checks["migrations"]} == {"ok"}


def test_not_ready_when_the_broker_is_unreachable(app: Flask, settings: Settings) -> None:
    record_pass()
    closed = f"redis://127.0.0.1:{free_port()}/0"
    other = create_app(replace(settings, broker_url=closed, redis_url=closed), {"TESTING": True})
    checks = _ready(other, 503)
    assert checks == {
        "database": "ok",
        "migrations": "ok",
        "broker": "unreachable",
        "dispatcher": "ok",
    }


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path, settings: Settings) -> None:
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hub"
    other = create_app(replace(settings, database_url=closed), {"TESTING": True})
    checks = _ready(other, 503)
    assert checks == {
        "database": "unreachable",
        "migrations": "not checked: no database",
        "broker": "ok",
        "dispatcher": "not checked: no database",
    }


@pytest.fixture
def older_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind one migration behind the newest."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'older.db'}"
        command.upgrade(alembic_config(url), previous)
        yield url
        return
    name = f"hub_older_{run_suffix()}"
    url = _create_pg_database(name)
    command.upgrade(alembic_config(url), previous)
    yield url
    drop_pg_database(name)


def test_not_ready_when_migrations_are_not_current(
    app: Flask, settings: Settings, older_database: str
) -> None:
    other = create_app(replace(settings, database_url=older_database), {"TESTING": True})
    script = ScriptDirectory.from_config(alembic_config(older_database))
    (head,) = script.get_heads()
    checks = _ready(other, 503)
    assert checks["database"] == "ok" and checks["broker"] == "ok"
    assert (
        checks["migrations"].startswith("schema at ")
        and f"newest is {head}" in checks["migrations"]
    )
    with other.app_context():
        from hub.extensions import db

        db.engine.dispose()
    upgrade(older_database)  # once upgraded, the schema is current
    other = create_app(replace(settings, database_url=older_database), {"TESTING": True})
    assert _ready(other, 503)["migrations"] == "ok"
