"""Four eyes through the API (issue 12, findings 3 and 9): who changed it cannot approve it,
review steps name the version read, media ids must be the caller's to use."""

from __future__ import annotations

from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus
from tests.conftest import image_bytes
from tests.integration.api.conftest import error_of


def _submitted(editor, channel_id: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    path = editor.draft(channel_id).headers["Location"]
    submitted = editor.post(f"{path}/submit")
    assert submitted.status_code == 200, submitted.json
    return path, submitted.json["version"]


def test_who_patched_it_in_review_cannot_approve_it(caller, make_channel) -> None:
    author, both, other = caller("editor"), caller("editor", "approver"), caller("approver")
    path, version = _submitted(author, make_channel("x").id)

    patched = both.patch(path, json={"body": "Neu geschrieben", "version": version})
    assert patched.status_code == 200, patched.json
    assert patched.json["status"] == "in_review"
    version = patched.json["version"]

    refused = both.post(f"{path}/approve", json={"version": version})
    assert refused.status_code == 403, refused.json
    body = error_of(refused)
    assert body["error"] == "not_allowed" and "changed this announcement" in body["message"]

    approved = other.post(f"{path}/approve", json={"version": version})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "scheduled"


def test_review_steps_need_the_version_the_approver_read(caller, make_channel) -> None:
    editor, approver = caller("editor"), caller("approver")
    path, version = _submitted(editor, make_channel("x").id)

    for step, extra in (("approve", {}), ("reject", {"comment": "Bitte ändern"})):
        missing = approver.post(f"{path}/{step}", json=extra)
        assert missing.status_code == 422, missing.json
        assert error_of(missing)["error"] == "validation_failed"
        assert missing.json["fields"]["version"]
        no_body = approver.post(f"{path}/{step}")
        assert no_body.status_code == 422, no_body.json

    # The author changes the text after the approver read it: the approval is refused.
    changed = editor.patch(path, json={"body": "Anders", "version": version})
    assert changed.status_code == 200
    stale = approver.post(f"{path}/approve", json={"version": version})
    assert stale.status_code == 409, stale.json
    assert error_of(stale)["error"] == "stale_edit"
    db.session.expire_all()
    assert db.session.get(Announcement, int(path.rsplit("/", 1)[1])).status == (
        AnnouncementStatus.in_review
    )

    approved = approver.post(f"{path}/approve", json={"version": changed.json["version"]})
    assert approved.status_code == 200, approved.json


def test_media_ids_must_be_the_callers_to_use(caller, make_channel) -> None:
    owner, stranger = caller("editor"), caller("editor")
    x = make_channel("x")
    theirs = owner.upload(image_bytes(), "rathaus.png").json["id"]
    mine = stranger.upload(image_bytes(color="red"), "mein.png").json["id"]

    refused = stranger.draft(x.id, media=[theirs])
    assert refused.status_code == 422, refused.json
    assert error_of(refused)["error"] == "validation_failed"
    assert str(theirs) in " ".join(refused.json["fields"]["media"])

    created = stranger.draft(x.id, media=[mine])
    assert created.status_code == 201, created.json
    adding = stranger.patch(
        created.headers["Location"],
        json={"media": [mine, theirs], "version": created.json["version"]},
    )
    assert adding.status_code == 422, adding.json

    # An announcement keeps its own media whoever edits it.
    their_draft = owner.draft(x.id, media=[theirs])
    assert their_draft.status_code == 201, their_draft.json
    edited = stranger.patch(
        their_draft.headers["Location"],
        json={"body": "Korrigiert", "version": their_draft.json["version"]},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["media"] == [theirs]


def test_subtitle_files_follow_the_same_rule(caller, make_channel) -> None:
    owner, stranger = caller("editor"), caller("editor")
    youtube = make_channel("youtube")
    vtt = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHallo Bochum\n"
    theirs = owner.upload(vtt, "de.vtt", alt_text="Untertitel").json["id"]

    refused = stranger.draft(
        youtube.id, variants={str(youtube.id): {"options": {"captions": theirs}}}
    )
    assert refused.status_code == 422, refused.json
    assert refused.json["fields"][f"variants.{youtube.id}.options.captions"]
