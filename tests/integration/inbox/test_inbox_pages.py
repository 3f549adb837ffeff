"""The inbox pages: who may open them, the list (filters, pages by key, no counting), the thread
beside its post, every action through its form (CSRF, double clicks, confirmations), bulk
changes, who else is looking, and the settings pages."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, func, select

from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox import actions
from hub.inbox.ingest import store_comments
from hub.models import (
    ActionState,
    AuditEvent,
    Comment,
    KeywordRule,
    ModerationAction,
    SavedReply,
    Tag,
)
from hub.models.types import utcnow
from tests.conftest import csrf_from

ROW = re.compile(r'<tr data-comment-id="(\d+)"')


def seed(channel, n: int, *, start: int = 0, **fields) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    items = [
        RemoteComment(
            remote_id=f"r{start + i}",
            text=fields.pop("text", None) or f"Kommentar {start + i}",
            created_at=now - timedelta(minutes=start + i),
            author_name=f"Person {start + i}",
            **fields,
        )
        for i in range(n)
    ]
    store_comments(channel, items)
    db.session.commit()


def ids_on(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


def test_who_may_open_the_inbox_and_its_settings(app, make_user, client_for) -> None:
    anonymous = app.test_client().get("/admin/inbox/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    cases = {
        "moderator": {
            "/admin/inbox/": 200,
            "/admin/keyword_rules/": 200,
            "/admin/saved_replies/": 200,
        },
        "admin": {"/admin/inbox/": 403, "/admin/keyword_rules/": 200, "/admin/tags/": 200},
        "editor": {"/admin/inbox/": 403, "/admin/keyword_rules/": 403},
        "manager": {"/admin/inbox/": 403, "/admin/saved_replies/": 403},
    }
    for role, pages in cases.items():
        client = client_for(make_user(role))
        for url, status in pages.items():
            assert client.get(url).status_code == status, (role, url)


def test_pages_by_key_newest_first_with_no_count_and_no_offset(
    app, make_user, make_channel, client_for
) -> None:
    x, fb = make_channel("x"), make_channel("facebook")
    seed(x, 60)
    seed(fb, 60, start=60)
    client = client_for(make_user("moderator"))
    statements: list[tuple[str, object]] = []

    def log(conn, cursor, statement, parameters, *args):  # type: ignore[no-untyped-def]
        statements.append((statement.lower(), parameters))

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        first = client.get("/admin/inbox/")
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    listing = [(s, p) for s, p in statements if "from comment" in s]
    assert listing and not [s for s, _ in listing if "count(" in s]
    # SQLite's dialect always writes "LIMIT ? OFFSET ?"; the offset must then be 0.
    assert all(list(p)[-1] == 0 for s, p in listing if " offset " in s)
    seen = ids_on(first.text)
    assert len(seen) == 50
    pages = 1
    page = first.text
    while 'id="older"' in page:
        older = re.search(r'id="older" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        page = client.get(older).text
        seen += ids_on(page)
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 120
    db.session.expire_all()
    times = {c.id: c.remote_created_at for c in db.session.scalars(select(Comment))}
    assert [times[i] for i in seen] == sorted(times.values(), reverse=True)


def test_filters(app, make_user, make_channel, client_for) -> None:
    x, fb = make_channel("x"), make_channel("facebook")
    db.session.add(KeywordRule(category="emergency", keyword="Notfall", priority=9))
    db.session.commit()
    seed(x, 3)
    seed(fb, 2, start=10)
    seed(fb, 1, start=20, text="Ein NOTFALL an der Königsallee")
    moderator = make_user("moderator")
    mine = db.session.scalar(select(Comment).where(Comment.remote_id == "r0"))
    mine.assignee_id, mine.status = moderator.id, "assigned"
    done = db.session.scalar(select(Comment).where(Comment.remote_id == "r1"))
    done.status = "done"
    db.session.commit()
    client = client_for(moderator)

    def listed(**args) -> set[str]:  # type: ignore[no-untyped-def]
        page = client.get("/admin/inbox/", query_string=args).text
        rows = db.session.scalars(select(Comment).where(Comment.id.in_(ids_on(page))))
        return {c.remote_id for c in rows}

    assert listed() == {"r0", "r2", "r10", "r11", "r20"}  # open: new and assigned
    assert listed(network="x") == {"r0", "r2"}
    assert listed(channel=fb.id, status="all") == {"r10", "r11", "r20"}
    assert listed(status="done") == {"r1"}
    assert listed(assignee="me") == {"r0"}
    assert listed(assignee="none") == {"r2", "r10", "r11", "r20"}
    assert listed(flagged="1") == {"r20"}
    assert listed(q="königsallee") == {"r20"} or listed(q="Königsallee") == {"r20"}
    assert listed(q="Person 1", status="all") == {"r1", "r10", "r11"}
    assert listed(q="100%_") == set()  # LIKE wildcards are taken literally
    assert client.get("/admin/inbox/?after=garbage").status_code == 200  # says so, shows page 1


def test_the_thread_beside_its_post_with_untrusted_text_escaped(
    english, citizen_comment, make_user, make_channel, client_for, sandbox
) -> None:
    comment = citizen_comment(
        "facebook",
        'Schaut mal <script>alert("x")</script> https://example.org/a?b=1&c=2 javascript:alert(1)',
    )
    sandbox.add_comment(
        "facebook", comment.remote_post_id, "Antwort", author="<img src=x onerror=alert(1)>"
    )
    from hub.inbox import sync

    sync.sync_now(comment.channel)
    client = client_for(make_user("moderator"))
    page = client.get(f"/admin/inbox/{comment.id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc"'
        ' target="_blank">' in page
    )
    assert 'href="javascript:alert' not in page and "javascript:alert(1)</a>" not in page
    assert comment.delivery.announcement.title in page  # the original post beside it
    assert 'id="hide"' in page and 'id="send-reply"' in page and 'id="delete-form"' in page

    # A mention on X under someone else's post: what X does not allow shows as unavailable.
    x = make_channel("x")
    seed(x, 1, start=50, post_remote_id="999")
    mention = db.session.scalar(select(Comment).where(Comment.channel_id == x.id))
    page = client.get(f"/admin/inbox/{mention.id}").text
    assert 'id="delete-unavailable"' in page and "hide it instead" in page
    assert 'id="hide-unavailable"' in page and "Only comments under our own posts" in page
    assert 'id="send-reply"' in page


def test_reply_through_the_form_once_even_when_sent_twice(
    english, citizen_comment, make_user, client_for, sandbox
) -> None:
    comment = citizen_comment("facebook")
    moderator = make_user("moderator")
    db.session.add(SavedReply(title="Danke", body="Danke, {author}! Ihr Team der {channel}."))
    db.session.commit()
    client = client_for(moderator)
    page = client.get(f"/admin/inbox/{comment.id}").text
    assert "Danke, Anna Kowalski! Ihr Team der Stadt Bochum (facebook)." in page  # filled
    url = f"/admin/inbox/{comment.id}/reply"
    assert client.post(url, data={"text": "ohne Token"}).status_code == 400
    form = {
        "csrf_token": csrf_from(page),
        "key": re.search(r'id="key-reply"[^>]*value="(\w+)"', page).group(1),
    }
    saved = db.session.scalar(select(SavedReply.id))
    first = client.post(url, data={**form, "saved_reply": str(saved), "text": ""})
    second = client.post(url, data={**form, "saved_reply": str(saved), "text": ""})
    assert first.status_code == second.status_code == 303
    (action,) = db.session.scalars(select(ModerationAction)).all()
    assert action.text == "Danke, Anna Kowalski! Ihr Team der Stadt Bochum (facebook)."
    assert actions.run_action(action.id) == ActionState.done
    mine = [c for c in sandbox.comments("facebook", comment.remote_post_id) if c["from_owner"]]
    assert [(c["parent_id"], c["text"]) for c in mine] == [(comment.remote_id, action.text)]
    shown = client.get(f"/admin/inbox/{comment.id}").text
    assert 'data-own="1"' in shown and "Our reply" in shown


def test_delete_needs_a_reason_and_a_confirmation(
    english, citizen_comment, make_user, client_for
) -> None:
    comment = citizen_comment("facebook", "Spam Spam Spam")
    client = client_for(make_user("moderator"))
    page = client.get(f"/admin/inbox/{comment.id}").text
    token = csrf_from(page)
    url = f"/admin/inbox/{comment.id}/delete"
    client.post(url, data={"csrf_token": token, "reason": "Spam"})
    client.post(url, data={"csrf_token": token, "confirm": "y"})
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    refused = client.get(f"/admin/inbox/{comment.id}").text
    assert "Confirm the deletion." in refused and "Say why the comment is deleted." in refused
    client.post(url, data={"csrf_token": token, "reason": "Werbung", "confirm": "y"})
    (action,) = db.session.scalars(select(ModerationAction)).all()
    assert action.kind == "delete" and action.reason == "Werbung"


def test_assign_status_tags_and_notes(citizen_comment, make_user, client_for) -> None:
    comment = citizen_comment("x")
    mona, max_ = make_user("moderator", name="Mona"), make_user("moderator", name="Max")
    db.session.add(Tag(name="Verkehr"))
    db.session.commit()
    tag_id = db.session.scalar(select(Tag.id))
    client = client_for(mona)
    token = csrf_from(client.get(f"/admin/inbox/{comment.id}").text)
    base = f"/admin/inbox/{comment.id}"
    client.post(f"{base}/assign", data={"csrf_token": token, "assignee": str(max_.id)})
    client.post(f"{base}/tags", data={"csrf_token": token, "tags": str(tag_id)})
    client.post(f"{base}/note", data={"csrf_token": token, "text": "Rückruf vereinbart"})
    client.post(f"{base}/status", data={"csrf_token": token, "status": "done"})
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.assignee_id == max_.id and comment.status == "done"
    assert [t.name for t in comment.tags] == ["Verkehr"]
    assert [n.text for n in comment.notes] == ["Rückruf vereinbart"]
    editor = make_user("editor")
    refused = client.post(f"{base}/assign", data={"csrf_token": token, "assignee": str(editor.id)})
    assert refused.status_code == 303
    assert db.session.get(Comment, comment.id).assignee_id == max_.id
    audited = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == comment.id))
    )
    assert {"comment.assigned", "comment.tags", "comment.note", "comment.status"} <= audited


def test_bulk_assign_done_and_hide(english, make_user, make_channel, client_for) -> None:
    x, flickr = make_channel("x"), make_channel("flickr")
    seed(x, 2, post_remote_id=None)
    seed(flickr, 1, start=5)
    moderator = make_user("moderator")
    client = client_for(moderator)
    page = client.get("/admin/inbox/").text
    ids = ids_on(page)
    token = csrf_from(page)
    client.post("/admin/inbox/bulk", data={"csrf_token": token, "action": "assign", "ids": ids})
    db.session.expire_all()
    assert {c.assignee_id for c in db.session.scalars(select(Comment))} == {moderator.id}
    response = client.post(
        "/admin/inbox/bulk", data={"csrf_token": token, "action": "hide", "ids": ids, "key": "k"}
    )
    followed = client.get(response.headers["Location"]).text
    assert "Hiding comments is not possible on Flickr" in followed
    # X: the mentions are under posts that are not ours: not hidable either.
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    client.post("/admin/inbox/bulk", data={"csrf_token": token, "action": "done", "ids": ids[:2]})
    db.session.expire_all()
    assert sorted(c.status for c in db.session.scalars(select(Comment))) == [
        "assigned",
        "done",
        "done",
    ]


def test_someone_else_looking_or_replying_is_shown(
    english, citizen_comment, make_user, client_for
) -> None:
    comment = citizen_comment("facebook")
    mona = client_for(make_user("moderator", name="Mona Moderatorin"))
    max_ = client_for(make_user("moderator", name="Max Moderator"))
    url = f"/admin/inbox/{comment.id}"
    alone = mona.get(url).text
    assert 'id="inbox-presence" class="alert alert-warning d-none"' in alone
    page = max_.get(url).text
    assert 'id="inbox-presence" class="alert alert-warning "' in page
    assert "Mona Moderatorin also has this comment open." in page
    token = csrf_from(page)
    answer = max_.post(
        f"{url}/presence", json={"activity": "replying"}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    seen = mona.post(
        f"{url}/presence",
        json={"activity": "viewing"},
        headers={"X-CSRFToken": csrf_from(mona.get(url).text)},
    ).json
    assert seen["others"] == [{"name": "Max Moderator", "activity": "replying"}]
    assert max_.post(f"{url}/presence", json={}).status_code == 400  # no CSRF token


def test_a_new_keyword_rule_flags_what_waits(make_user, make_channel, client_for) -> None:
    seed(make_channel("facebook"), 1, text="Hilfe, ein Notfall!")
    client = client_for(make_user("moderator"))
    page = client.get("/admin/keyword_rules/new/").text
    response = client.post(
        "/admin/keyword_rules/new/",
        data={
            "csrf_token": csrf_from(page),
            "category": "emergency",
            "keyword": "NOTFALL",
            "priority": "9",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    (comment,) = db.session.scalars(select(Comment)).all()
    assert comment.flags == ["emergency"] and comment.priority == 9
    listed = client.get("/admin/inbox/?flagged=1").text
    assert ids_on(listed) == [comment.id] and 'data-flag="emergency"' in listed
