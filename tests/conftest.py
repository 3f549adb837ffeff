"""Fixtures shared by every test: databases (SQLite and PostgreSQL), the app, factories.

Integration tests take the ``app`` fixture, which is parametrised over both databases, so each
such test runs on SQLite and on a real PostgreSQL at 127.0.0.1:5432. Each test starts from empty
tables. Under ``CI=true`` a missing service fails the run instead of skipping it.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import create_engine, text

from hub import create_app
from hub.config import Settings
from hub.sandbox.samples import sample_mp4

# The sandbox's fixtures (``sandbox_url``, ``sandbox``) for every test that talks to a network.
pytest_plugins = ["hub.sandbox.testing"]

PG_ADMIN_URL = os.environ.get(
    "HUB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HUB_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, error: Exception | str) -> None:
    """A required service or tool is missing: fail in CI, skip (loudly) on a developer's
    machine. In CI a skip would hide a missing install step."""
    message = f"{what} is not available: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``postgresql_only`` is about PostgreSQL's planner: its SQLite variant is
    not collected at all (deselected, not skipped: there is nothing to skip)."""
    sqlite_only_variant = [
        item
        for item in items
        if item.get_closest_marker("postgresql_only")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_url") == "sqlite"
    ]
    if sqlite_only_variant:
        config.hook.pytest_deselected(items=sqlite_only_variant)
        items[:] = [item for item in items if item not in sqlite_only_variant]


def run_suffix() -> str:
    """Unique per test run and xdist worker, so two people's runs never share a database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.getppid() if worker else os.getpid()  # xdist workers share their parent
    return f"{worker or 'main'}_{run}"


def drop_pg_database(name: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _create_pg_database(name: str) -> str:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database of each kind, once per test session (and xdist worker)."""
    from hub.database import upgrade

    name = f"hub_test_{run_suffix()}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.db'}"
    else:
        try:
            url = _create_pg_database(name)
        except Exception as exc:
            service_missing("PostgreSQL (127.0.0.1:5432)", exc)
    upgrade(url)
    yield url
    if request.param == "postgresql":
        drop_pg_database(name)


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    env = {"HUB_DATA_DIR": str(tmp_path / "data"), "HUB_DATABASE_URL": database_url}
    # Tests log in with passwords; the second factor hub requires of admins and approvers by
    # default has its own tests (tests/security/test_required_two_factor.py).
    overrides.setdefault("require_2fa_roles", ())
    return Settings.from_env(env, **overrides)


def _empty_tables(app: Flask) -> None:
    from hub.extensions import db

    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    from hub.auth.users import sync_roles
    from hub.extensions import db

    app = create_app(settings, {"TESTING": True, "RATELIMIT_ENABLED": False})
    _empty_tables(app)
    with app.app_context():
        sync_roles()
        db.session.commit()
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        ctx.pop()
        _empty_tables(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """For a test that reads hub's English texts: hub speaks German unless someone chooses
    otherwise (tests/integration/test_german.py), so this test's office runs in English: its
    requests, whoever makes them, and the code it calls in the test's own app context."""
    from flask_babel import force_locale

    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with force_locale("en"):
        yield


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    from hub.auth.users import create_user
    from hub.extensions import db

    counter = iter(range(1, 10_000))

    def make(*roles: str, email: str | None = None, name: str | None = None):  # type: ignore[no-untyped-def]
        n = next(counter)
        user = create_user(
            email or f"{'-'.join(roles) or 'nobody'}{n}@bochum.example",
            roles,
            PASSWORD,
            full_name=name or f"{(roles or ('Nobody',))[0].title()} {n}",
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_channel(app: Flask):  # type: ignore[no-untyped-def]
    from hub.extensions import db
    from hub.models import Channel

    def make(network: str = "x", name: str | None = None, **kwargs: Any) -> Channel:
        channel = Channel(
            network=network,
            name=name or f"Stadt Bochum ({network})",
            # Networks use numeric ids (pages, users); the sandbox checks their shape too.
            external_id=kwargs.pop("external_id", str(int.from_bytes(os.urandom(6)))),
            credentials=kwargs.pop("credentials", {"access_token": "sandbox-token"}),
            **kwargs,
        )
        db.session.add(channel)
        db.session.commit()
        return channel

    return make


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), color: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def tiny_mp4(seconds: float = 3.0) -> bytes:
    """A minimal but valid MP4 (the demo's sample, see hub.sandbox.samples)."""
    return sample_mp4(seconds)


@pytest.fixture
def make_media(app: Flask, settings: Settings):  # type: ignore[no-untyped-def]
    from hub.extensions import db
    from hub.publishing.media import store_upload

    def make(kind: str = "image", alt_text: str | None = "Das Rathaus Bochum", **kwargs: Any):  # type: ignore[no-untyped-def]
        data = image_bytes() if kind == "image" else tiny_mp4(kwargs.pop("seconds", 3.0))
        name = "rathaus.png" if kind == "image" else "clip.mp4"
        asset = store_upload(io.BytesIO(data), name, settings=settings, alt_text=alt_text, **kwargs)
        db.session.commit()
        return asset

    return make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code in (302, 303), response.text[:500]


# Chromium for every browser test (tests/browser, tests/security): one per test process, since
# Playwright's sync API cannot run twice at once in one process.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    import os

    if not os.path.exists(CHROMIUM):
        service_missing("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install -y chromium)"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
