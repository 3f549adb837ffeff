"""Four eyes on the pages (issue 12, finding 3): who changed an announcement sees no working
approve button and is refused; an alt text changed in one announcement never changes the image
of another (the change gets a copy of its own)."""

from __future__ import annotations

import re

from sqlalchemy import select

from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, AuditEvent, MediaAsset
from hub.publishing import pipeline, workflow
from hub.publishing.compose import AnnouncementInput, save_announcement
from tests.conftest import csrf_from
from tests.integration.admin.conftest import save_edit
from tests.support import approved_announcement


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]


def test_who_changed_it_in_review_cannot_approve_it_on_the_page(
    english, make_user, make_channel, client_for
) -> None:
    author, both = make_user("editor"), make_user("editor", "approver")
    x = make_channel("x")
    ann = save_announcement(
        AnnouncementInput(title="Stadtfest", body="Hallo Bochum", channel_ids=[x.id]), user=author
    )
    workflow.submit(ann, author)
    db.session.commit()

    client = client_for(both)
    save_edit(
        client,
        ann.id,
        {"title": "Stadtfest", "body": "Hallo Bochum, kommt alle!", "channels": [str(x.id)]},
    )

    page = client.get(f"/admin/announcements/{ann.id}/").text
    assert re.search(r'id="approve" disabled', page)
    assert "You changed this announcement" in page
    answer = client.post(
        f"/admin/announcements/{ann.id}/approve",
        data={"csrf_token": csrf_from(page), "version": _version(page)},
        follow_redirects=True,
    )
    assert "You changed this announcement" in answer.text
    db.session.rollback()
    assert db.session.get(Announcement, ann.id).status == AnnouncementStatus.in_review


def test_an_alt_text_changed_in_a_draft_does_not_change_a_scheduled_announcement(
    make_user, make_channel, make_media, client_for, settings
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x = make_channel("x")
    image = make_media("image", alt_text="Das Rathaus Bochum", uploaded_by=editor)
    scheduled = approved_announcement(editor, approver, [x.id], media_ids=[image.id])
    version = scheduled.version
    # The same image in a new draft (the API allows the uploader to use it again).
    draft = save_announcement(
        AnnouncementInput(title="Neu", body="Hallo", channel_ids=[x.id], media_ids=[image.id]),
        user=editor,
    )
    db.session.commit()

    save_edit(
        client_for(editor),
        draft.id,
        {
            "title": "Neu",
            "body": "Hallo",
            "channels": [str(x.id)],
            "existing_media-0-media_id": str(image.id),
            "existing_media-0-alt_text": "Ein ganz anderer Text",
        },
    )
    db.session.rollback()

    # What the approver approved goes out: the scheduled announcement's image is untouched.
    scheduled = db.session.get(Announcement, scheduled.id)
    assert [m.id for m in scheduled.media] == [image.id]
    assert db.session.get(MediaAsset, image.id).alt_text == "Das Rathaus Bochum"
    assert scheduled.status == AnnouncementStatus.scheduled and scheduled.version == version
    # The draft got a copy of the same file with the new text.
    (copy,) = db.session.get(Announcement, draft.id).media
    assert copy.id != image.id and copy.alt_text == "Ein ganz anderer Text"
    assert (copy.sha256, copy.stored_path) == (image.sha256, image.stored_path)
    copied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "media.copied")).one()
    assert copied.object_id == copy.id and copied.details["source"] == image.id
    # And the scheduled post goes out with the approved text.
    pipeline.dispatch_due()
    db.session.expire_all()
    (delivery,) = db.session.get(Announcement, scheduled.id).deliveries
    (media,) = pipeline.outgoing_post(delivery).media
    assert media.alt_text == "Das Rathaus Bochum"
