"""Test helpers shared by the admin and browser tests (no fixtures here, plain code).

- ``IsolatedClient``: the ``app`` fixture keeps one app context pushed for the whole test; a
  request made inside it would share that context's ``g`` (Flask-Login caches the logged-in
  user there) and database session with the test and with every other client. This client
  gives each request its own app context, as a real server does. After a request, read the
  database afresh (``db.session.rollback()`` ends the test's snapshot).
- ``speed_up(app)``: compiled templates shared across the apps of a test run (each test builds a
  new app), and argon2 at minimal cost: tests need argon2 hashes, not expensive ones.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


class SharedBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


def speed_up(app: Flask) -> None:
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    app.extensions["security"].pwd_context.update(
        argon2__rounds=1, argon2__memory_cost=8, argon2__parallelism=1
    )
