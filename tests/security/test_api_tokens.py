"""API tokens expire, can be revoked and carry scopes that only ever narrow their owner's roles
(issue 12, finding 8).

Every ``/api/v1`` route needs a scope besides the role permission: announcements and media
(``announcements:read`` to read, ``announcements:write`` to change; write implies read),
channels (read with ``announcements:read`` or ``channels``; connect with ``channels``),
``inbox`` and ``metrics``. An expired or revoked token is answered like an unknown one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text

from hub import create_app
from hub.auth.scopes import ALL_SCOPES, CMS_SCOPES, Scope
from hub.auth.tokens import create_token, revoke_token
from hub.config import Settings
from hub.database import alembic_config
from hub.extensions import db
from hub.models import ApiToken
from hub.models.types import utcnow
from tests.conftest import (
    _create_pg_database,
    drop_pg_database,
    image_bytes,
    make_settings,
    run_suffix,
)

EVERY_ROLE = ("editor", "approver", "moderator", "manager", "admin")
READ, WRITE = Scope.announcements_read, Scope.announcements_write


def _call(app: Flask, token: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": kwargs.pop("lang", "en")}
    response = app.test_client().open(path, method=method, headers=headers, **kwargs)
    response.get_data()  # a streamed answer (CSV, open data) ends its contexts now, not later
    response.close()
    return response


def _token(user: Any, scopes: Any, **kwargs: Any) -> str:
    token = create_token(user, "test", scopes=frozenset(scopes), **kwargs)
    db.session.commit()
    return token


def _stored(plain: str) -> ApiToken:
    db.session.rollback()
    digest = hashlib.sha256(plain.encode()).hexdigest()
    return db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one()


def _refused_for_scope(response: Any, scope: str) -> None:
    assert response.status_code == 403, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}
    assert body["error"] == "insufficient_scope"
    assert scope in body["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and scope in challenge


# --- scopes, per route family, both ways -------------------------------------------------


def _family_cases(make_channel, make_media) -> list[tuple[str, str, dict[str, Any], Scope, int]]:  # type: ignore[no-untyped-def]
    channel = make_channel("x")
    media = make_media("image")
    upload = {
        "data": {"file": (io.BytesIO(image_bytes()), "rathaus.png"), "alt_text": "Das Rathaus"},
        "content_type": "multipart/form-data",
    }
    draft = {"json": {"title": "t", "body": "b", "channels": [channel.id]}}
    new_channel = {
        "json": {
            "network": "facebook",
            "name": "Stadt",
            "external_id": "123456789",
            "credentials": {"access_token": "geheim"},
        }
    }
    return [
        ("GET", "/api/v1/announcements", {}, READ, 200),
        ("POST", "/api/v1/announcements", draft, WRITE, 201),
        ("POST", "/api/v1/media", upload, WRITE, 201),
        ("GET", f"/api/v1/media/{media.id}", {}, READ, 200),
        ("GET", "/api/v1/channels", {}, READ, 200),
        ("GET", f"/api/v1/channels/{channel.id}", {}, Scope.channels, 200),
        ("POST", "/api/v1/channels", new_channel, Scope.channels, 201),
        ("GET", "/api/v1/inbox", {}, Scope.inbox, 200),
        ("GET", "/api/v1/metrics/channels", {}, Scope.metrics, 200),
        ("GET", "/api/v1/metrics/daily", {}, Scope.metrics, 200),
    ]


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A file in a request is read once: give each request its own copy."""
    copy = dict(kwargs)
    if "data" in copy:
        data = dict(copy["data"])
        if "file" in data:
            data["file"] = (io.BytesIO(image_bytes()), "rathaus.png")
        copy["data"] = data
    return copy


def test_each_route_family_works_with_its_scope_and_is_refused_without(
    app, make_user, make_channel, make_media
) -> None:
    everyone = make_user(*EVERY_ROLE)
    for method, path, kwargs, scope, status in _family_cases(make_channel, make_media):
        allowed = _call(app, _token(everyone, {scope}), method, path, **_fresh(kwargs))
        assert allowed.status_code == status, (method, path, allowed.get_data(as_text=True))
        # Every scope but those that open this route.
        others = ALL_SCOPES - _scopes_that_open(method, path)
        refused = _call(app, _token(everyone, others), method, path, **_fresh(kwargs))
        _refused_for_scope(refused, scope.value)


def test_announcements_write_implies_read(app, make_user) -> None:
    editor = make_user("editor")
    token = _token(editor, {WRITE})
    assert _call(app, token, "GET", "/api/v1/announcements").status_code == 200
    assert _call(app, token, "GET", "/api/v1/channels").status_code == 200


