"""Factories for integration tests: an approved announcement on chosen channels."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.models import Announcement
from tests.support import approved_announcement


@pytest.fixture
def approved(make_user, make_channel):  # type: ignore[no-untyped-def]
    """Make an approved announcement for ``networks`` due at ``when`` (default: now)."""
    editor, approver = make_user("editor"), make_user("approver")

    def make(
        *networks: str, body: str = "Hallo Bochum", when: datetime | None = None, channels=None
    ) -> Announcement:
        chosen = channels or [make_channel(n) for n in networks]
        return approved_announcement(editor, approver, [c.id for c in chosen], body=body, when=when)

    make.editor = editor  # type: ignore[attr-defined]
    make.approver = approver  # type: ignore[attr-defined]
    return make
