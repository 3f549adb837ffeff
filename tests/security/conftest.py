"""Security tests build their own apps where a setting matters (rate limits on, a proxy in
front, two factors required); the rest take the shared ``app`` fixture with fast hashing."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.integration.admin.support import speed_up


@pytest.fixture(autouse=True)
def _fast_app(app: Flask) -> None:
    speed_up(app)