def test_a_read_only_token_cannot_write(app, make_user, make_channel) -> None:
    editor = make_user("editor")
    channel = make_channel("x")
    token = _token(editor, {READ})
    refused = _call(
        app, token, "POST", "/api/v1/announcements", json={"title": "t", "channels": [channel.id]}
    )
    _refused_for_scope(refused, "announcements:write")
    upload = _call(
        app,
        token,
        "POST",
        "/api/v1/media",
        data={"file": (io.BytesIO(image_bytes()), "a.png"), "alt_text": "Rathaus"},
        content_type="multipart/form-data",
    )
    _refused_for_scope(upload, "announcements:write")


def _scopes_that_open(method: str, path: str) -> set[Scope]:
    """Which scopes let a call through (the table this test holds the server to)."""
    reading = method == "GET"
    if path.startswith(("/api/v1/announcements", "/api/v1/media")):
        return {READ, WRITE} if reading else {WRITE}
    if path.startswith("/api/v1/channels"):
        return {READ, WRITE, Scope.channels} if reading else {Scope.channels}
    if path.startswith("/api/v1/inbox"):
        return {Scope.inbox}
    if path.startswith("/api/v1/metrics"):
        return {Scope.metrics}
    raise AssertionError(f"{method} {path}: which scope does this new route need?")


def test_every_api_route_needs_a_scope(app, make_user) -> None:
    everyone = make_user(*EVERY_ROLE)
    full = _token(everyone, ALL_SCOPES)
    routes = [
        (method, re.sub(r"<[^>]+>", "1", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert len(routes) > 20
    for method, path in routes:
        opens = _scopes_that_open(method, path)
        lacking = _token(everyone, ALL_SCOPES - opens)
        refused = _call(app, lacking, method, path, json={})
        assert refused.status_code == 403, (method, path, refused.status_code)
        assert refused.get_json()["error"] == "insufficient_scope", (method, path)
        passed = _call(app, full, method, path, json={})
        assert passed.status_code != 403 or passed.get_json()["error"] != "insufficient_scope"


def test_the_missing_scope_is_named_in_german_too(app, make_user) -> None:
    token = _token(make_user("moderator"), {Scope.metrics})
    response = _call(app, token, "GET", "/api/v1/inbox", lang="de")
    _refused_for_scope(response, "inbox")
    english = _call(app, token, "GET", "/api/v1/inbox").get_json()["message"]
    assert english == "This API token may not do this: it lacks the scope inbox."


def test_a_scope_never_widens_the_owners_roles(app, make_user) -> None:
    editor = make_user("editor")
    token = _token(editor, ALL_SCOPES)
    for method, path, kwargs in (
        ("POST", "/api/v1/channels", {"json": {"network": "x", "name": "n", "external_id": "1"}}),
        ("GET", "/api/v1/inbox", {}),
        ("GET", "/api/v1/metrics/channels", {}),
    ):
        response = _call(app, token, method, path, **kwargs)
        assert response.status_code == 403, (path, response.status_code)
        assert response.get_json()["error"] == "forbidden", path


# --- expiry and revocation ---------------------------------------------------------------


def _unknown_answer(app: Flask) -> tuple[int, str, dict[str, Any]]:
    response = _call(app, "hub_not-a-real-token", "GET", "/api/v1/announcements")
    return response.status_code, response.headers["WWW-Authenticate"], response.get_json()


def _answer(response: Any) -> tuple[int, str, dict[str, Any]]:
    return response.status_code, response.headers["WWW-Authenticate"], response.get_json()


def test_a_new_token_expires_after_90_days_by_default(app, make_user) -> None:
    before = utcnow()
    plain = _token(make_user("editor"), CMS_SCOPES)
    stored = _stored(plain)
    assert before + timedelta(days=90) <= stored.expires_at <= utcnow() + timedelta(days=90)
    assert set(stored.scopes.split()) == {"announcements:read", "announcements:write"}
    short = _stored(_token(make_user("editor"), CMS_SCOPES, days=3))
    assert short.expires_at <= utcnow() + timedelta(days=3)


def test_hub_api_token_days_sets_the_default(tmp_path: Path, database_url: str, make_user) -> None:
    assert Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}).api_token_days == 90
    chosen = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_API_TOKEN_DAYS": "7"})
    assert chosen.api_token_days == 7
    with pytest.raises(ValueError, match="HUB_API_TOKEN_DAYS"):
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_API_TOKEN_DAYS": "0"})
    user = make_user("editor")
    weekly = create_app(make_settings(tmp_path, database_url, api_token_days=7), {"TESTING": True})
    with weekly.app_context():
        plain = create_token(db.session.merge(user), "weekly")
        db.session.commit()
        stored = _stored(plain)
        assert stored.expires_at <= utcnow() + timedelta(days=7)
        assert stored.expires_at > utcnow() + timedelta(days=6)
        db.session.remove()
        db.engine.dispose()


def test_an_expired_token_is_answered_like_an_unknown_one(app, make_user, caplog) -> None:
    plain = _token(make_user("editor"), CMS_SCOPES)
    assert _call(app, plain, "GET", "/api/v1/announcements").status_code == 200
    stored = _stored(plain)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="hub.auth.tokens"):
        response = _call(app, plain, "GET", "/api/v1/announcements")

    assert _answer(response) == _unknown_answer(app)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert "expired" not in response.get_data(as_text=True).lower()
    reasons = [r for r in caplog.records if r.name == "hub.auth.tokens"]
    assert any("expired" in r.getMessage() and r.levelno == logging.INFO for r in reasons)
    assert all(plain not in r.getMessage() for r in caplog.records)


