"""Sending the calls of calls.py as the World's people, and what a call left in the database.

``Office`` keeps one logged-in test client and one API token per person. ``database_state``
reads every table, so a test can say "nothing changed" about a refused request without
knowing which row the route would have touched.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.extensions import db
from hub.models import User
from tests.conftest import csrf_from, login
from tests.security.calls import Call, with_token
from tests.security.routes import Route
from tests.security.world import World, token_for

State = dict[str, list[str]]


# Bookkeeping a refused request may still do: an API token notes when it was last shown.
NOT_COMPARED = {"api_token": {"last_used_at"}}


def database_state() -> State:
    """Every row of every table, as committed (read past the test's own session)."""
    db.session.rollback()
    state: State = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            skipped = NOT_COMPARED.get(table.name, set())
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in skipped)
            rows = connection.exec_driver_sql(f'SELECT {columns} FROM "{table.name}"').fetchall()
            state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def changed_tables(before: State, after: State) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


def send(client: FlaskClient, call: Call, csrf: str | None) -> TestResponse:
    """Send ``call``; ``csrf`` is the token to include (None: none at all)."""
    headers = dict(call.headers)
    if call.json is not None:
        if csrf is not None:
            headers["X-CSRFToken"] = csrf
        return client.open(
            call.path, method=call.method, json=call.json, headers=headers, buffered=True
        )
    if call.form is not None:
        data = {
            name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
            for name, value in call.form.items()
        }
        if csrf is not None:
            data["csrf_token"] = csrf
        kwargs: dict[str, Any] = {"content_type": "multipart/form-data"} if call.multipart else {}
        return client.open(
            call.path, method=call.method, data=data, headers=headers, buffered=True, **kwargs
        )
    return client.open(call.path, method=call.method, headers=headers, buffered=True)


def flashed(client: FlaskClient) -> list[tuple[str, str]]:
    """The messages waiting for the next page (and forget them)."""
    with client.session_transaction() as session:
        messages = list(session.get("_flashes", []))
        session["_flashes"] = []
    return messages


class Office:
    """The World's people at their desks: a logged-in client and an API token each."""

    def __init__(self, app: Flask, world: World, make_user: Callable[..., User]) -> None:
        self.app = app
        self.world = world
        self.make_user = make_user
        self.clients: dict[int, FlaskClient] = {}
        self.tokens: dict[int, str] = {}
        self.csrf_tokens: dict[FlaskClient, str] = {}
        self.api = app.test_client(use_cookies=False)

    def client(self, user: User) -> FlaskClient:
        if user.id not in self.clients:
            client = self.app.test_client()
            login(client, user.email)
            self.clients[user.id] = client
        return self.clients[user.id]

    def token(self, user: User) -> str:
        if user.id not in self.tokens:
            self.tokens[user.id] = token_for(user)
        return self.tokens[user.id]

    def csrf(self, client: FlaskClient) -> str:
        """The session's CSRF token (Flask-WTF's stays the same for the whole session)."""
        if client not in self.csrf_tokens:
            self.csrf_tokens[client] = csrf_from(client.get("/admin/").text)
        return self.csrf_tokens[client]

    def stand_in(self, user: User) -> User:
        """A new person with ``user``'s roles, for a call that ends the session."""
        roles = sorted(user.role_names)
        return self.make_user(*roles) if roles else self.make_user()

    def client_for(self, call: Call, user: User) -> tuple[FlaskClient, str, User]:
        """The client to send ``call`` with, its CSRF token, and who is sending it."""
        if call.session == "anonymous":
            client = self.app.test_client()
            return client, csrf_from(client.get("/login").text), user
        if call.session == "fresh":
            user = self.stand_in(user)
            client = self.app.test_client()
            login(client, user.email)
            return client, self.csrf(client), user
        client = self.client(user)
        return client, self.csrf(client), user

    def send_as(
        self, user: User, route: Route, call: Call, *, csrf: bool = True
    ) -> tuple[TestResponse, FlaskClient]:
        """``call`` as ``user``: with their token for the API, their session for pages.
        Returns the answer and the client that sent it (for its flashed messages)."""
        if route.is_api:
            return send(self.api, with_token(call, self.token(user)), None), self.api
        client, token, _sender = self.client_for(call, user)
        return send(client, call, token if csrf else None), client
