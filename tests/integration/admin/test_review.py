"""The detail page and its review buttons: every step goes through hub.publishing.workflow."""

from __future__ import annotations

import re

from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, Delivery, DeliveryState
from hub.publishing import workflow
from hub.publishing.compose import AnnouncementInput, save_announcement
from tests.conftest import csrf_from


def _draft(author, channels, *, body: str = "Hallo Bochum", submitted: bool = False):  # type: ignore[no-untyped-def]
    ann = save_announcement(
        AnnouncementInput(title="Stadtfest", body=body, channel_ids=[c.id for c in channels]),
        user=author,
    )
    if submitted:
        workflow.submit(ann, author)
    db.session.commit()
    return ann


def _step(client, ann_id: int, step: str, **extra: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/admin/announcements/{ann_id}/").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    data = {"csrf_token": csrf_from(page), "version": version[1] if version else "", **extra}
    return client.post(f"/admin/announcements/{ann_id}/{step}", data=data)


def _status(ann_id: int) -> str:
    db.session.rollback()
    return db.session.get(Announcement, ann_id).status


def test_editor_submits_and_another_person_approves(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    ann = _draft(editor, [make_channel("x")])
    author = client_for(editor)
    page = author.get(f"/admin/announcements/{ann.id}/").text
    assert 'id="submit-for-review"' in page and 'id="approve"' not in page

    response = _step(author, ann.id, "submit")
    assert response.status_code == 302
    assert _status(ann.id) == AnnouncementStatus.in_review
    assert "Submitted for review." in author.get(response.headers["Location"]).text

    reviewer = client_for(approver)
    page = reviewer.get(f"/admin/announcements/{ann.id}/").text
    assert re.search(r'<button type="submit" class="btn btn-success" id="approve">', page)
    _step(reviewer, ann.id, "approve")
    assert _status(ann.id) == AnnouncementStatus.scheduled


def test_the_author_cannot_approve_their_own(english, make_user, make_channel, client_for) -> None:
    both = make_user("editor", "approver")
    ann = _draft(both, [make_channel("x")], submitted=True)
    client = client_for(both)
    page = client.get(f"/admin/announcements/{ann.id}/").text
    # The button is disabled, with the reason...
    assert re.search(r'id="approve" disabled', page)
    assert "someone else has to approve it (four-eyes)" in page
    assert f'action="/admin/announcements/{ann.id}/approve"' not in page
    # ...and the server refuses a direct POST all the same.
    response = _step(client, ann.id, "approve")
    assert response.status_code == 302
    assert _status(ann.id) == AnnouncementStatus.in_review
    shown = client.get(response.headers["Location"]).text
    assert "someone else has to approve it (four-eyes)" in shown
    assert "alert-danger" in shown


def test_send_back_needs_a_comment_which_the_author_then_sees(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    ann = _draft(editor, [make_channel("x")], submitted=True)
    reviewer = client_for(approver)
    response = _step(reviewer, ann.id, "send-back", comment="   ")
    assert (
        "Please tell the author what to change." in reviewer.get(response.headers["Location"]).text
    )
    assert _status(ann.id) == AnnouncementStatus.in_review

    _step(reviewer, ann.id, "send-back", comment="Bitte <b>Uhrzeit</b> ergänzen")
    assert _status(ann.id) == AnnouncementStatus.draft
    page = client_for(editor).get(f"/admin/announcements/{ann.id}/").text
    assert 'id="review-comment"' in page
    assert "Bitte &lt;b&gt;Uhrzeit&lt;/b&gt; ergänzen" in page  # escaped, never raw HTML


def test_cancel_stops_pending_deliveries(make_user, make_channel, client_for) -> None:
    editor = make_user("editor")
    x = make_channel("x")
    ann = _draft(editor, [x])
    db.session.add(Delivery(announcement_id=ann.id, channel_id=x.id, state=DeliveryState.pending))
    db.session.commit()
    client = client_for(editor)
    assert 'id="cancel"' in client.get(f"/admin/announcements/{ann.id}/").text
    _step(client, ann.id, "cancel")
    assert _status(ann.id) == AnnouncementStatus.cancelled
    assert db.session.scalars(db.select(Delivery)).one().state == DeliveryState.cancelled


def test_a_step_on_a_changed_announcement_is_refused(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    ann = _draft(editor, [make_channel("x")], submitted=True)
    reviewer = client_for(approver)
    page = reviewer.get(f"/admin/announcements/{ann.id}/").text
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
    ann.body = "geändert, nachdem die Prüferin die Seite geöffnet hat"
    db.session.commit()
    response = reviewer.post(
        f"/admin/announcements/{ann.id}/approve",
        data={"csrf_token": csrf_from(page), "version": seen},
    )
    assert "Someone else saved this announcement" in reviewer.get(response.headers["Location"]).text
    assert _status(ann.id) == AnnouncementStatus.in_review


def test_submit_reports_what_blocks_publishing(
    english, make_user, make_channel, client_for
) -> None:
    editor = make_user("editor")
    x = make_channel("x")
    ann = _draft(editor, [x])
    ann.body = "a" * 300  # changed behind the form's back: submit re-checks everything
    db.session.commit()
    client = client_for(editor)
    response = _step(client, ann.id, "submit")
    page = client.get(response.headers["Location"]).text
    assert "X allows 280 weighted characters; this text has 300." in page
    assert _status(ann.id) == AnnouncementStatus.draft


def test_detail_shows_preview_and_deliveries(
    english, make_user, make_channel, make_media, client_for
) -> None:
    editor = make_user("editor")
    x, insta = make_channel("x"), make_channel("instagram")
    image = make_media("image", alt_text="Rathaus bei Nacht")
    ann = save_announcement(
        AnnouncementInput(
            title="Lichterfest",
            body="Heute Abend leuchtet das Rathaus.",
            link="https://www.bochum.de/licht",
            channel_ids=[x.id, insta.id],
            media_ids=[image.id],
        ),
        user=editor,
    )
    db.session.add_all(
        [
            Delivery(
                announcement=ann,
                channel_id=x.id,
                state=DeliveryState.published,
                attempts=1,
                url="https://x.example/status/1",
                error_message="Die Lizenz konnte nicht gesetzt werden.",
            ),
            Delivery(
                announcement=ann,
                channel_id=insta.id,
                state=DeliveryState.failed,
                attempts=3,
                error_message="Das Bild ist zu klein.",
            ),
        ]
    )
    db.session.commit()
    page = client_for(editor).get(f"/admin/announcements/{ann.id}/").text
    preview = page[page.index('id="preview"') : page.index('id="deliveries"')]
    assert "Heute Abend leuchtet das Rathaus.\n\nhttps://www.bochum.de/licht" in preview
    body = "Heute Abend leuchtet das Rathaus."
    assert f"{len(body) + 2 + 23} / 280" in preview  # text, a blank line and a link (23)
    assert f"/admin/announcements/media/{image.id}/thumbnail" in preview
    assert 'alt="Rathaus bei Nacht"' in preview
    deliveries = page[page.index('id="deliveries"') :]
    assert "https://x.example/status/1" in deliveries
    assert '<span class="text-danger" data-message="failed">Das Bild ist zu klein.' in deliveries
    # A note on a post that went out is information, not shown as an error.
    assert (
        '<span class="text-body" data-message="published">Die Lizenz konnte nicht gesetzt werden.'
        in deliveries
    )
    assert "Read the reason, fix the cause" in deliveries  # advice from labels.py


def test_list_shows_channel_states_and_filters_by_status(
    make_user, make_channel, client_for
) -> None:
    editor = make_user("editor")
    x, facebook = make_channel("x", name="X Stadt"), make_channel("facebook", name="FB Stadt")
    older = _draft(editor, [x, facebook])
    newer = _draft(editor, [x], submitted=True)
    db.session.add(Delivery(announcement_id=older.id, channel_id=x.id, state=DeliveryState.failed))
    db.session.commit()
    client = client_for(editor)
    page = client.get("/admin/announcements/").text
    rows = re.findall(r'data-announcement-id="(\d+)"', page)
    assert rows == [str(newer.id), str(older.id)]  # newest first
    older_row = page[page.index(f'data-announcement-id="{older.id}"') :]
    assert f'data-channel-id="{x.id}" data-state="failed"' in older_row
    # Deliveries replace the chosen channels: Facebook has no delivery row, so it is not shown.
    assert f'data-channel-id="{facebook.id}"' not in older_row.split("</tr>")[0]
    newer_row = page[page.index(f'data-announcement-id="{newer.id}"') :].split("</tr>")[0]
    assert f'data-channel-id="{x.id}">' in newer_row  # chosen, nothing sent yet

    filtered = client.get("/admin/announcements/?status=in_review").text
    assert re.findall(r'data-announcement-id="(\d+)"', filtered) == [str(newer.id)]


def test_dashboard_shows_drafts_reviews_and_failures(make_user, make_channel, client_for) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x = make_channel("x")
    draft = _draft(editor, [x], body="Entwurf")
    waiting = _draft(editor, [x], submitted=True)
    failing = _draft(editor, [x])
    failing.title = "Kaputt"
    db.session.add(
        Delivery(
            announcement_id=failing.id,
            channel_id=x.id,
            state=DeliveryState.failed,
            error_message="Token abgelaufen",
        )
    )
    db.session.commit()

    mine = client_for(editor).get("/admin/").text
    drafts = mine[mine.index('id="my-drafts"') : mine.index('id="to-review"')]
    assert f"/admin/announcements/{draft.id}/" in drafts
    assert f"/admin/announcements/{waiting.id}/" not in drafts

    theirs = client_for(approver).get("/admin/").text
    review = theirs[theirs.index('id="to-review"') : theirs.index('id="scheduled"')]
    assert f"/admin/announcements/{waiting.id}/" in review
    failures = theirs[theirs.index('id="failures"') :]
    assert "Kaputt" in failures and "Token abgelaufen" in failures


def test_thumbnails_need_a_login_and_are_served_safely(
    app, make_user, make_media, client_for
) -> None:
    image = make_media("image")
    url = f"/admin/announcements/media/{image.id}/thumbnail"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    response = client_for(make_user("manager")).get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data[:4] == b"RIFF"
    video = make_media("video")
    assert (
        client_for(make_user("editor"))
        .get(f"/admin/announcements/media/{video.id}/thumbnail")
        .status_code
        == 404
    )