def test_a_revoked_token_is_answered_like_an_unknown_one(app, make_user, caplog) -> None:
    plain = _token(make_user("editor"), CMS_SCOPES)
    assert _call(app, plain, "GET", "/api/v1/announcements").status_code == 200
    revoke_token(_stored(plain).id)
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="hub.auth.tokens"):
        response = _call(app, plain, "GET", "/api/v1/announcements")

    assert _answer(response) == _unknown_answer(app)
    assert _stored(plain).revoked_at is not None
    reasons = [r.getMessage() for r in caplog.records if r.name == "hub.auth.tokens"]
    assert any("revoked" in message for message in reasons), reasons


# --- tokens made before scopes and expiry (migration 0008) --------------------------------


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Any:
    """An empty database of the same kind as this test's ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'tokens-0008.db'}"
        return
    name = f"hub_tokens_{run_suffix()}"
    yield _create_pg_database(name)
    drop_pg_database(name)


def test_old_tokens_keep_working_with_every_scope_until_they_expire(
    fresh_url: str, tmp_path: Path
) -> None:
    from hub.auth.users import sync_roles
    from hub.models import Role, User

    config = alembic_config(fresh_url)
    command.upgrade(config, "0007")
    plain = {"young": "hub_young-token-from-before", "old": "hub_old-token-from-before-0008"}
    engine = create_engine(fresh_url)
    try:
        with engine.begin() as conn:  # the tables as they were at 0007: plain SQL
            conn.execute(
                text(
                    'INSERT INTO "user" (id, email, active, fs_uniquifier) '
                    "VALUES (1, 'cms@bochum.example', :yes, 'cms-0007')"
                ),
                {"yes": True},
            )
            for age, (label, token) in zip((10, 400), plain.items(), strict=True):
                conn.execute(
                    text(
                        "INSERT INTO api_token (user_id, name, prefix, token_hash, created_at) "
                        "VALUES (1, :name, :prefix, :hash, :created)"
                    ),
                    {
                        "name": label,
                        "prefix": token[:12],
                        "hash": hashlib.sha256(token.encode()).hexdigest(),
                        "created": (utcnow() - timedelta(days=age)).replace(tzinfo=None),
                    },
                )

        migrated_at = utcnow()
        command.upgrade(config, "0008")

        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name, scopes, expires_at FROM api_token ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [r.name for r in rows] == ["young", "old"]
    for row in rows:
        assert set(row.scopes.split()) == {s.value for s in Scope}
        # 90 days from the upgrade for every old token, however old it is.
        expires = row.expires_at if not isinstance(row.expires_at, str) else None
        expires = expires or datetime.fromisoformat(row.expires_at)
        expires = expires.replace(tzinfo=UTC)
        assert migrated_at + timedelta(days=90) <= expires <= utcnow() + timedelta(days=90)

    command.upgrade(config, "head")
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT count(*) FROM api_token")).scalar()
    finally:
        engine.dispose()
    assert kept == 2, "a later migration lost the API tokens"
    app = create_app(make_settings(tmp_path, fresh_url), {"TESTING": True})
    with app.app_context():
        sync_roles()
        owner = db.session.get(User, 1)
        owner.roles = list(db.session.scalars(select(Role)))
        db.session.commit()
        for token in plain.values():
            for path in (
                "/api/v1/announcements",
                "/api/v1/channels",
                "/api/v1/inbox",
                "/api/v1/metrics/channels",
            ):
                assert _call(app, token, "GET", path).status_code == 200, path
        # And they end like any other token.
        old = db.session.scalars(select(ApiToken).where(ApiToken.name == "old")).one()
        old.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert _call(app, plain["old"], "GET", "/api/v1/announcements").status_code == 401
        assert _call(app, plain["young"], "GET", "/api/v1/announcements").status_code == 200
        db.session.remove()
        db.engine.dispose()

    command.downgrade(config, "0007")
    engine = create_engine(fresh_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("api_token")}
        assert {"expires_at", "scopes"}.isdisjoint(columns)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 2
    finally:
        engine.dispose()
    command.upgrade(config, "head")
