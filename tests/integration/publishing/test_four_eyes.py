"""Four eyes (issue 12, finding 3a): nobody approves a version they wrote or changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.extensions import db
from hub.models import AnnouncementStatus
from hub.models.types import utcnow
from hub.publishing import workflow
from hub.publishing.compose import AnnouncementInput, input_from, save_announcement
from hub.publishing.errors import NotAllowed


def _in_review(author, channel_id: int):  # type: ignore[no-untyped-def]
    ann = save_announcement(
        AnnouncementInput(
            title="Sperrung", body="Die Straße ist gesperrt.", channel_ids=[channel_id]
        ),
        user=author,
    )
    workflow.submit(ann, author)
    db.session.commit()
    return ann


def _rewrite(ann, person, body: str) -> None:  # type: ignore[no-untyped-def]
    data = input_from(ann)
    data.body = body
    save_announcement(data, user=person, announcement=ann, expected_version=ann.version)
    db.session.commit()


def test_who_rewrote_it_in_review_cannot_approve_it(english, make_user, make_channel) -> None:
    author = make_user("editor")
    both = make_user("editor", "approver")
    other = make_user("approver")
    ann = _in_review(author, make_channel("x").id)

    _rewrite(ann, both, "Die Straße ist gesperrt. Kommen Sie trotzdem!")
    assert ann.status == AnnouncementStatus.in_review
    with pytest.raises(NotAllowed, match="changed this announcement"):
        workflow.approve(ann, both)
    db.session.rollback()

    workflow.approve(ann, other)  # a second person who changed nothing may
    db.session.commit()
    assert ann.status == AnnouncementStatus.scheduled and ann.approver_id == other.id


def test_who_changed_an_approved_one_cannot_approve_it_again(
    english, make_user, make_channel
) -> None:
    author = make_user("editor")
    both = make_user("editor", "approver")
    other = make_user("approver")
    ann = _in_review(author, make_channel("x").id)
    ann.scheduled_at = utcnow() + timedelta(hours=3)
    workflow.approve(ann, other)
    db.session.commit()

    _rewrite(ann, both, "Ganz anders.")  # back to review
    assert ann.status == AnnouncementStatus.in_review
    with pytest.raises(NotAllowed, match="changed this announcement"):
        workflow.approve(ann, both)
    db.session.rollback()
    assert workflow.approval_refusal(ann, both) is not None
    assert workflow.approval_refusal(ann, other) is None


def test_who_changed_an_earlier_version_cannot_approve_either(
    english, make_user, make_channel
) -> None:
    """What someone changed in a draft is still in the version that is approved."""
    author = make_user("editor")
    both = make_user("editor", "approver")
    ann = save_announcement(
        AnnouncementInput(title="t", body="eins", channel_ids=[make_channel("x").id]),
        user=author,
    )
    db.session.commit()
    _rewrite(ann, both, "zwei")  # while it is a draft
    workflow.submit(ann, author)
    db.session.commit()
    with pytest.raises(NotAllowed):
        workflow.approve(ann, both)
