"""The CMS's path through /api/v1: upload, create, read, edit, submit, approve, cancel."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine, event, select, update

from hub.extensions import db
from hub.models import Announcement, AuditEvent, Delivery
from hub.models.types import utcnow
from tests.conftest import image_bytes, tiny_mp4
from tests.integration.api.conftest import error_of

BERLIN_SUMMER = timezone(timedelta(hours=2))


def future(hours: int = 3) -> tuple[str, datetime]:
    """A time in the future as the CMS sends it (with +02:00) and as UTC."""
    moment = (utcnow() + timedelta(hours=hours)).replace(microsecond=0)
    return moment.astimezone(BERLIN_SUMMER).isoformat(), moment


def test_full_happy_path(caller, make_channel) -> None:
    editor, approver = caller("editor"), caller("approver")
    x, insta = make_channel("x"), make_channel("instagram")
    png = image_bytes()

    uploaded = editor.upload(png, "rathaus.png", alt_text="Das Rathaus bei Nacht", credit="Stadt")
    assert uploaded.status_code == 201, uploaded.json
    media = uploaded.json
    assert media["kind"] == "image" and media["mime_type"] == "image/png"
    assert (media["width"], media["height"]) == (640, 480)
    assert media["size"] == len(png)
    assert media["sha256"] == hashlib.sha256(png).hexdigest()
    assert media["alt_text"] == "Das Rathaus bei Nacht" and media["duration_seconds"] is None
    assert editor.get(uploaded.headers["Location"]).json == media

    sent_time, utc_time = future()
    created = editor.post(
        "/api/v1/announcements",
        json={
            "title": "Sperrung Kortumstraße",
            "body": "Die Kortumstraße ist am Samstag gesperrt.",
            "link": "https://www.bochum.de/sperrung",
            "channels": [x.id, insta.id],
            "variants": {str(insta.id): {"body": "Kortumstraße gesperrt #bochum"}},
            "media": [media["id"]],
            "scheduled_at": sent_time,
        },
    )
    assert created.status_code == 201, created.json
    ann = created.json
    assert ann["status"] == "draft" and ann["version"] == 1
    assert ann["author"]["id"] == editor.user.id
    assert ann["channels"] == [x.id, insta.id]
    assert ann["variants"] == {
        str(insta.id): {"body": "Kortumstraße gesperrt #bochum", "title": None, "options": None}
    }
    assert ann["media"] == [media["id"]]
    assert ann["deliveries"] == []
    # Sent with +02:00, answered in UTC.
    assert ann["scheduled_at"] == utc_time.isoformat()
    assert datetime.fromisoformat(ann["scheduled_at"]).utcoffset() == timedelta(0)
    location = created.headers["Location"]
    assert location.endswith(f"/api/v1/announcements/{ann['id']}")
    assert editor.get(location).json == ann

    patched = editor.patch(location, json={"body": "Gesperrt ab 8 Uhr.", "version": ann["version"]})
    assert patched.status_code == 200, patched.json
    assert patched.json["body"] == "Gesperrt ab 8 Uhr."
    assert patched.json["version"] == 2
    # Fields not sent keep their values.
    assert patched.json["title"] == "Sperrung Kortumstraße"
    assert patched.json["variants"] == ann["variants"]
    assert patched.json["media"] == ann["media"]

    submitted = editor.post(f"{location}/submit")
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "in_review"

    own = editor.post(f"{location}/approve", json={"version": submitted.json["version"]})
    assert own.status_code == 403
    assert error_of(own)["error"] == "not_allowed"

    approved = approver.post(f"{location}/approve", json={"version": submitted.json["version"]})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "scheduled"
    assert approved.json["approver"]["id"] == approver.user.id

    cancelled = editor.post(f"{location}/cancel")
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"

    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "announcement", AuditEvent.object_id == ann["id"])
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "announcement.created",
        "announcement.edited",
        "announcement.submitted",
        "announcement.approved",
        "announcement.cancelled",
    ]


def test_author_with_both_roles_cannot_approve_own(caller, make_channel) -> None:
    both = caller("editor", "approver")
    x = make_channel("x")
    ann = both.draft(x.id)
    path = ann.headers["Location"]
    submitted = both.post(f"{path}/submit")
    assert submitted.status_code == 200

    refused = both.post(f"{path}/approve", json={"version": submitted.json["version"]})

    assert refused.status_code == 403
    body = error_of(refused)
    assert body["error"] == "not_allowed" and "someone else" in body["message"]
    assert both.get(path).json["status"] == "in_review"


def test_reject_needs_a_comment(caller, make_channel) -> None:
    editor, approver = caller("editor"), caller("approver")
    x = make_channel("x")
    path = editor.draft(x.id).headers["Location"]
    version = editor.post(f"{path}/submit").json["version"]

    for body in ({"version": version}, {"comment": "   ", "version": version}):
        refused = approver.post(f"{path}/reject", json=body)
        assert refused.status_code == 422, refused.json
        assert error_of(refused)["error"] == "validation_failed"
        assert refused.json["fields"]["comment"]

    rejected = approver.post(
        f"{path}/reject", json={"comment": "Bitte Uhrzeit ergänzen", "version": version}
    )
    assert rejected.status_code == 200, rejected.json
    assert rejected.json["status"] == "draft"
    assert rejected.json["review_comment"] == "Bitte Uhrzeit ergänzen"


def test_wrong_state_is_409(caller, make_channel) -> None:
    editor, approver = caller("editor"), caller("approver")
    x = make_channel("x")
    draft = editor.draft(x.id)
    path = draft.headers["Location"]

    early = approver.post(f"{path}/approve", json={"version": draft.json["version"]})  # a draft

    assert early.status_code == 409
    assert error_of(early)["error"] == "wrong_state"


def test_patch_keeps_untouched_fields_and_drops_texts_of_removed_channels(
    caller, make_channel
) -> None:
    editor = caller("editor")
    x, fb = make_channel("x"), make_channel("facebook")
    ann = editor.post(
        "/api/v1/announcements",
        json={
            "title": "Stadtfest",
            "body": "Am Wochenende ist Stadtfest.",
            "channels": [x.id, fb.id],
            "variants": {str(x.id): {"body": "Stadtfest!"}, str(fb.id): {"body": "Feiern!"}},
        },
    ).json

    patched = editor.patch(
        f"/api/v1/announcements/{ann['id']}", json={"channels": [fb.id], "version": ann["version"]}
    )

    assert patched.status_code == 200, patched.json
    assert patched.json["channels"] == [fb.id]
    assert patched.json["variants"] == {
        str(fb.id): {"body": "Feiern!", "title": None, "options": None}
    }
    assert patched.json["title"] == "Stadtfest" and patched.json["body"] == ann["body"]


def test_stale_version_is_409(caller, make_channel) -> None:
    editor = caller("editor")
    x = make_channel("x")
    ann = editor.draft(x.id, body="one").json
    path = f"/api/v1/announcements/{ann['id']}"
    assert editor.patch(path, json={"body": "two", "version": ann["version"]}).status_code == 200

    stale = editor.patch(path, json={"body": "three", "version": ann["version"]})

    assert stale.status_code == 409
    assert error_of(stale)["error"] == "stale_edit"
    assert editor.get(path).json["body"] == "two"
    stale_step = editor.post(f"{path}/submit", json={"version": ann["version"]})
    assert stale_step.status_code == 409 and stale_step.json["error"] == "stale_edit"
    assert editor.get(path).json["status"] == "draft"


def test_save_that_loses_a_race_at_commit_is_409(caller, make_channel) -> None:
    """Another process saves between our read and our write: StaleDataError becomes 409."""
    editor = caller("editor")
    x = make_channel("x")
    ann = editor.draft(x.id, body="one").json
    elsewhere = create_engine(db.engine.url.render_as_string(hide_password=False))
    raced: list[bool] = []

    def someone_else_saves(session: Any, *_: object) -> None:
        # Only once our write of the announcement is about to go out (not the token's touch).
        if raced or not any(isinstance(obj, Announcement) for obj in session.dirty):
            return
        raced.append(True)
        with elsewhere.begin() as conn:
            conn.execute(
                update(Announcement.__table__)
                .where(Announcement.__table__.c.id == ann["id"])
                .values(body="theirs", version=ann["version"] + 1)
            )

    event.listen(db.session, "before_flush", someone_else_saves)
    try:
        ours = editor.patch(
            f"/api/v1/announcements/{ann['id']}", json={"body": "ours", "version": ann["version"]}
        )
    finally:
        event.remove(db.session, "before_flush", someone_else_saves)
        elsewhere.dispose()

    assert raced, "the concurrent save never ran"
    assert ours.status_code == 409, ours.json
    assert error_of(ours)["error"] == "stale_edit"
    assert editor.get(f"/api/v1/announcements/{ann['id']}").json["body"] == "theirs"


def test_deliveries_are_listed_per_channel(caller, make_channel) -> None:
    editor = caller("editor")
    x = make_channel("x")
    ann_id = editor.draft(x.id).json["id"]
    db.session.add(
        Delivery(
            announcement_id=ann_id,
            channel_id=x.id,
            state="failed",
            attempts=2,
            remote_id=None,
            url=None,
            error_code="rejected",
            error_message="X refused the text.",
        )
    )
    db.session.commit()

    got = editor.get(f"/api/v1/announcements/{ann_id}")

    assert got.json["deliveries"] == [
        {
            "channel_id": x.id,
            "network": "x",
            "state": "failed",
            "attempts": 2,
            "remote_id": None,
            "url": None,
            "error": "X refused the text.",
        }
    ]


def test_list_filters_by_status_and_pages_with_after_id(caller, make_channel) -> None:
    editor = caller("editor")
    x = make_channel("x")
    ids = [
        editor.post(
            "/api/v1/announcements", json={"title": f"t{n}", "body": "b", "channels": [x.id]}
        ).json["id"]
        for n in range(3)
    ]
    editor.post(f"/api/v1/announcements/{ids[1]}/submit")

    first = editor.get("/api/v1/announcements?limit=2").json
    assert [a["id"] for a in first["items"]] == ids[:2]
    assert first["next_after_id"] == ids[1]
    second = editor.get(f"/api/v1/announcements?limit=2&after_id={first['next_after_id']}").json
    assert [a["id"] for a in second["items"]] == ids[2:]
    assert second["next_after_id"] is None

    in_review = editor.get("/api/v1/announcements?status=in_review").json
    assert [a["id"] for a in in_review["items"]] == [ids[1]]


def test_video_upload_reports_duration(caller) -> None:
    editor = caller("editor")

    uploaded = editor.upload(tiny_mp4(4.0), "clip.mp4", alt_text="Der OB spricht")

    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["kind"] == "video"
    assert abs(uploaded.json["duration_seconds"] - 4.0) < 0.01
    assert uploaded.json["width"] is None


def test_announcement_rows_only_from_successful_writes(caller, make_channel) -> None:
    """A refused create leaves nothing behind (the domain saves whole or not at all)."""
    editor = caller("editor")
    x = make_channel("x")

    refused = editor.post(
        "/api/v1/announcements", json={"title": "t", "body": "a" * 400, "channels": [x.id]}
    )

    assert refused.status_code == 422
    assert db.session.scalar(select(Announcement.id)) is None


def test_changing_only_a_variant_moves_the_version(caller, make_channel) -> None:
    editor = caller("editor")
    x = make_channel("x")
    ann = editor.draft(x.id).json
    path = f"/api/v1/announcements/{ann['id']}"

    patched = editor.patch(
        path, json={"variants": {str(x.id): {"body": "nur X"}}, "version": ann["version"]}
    )
    again = editor.patch(path, json={"variants": {}, "version": ann["version"]})

    assert patched.json["version"] > ann["version"]
    assert again.status_code == 409
