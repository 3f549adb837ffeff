"""Factories for integration tests: an approved announcement on chosen channels."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.extensions import db
from hub.models import Announcement
from hub.publishing import workflow
from hub.publishing.compose import AnnouncementInput, save_announcement


@pytest.fixture
def approved(make_user, make_channel):  # type: ignore[no-untyped-def]
    """Make an approved announcement for ``networks`` due at ``when`` (default: now)."""
    editor, approver = make_user("editor"), make_user("approver")

    def make(
        *networks: str, body: str = "Hallo Bochum", when: datetime | None = None, channels=None
    ) -> Announcement:
        chosen = channels or [make_channel(n) for n in networks]
        ann = save_announcement(
            AnnouncementInput(title="Test", body=body, channel_ids=[c.id for c in chosen]),
            user=editor,
        )
        workflow.submit(ann, editor)
        workflow.approve(ann, approver)
        if when is not None:
            ann.scheduled_at = when
        db.session.commit()
        return ann

    make.editor = editor  # type: ignore[attr-defined]
    make.approver = approver  # type: ignore[attr-defined]
    return make
