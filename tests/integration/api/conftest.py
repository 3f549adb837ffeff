"""API test helpers: a caller per person (their own bearer token), and extra apps for config tests.

Everything goes through the real WSGI app and the real database (SQLite and PostgreSQL via the
``app`` fixture); nothing of hub is mocked.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub import create_app
from hub.auth.scopes import ALL_SCOPES
from hub.auth.tokens import create_token
from hub.config import Settings
from hub.extensions import db
from hub.models import User

ALL_ROLES = ("editor", "approver", "moderator", "manager", "admin")


@dataclass
class Caller:
    """Somebody calling the API with their token; ``lang`` goes out as Accept-Language."""

    client: FlaskClient
    token: str
    user: User
    lang: str = "en"
    responses: list[TestResponse] = field(default_factory=list)

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        sent = {"Authorization": f"Bearer {self.token}", "Accept-Language": self.lang}
        sent.update(headers or {})
        response = self.client.open(path, method=method, headers=sent, **kwargs)
        self.responses.append(response)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def draft(self, *channel_ids: int, **fields: Any) -> TestResponse:
        """POST a new announcement: title "t", body "b" on these channels, unless given."""
        body = {"title": "t", "body": "b", "channels": list(channel_ids), **fields}
        return self.post("/api/v1/announcements", json=body)

    def upload(
        self, data: bytes, filename: str, alt_text: str | None = "Das Rathaus", **fields: str
    ) -> TestResponse:
        form: dict[str, Any] = {"file": (io.BytesIO(data), filename), **fields}
        if alt_text is not None:
            form["alt_text"] = alt_text
        return self.post("/api/v1/media", data=form, content_type="multipart/form-data")


@pytest.fixture
def caller(app: Flask, make_user):  # type: ignore[no-untyped-def]
    """``caller("editor")``: a new user with these roles and a fresh API token (every scope:
    these tests are about roles; tests/security/test_api_tokens.py is about scopes)."""

    def make(*roles: str, user: User | None = None, lang: str = "en") -> Caller:
        person = user or make_user(*roles)
        token = create_token(person, name="test", scopes=ALL_SCOPES)
        db.session.commit()
        return Caller(app.test_client(), token, person, lang)

    return make


@pytest.fixture
def other_app(settings: Settings) -> Iterator[Any]:
    """A second app on the same database, for settings the shared ``app`` fixture fixes."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        extra = {"TESTING": True, "RATELIMIT_ENABLED": False, **config}
        created = create_app(settings, extra)
        made.append(created)
        return created

    yield make
    for created in made:
        with created.app_context():
            db.session.remove()
            db.engine.dispose()


def error_of(response: TestResponse) -> dict[str, Any]:
    """The error body, after checking it has the API's shape."""
    body = response.get_json()
    assert response.mimetype == "application/json", response.data[:300]
    assert set(body) == {"error", "message", "fields"}, body
    assert isinstance(body["message"], str) and body["message"]
    return body
