"""Security tests build their own apps where a setting matters (rate limits on, a proxy in
front, two factors required); the rest take the shared ``app`` fixture with fast hashing."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.integration.admin.support import speed_up


@pytest.fixture(autouse=True)
def _fast_app(app: Flask) -> None:
    speed_up(app)


@pytest.fixture
def world(app: Flask, settings, make_user, make_channel, make_media):  # type: ignore[no-untyped-def]
    """One person per role, channels and rows to call every route with (world.py)."""
    from tests.security.world import World

    return World.build(app, settings, make_user, make_channel, make_media)


@pytest.fixture
def office(app: Flask, world, make_user):  # type: ignore[no-untyped-def]
    """The world's people logged in, with API tokens (callers.py)."""
    from tests.security.callers import Office

    return Office(app, world, make_user)
