"""Auth tests use the admin tests' fast hashing and one app context per request."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.integration.admin.support import speed_up


@pytest.fixture(autouse=True)
def _fast_app(app: Flask) -> None:
    speed_up(app)
