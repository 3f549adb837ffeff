"""``/api/v1/inbox``: listing by cursor with filters, one item with its thread, and the
moderation routes (queued, idempotent, refused in words where a network lacks them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.auth.scopes import Scope
from hub.auth.tokens import create_token
from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox import actions
from hub.inbox.ingest import store_comments
from hub.models import ActionState, ModerationAction, SavedReply
from hub.models.types import utcnow
from tests.integration.api.conftest import Caller, error_of


@pytest.fixture
def caller(app, make_user):  # type: ignore[no-untyped-def]
    def make(*roles: str) -> Caller:
        person = make_user(*roles)
        token = create_token(person, name="test", scopes={Scope.inbox})
        db.session.commit()
        return Caller(app.test_client(), token, person)

    return make


def test_list_by_cursor_with_filters(caller, make_channel) -> None:
    x, fb = make_channel("x"), make_channel("facebook")
    now = utcnow()
    for channel, start in ((x, 0), (fb, 100)):
        store_comments(
            channel,
            [
                RemoteComment(
                    f"c{start + i}", f"Text {start + i}", now - timedelta(minutes=start + i)
                )
                for i in range(30)
            ],
        )
    db.session.commit()
    api = caller("moderator")
    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 25, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/inbox", query_string=query)
        assert page.status_code == 200, page.json
        seen += [item["id"] for item in page.json["items"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 60
    only_fb = api.get("/api/v1/inbox", query_string={"network": "facebook", "limit": 100}).json
    assert len(only_fb["items"]) == 30 and {i["network"] for i in only_fb["items"]} == {"facebook"}
    item = only_fb["items"][0]
    assert item["text"] == "Text 100" and item["status"] == "new" and item["own"] is False
    assert error_of(api.get("/api/v1/inbox", query_string={"cursor": "!!"}))["error"] == "invalid"
    assert error_of(api.get("/api/v1/inbox", query_string={"status": "hidden"}))["fields"]["status"]


def test_only_moderators(caller) -> None:
    for role in ("editor", "manager", "admin"):
        assert caller(role).get("/api/v1/inbox").status_code == 403
    assert caller("moderator").get("/api/v1/inbox/42").status_code == 404


def test_reply_is_queued_once_per_key_and_reaches_the_network(
    caller, citizen_comment, sandbox
) -> None:
    comment = citizen_comment("facebook")
    api = caller("moderator")
    db.session.add(SavedReply(title="Dank", body="Danke, {author}!"))
    db.session.commit()
    saved = db.session.scalar(select(SavedReply.id))
    url = f"/api/v1/inbox/{comment.id}/reply"
    first = api.post(url, json={"saved_reply_id": saved}, headers={"Idempotency-Key": "cms-1"})
    again = api.post(url, json={"saved_reply_id": saved}, headers={"Idempotency-Key": "cms-1"})
    assert first.status_code == again.status_code == 202
    assert first.json["id"] == again.json["id"] and first.json["state"] == "queued"
    assert first.json["text"] == "Danke, Anna Kowalski!"
    assert actions.run_action(first.json["id"]) == ActionState.done
    detail = api.get(f"/api/v1/inbox/{comment.id}").json
    assert detail["status"] == "answered" and detail["actions"][0]["state"] == "done"
    (ours,) = [c for c in detail["thread"] if c["own"]]
    assert ours["text"] == "Danke, Anna Kowalski!" and ours["parent_id"] == comment.id
    assert detail["possible"]["reply"] == {"available": True, "reason": None}
    empty = api.post(url, json={"text": "   "})
    assert empty.status_code == 422 and error_of(empty)["message"] == "Write a reply first."


def test_moderation_routes(caller, citizen_comment, make_user) -> None:
    comment = citizen_comment("flickr", "Schönes Foto, aber Werbung: http://spam.example")
    api = caller("moderator")
    base = f"/api/v1/inbox/{comment.id}"
    hide = api.post(f"{base}/hide", json={})
    assert hide.status_code == 409 and error_of(hide)["error"] == "not_available"
    assert "Flickr" in error_of(hide)["message"]
    delete = api.post(f"{base}/delete", json={"reason": "Werbung", "idempotency_key": "d1"})
    assert delete.status_code == 202 and delete.json["kind"] == "delete"
    assert api.post(f"{base}/delete", json={}).status_code == 400  # the reason is required
    colleague = make_user("moderator")
    assigned = api.post(f"{base}/assign", json={"assignee_id": colleague.id})
    assert assigned.status_code == 200 and assigned.json["assignee_id"] == colleague.id
    assert assigned.json["status"] == "assigned"
    assert api.post(f"{base}/assign", json={"assignee_id": None}).json["assignee_id"] is None
    done = api.post(f"{base}/status", json={"status": "done"})
    assert done.status_code == 200 and done.json["status"] == "done"
    assert api.post(f"{base}/status", json={"status": "hidden"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 1
