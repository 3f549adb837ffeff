"""Compose and review on both databases: what is saved, what is refused, who may approve."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.extensions import db
from hub.models import AnnouncementStatus, AuditEvent
from hub.models.types import utcnow
from hub.publishing import workflow
from hub.publishing.compose import AnnouncementInput, VariantInput, save_announcement
from hub.publishing.errors import NotAllowed, StaleEdit, ValidationFailed


def test_editor_writes_and_approver_approves(make_user, make_channel, make_media) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x, insta = make_channel("x"), make_channel("instagram")
    image = make_media("image")
    ann = save_announcement(
        AnnouncementInput(
            title="Sperrung Kortumstraße",
            body="Die Kortumstraße ist am Samstag gesperrt.",
            link="https://www.bochum.de/sperrung",
            channel_ids=[x.id, insta.id],
            variants={insta.id: VariantInput(body="Kortumstraße gesperrt #bochum")},
            media_ids=[image.id],
            scheduled_at=utcnow() + timedelta(hours=2),
        ),
        user=editor,
    )
    db.session.commit()
    assert ann.status == AnnouncementStatus.draft
    assert ann.variant_for(insta.id).effective_body == "Kortumstraße gesperrt #bochum"
    assert ann.variant_for(x.id).effective_body == ann.body

    workflow.submit(ann, editor)
    with pytest.raises(NotAllowed):
        workflow.approve(ann, editor)
    workflow.approve(ann, approver)
    db.session.commit()
    assert ann.status == AnnouncementStatus.scheduled and ann.approver_id == approver.id
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-3:] == [
        "announcement.created",
        "announcement.submitted",
        "announcement.approved",
    ]


def test_author_who_is_also_approver_cannot_approve_own(english, make_user, make_channel) -> None:
    both = make_user("editor", "approver")
    x = make_channel("x")
    ann = save_announcement(AnnouncementInput(title="t", body="b", channel_ids=[x.id]), user=both)
    workflow.submit(ann, both)
    with pytest.raises(NotAllowed, match="someone else"):
        workflow.approve(ann, both)


def test_everything_wrong_is_reported_at_once_and_nothing_saved(
    make_user, make_channel, make_media
) -> None:
    editor = make_user("editor")
    x, yt = make_channel("x"), make_channel("youtube")
    no_alt = make_media("image", alt_text=None)
    with pytest.raises(ValidationFailed) as err:
        save_announcement(
            AnnouncementInput(
                title="",
                body="a" * 300,
                link="javascript:alert(1)",
                channel_ids=[x.id, yt.id, 999],
                media_ids=[no_alt.id],
                scheduled_at=utcnow() - timedelta(days=1),
            ),
            user=editor,
        )
    fields = err.value.fields
    assert {"title", "link", "channels", "media", "scheduled_at"} <= set(fields)
    assert f"variants.{x.id}.body" in fields
    assert f"variants.{yt.id}.media" in fields
    db.session.rollback()
    from hub.models import Announcement

    assert db.session.query(Announcement).count() == 0


def test_stale_edit_is_refused(make_user, make_channel) -> None:
    editor = make_user("editor")
    x = make_channel("x")
    ann = save_announcement(
        AnnouncementInput(title="t", body="one", channel_ids=[x.id]), user=editor
    )
    db.session.commit()
    seen = ann.version
    save_announcement(
        AnnouncementInput(title="t", body="two", channel_ids=[x.id]),
        user=editor,
        announcement=ann,
        expected_version=seen,
    )
    db.session.commit()
    with pytest.raises(StaleEdit):
        save_announcement(
            AnnouncementInput(title="t", body="three", channel_ids=[x.id]),
            user=editor,
            announcement=ann,
            expected_version=seen,
        )
    db.session.rollback()
    assert ann.body == "two"


def test_editing_an_approved_announcement_sends_it_back(make_user, make_channel) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x = make_channel("x")
    ann = save_announcement(AnnouncementInput(title="t", body="b", channel_ids=[x.id]), user=editor)
    workflow.submit(ann, editor)
    workflow.approve(ann, approver)
    db.session.commit()
    save_announcement(
        AnnouncementInput(title="t", body="changed", channel_ids=[x.id]),
        user=editor,
        announcement=ann,
        expected_version=ann.version,
    )
    db.session.commit()
    assert ann.status == AnnouncementStatus.in_review and ann.approver_id is None


def test_send_back_needs_a_comment_and_cancel(make_user, make_channel) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x = make_channel("x")
    ann = save_announcement(AnnouncementInput(title="t", body="b", channel_ids=[x.id]), user=editor)
    workflow.submit(ann, editor)
    with pytest.raises(ValidationFailed):
        workflow.send_back(ann, approver, "  ")
    workflow.send_back(ann, approver, "Bitte Uhrzeit ergänzen")
    assert ann.status == AnnouncementStatus.draft and ann.review_comment
    workflow.cancel(ann, editor)
    assert ann.status == AnnouncementStatus.cancelled
