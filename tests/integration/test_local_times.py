"""``format_local`` (the ``localtime`` filter) says exactly what Flask-Babel's
``format_datetime`` says: it only looks the locale's patterns up once instead of per value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import format_datetime

from hub.i18n import format_local

MOMENTS = [
    # both switches of the clock in Berlin, by the quarter hour
    *(datetime(2024, 3, 31, 0, 0, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(16)),
    *(datetime(2024, 10, 27, 0, 0, tzinfo=UTC) + timedelta(minutes=15 * i) for i in range(16)),
    datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 6, 1, 12, 0, 0),  # naive: taken as UTC
]


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("fmt", ["short", "medium", "long", "full", "dd.MM.yyyy HH:mm"])
def test_format_local_is_flask_babels_format_datetime(app: Flask, lang: str, fmt: str) -> None:
    with app.test_request_context(f"/admin/?lang={lang}"):
        for moment in MOMENTS:
            assert format_local(moment, fmt) == format_datetime(moment, fmt)


def test_format_local_outside_a_request(app: Flask) -> None:
    moment = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    assert format_local(moment) == format_datetime(moment)
    assert format_local(None) == ""
