"""hub names LinkedIn's API version in one place, and that version is one LinkedIn supports.

LinkedIn keeps each monthly version of its Marketing API for about a year and then answers
every call with it with 426. This test fails a month before that, so nobody releases a hub
that stops posting to LinkedIn on a date nobody chose.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from hub.connectors import linkedin_wire
from hub.connectors.linkedin_wire import LINKEDIN_VERSION, SUPPORT_MONTHS, version_age_months


def test_the_version_is_within_linkedins_support_window() -> None:
    age = version_age_months(datetime.now(UTC).date())
    assert 0 <= age < SUPPORT_MONTHS, (
        f"LINKEDIN_VERSION {LINKEDIN_VERSION} is {age} months old; LinkedIn switches a version "
        "off after a year (HTTP 426). Move it to a current version in "
        "hub/connectors/linkedin_wire.py (learn.microsoft.com/linkedin/marketing/versioning), "
        "read LinkedIn's changes since then and run the LinkedIn tests."
    )


def test_the_window_is_counted_in_months() -> None:
    assert version_age_months(date(2027, 6, 30), "202607") == 11
    assert version_age_months(date(2026, 7, 1), "202607") == 0


def test_the_version_is_named_in_one_place_only() -> None:
    hub = Path(linkedin_wire.__file__).resolve().parents[1]
    named = [
        path.relative_to(hub).as_posix()
        for path in hub.rglob("*.py")
        if re.search(r"LinkedIn-Version\"?\s*[:=,]\s*\"\d{6}", path.read_text(encoding="utf-8"))
    ]
    assert named == []  # every call takes linkedin_wire.headers(), nobody writes a version
