"""Factories for integration tests: settings against the sandbox, an approved announcement on
chosen channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings
from hub.models import Announcement
from tests.conftest import make_settings
from tests.support import approved_announcement


@pytest.fixture
def sandbox_settings(
    tmp_path: Path, database_url: str, sandbox_url: str
) -> Callable[..., Settings]:
    """Make the settings of a test whose networks are the sandbox, with ``overrides``."""

    def make(**overrides: Any) -> Settings:
        return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, **overrides)

    return make


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
