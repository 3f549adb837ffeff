"""Facebook's comment side through pyfacebook against the sandbox's Graph API: threads (two
levels), paging cursors that survive new comments, replies, hiding, deleting, and looking up a
reply after a lost answer."""

from __future__ import annotations

import pytest

from hub.connectors.base import Capability, OutgoingPost, Rejected
from hub.connectors.facebook import FacebookConnector


def post(text: str) -> OutgoingPost:
    return OutgoingPost(delivery_id=1, text=text)


def test_threads_come_with_their_parents_and_authors(facebook, sandbox) -> None:
    mine = facebook.publish(post("Neue Öffnungszeiten im Bürgerbüro"))
    question = sandbox.add_comment(
        "facebook", mine.remote_id, "Auch samstags?", author="Sabine Müller"
    )
    answer = sandbox.add_comment(
        "facebook", mine.remote_id, "Nein, leider", author="Olga", parent_id=question["id"]
    )
    ours = facebook.reply(question["id"], "Samstags ist geschlossen.", idempotency_key="k")

    page = facebook.fetch_comments({}, [mine.remote_id])
    found = {c.remote_id: c for c in page.items}
    assert set(found) == {question["id"], answer["id"], ours}
    assert found[question["id"]].parent_remote_id is None
    assert found[question["id"]].author_name == "Sabine Müller"
    assert found[question["id"]].post_remote_id == mine.remote_id
    assert found[question["id"]].hidden is False and not found[question["id"]].is_own
    assert found[answer["id"]].parent_remote_id == question["id"]
    assert found[ours].is_own and found[ours].parent_remote_id == question["id"]
    assert found[ours].url and found[ours].created_at.tzinfo is not None
    (listed,) = [c for c in sandbox.comments("facebook", mine.remote_id) if c["id"] == ours]
    assert listed["from_owner"] and listed["parent_id"] == question["id"]


def test_the_paging_cursor_resumes_after_the_last_comment_seen(facebook, sandbox) -> None:
    mine = facebook.publish(post("Stadtfest"))
    for n in range(3):
        sandbox.add_comment("facebook", mine.remote_id, f"Kommentar {n}")
    first = facebook.fetch_comments({}, [mine.remote_id])
    assert len(first.items) == 3 and not first.more
    sandbox.add_comment("facebook", mine.remote_id, "Kommentar 3")
    second = facebook.fetch_comments(first.cursor, [mine.remote_id])
    assert [c.text for c in second.items] == ["Kommentar 3"]
    last = [r for r in sandbox.requests("facebook") if r["path"].endswith("/comments")][-1]
    assert "after=" in last["query"] and "filter=stream" in last["query"]
    assert facebook.fetch_comments(second.cursor, [mine.remote_id]).items == []


def test_a_round_bigger_than_the_page_budget_visits_every_post(
    facebook, sandbox, monkeypatch
) -> None:
    monkeypatch.setattr(FacebookConnector, "comment_pages", 2)
    posts = [facebook.publish(post(f"Beitrag {n}")).remote_id for n in range(5)]
    for n, post_id in enumerate(posts):
        sandbox.add_comment("facebook", post_id, f"Zu Beitrag {n}")
    cursor: dict = {}
    texts: list[str] = []
    calls = 0
    while True:
        page = facebook.fetch_comments(cursor, posts)
        calls += 1
        texts += [c.text for c in page.items]
        cursor = dict(page.cursor)
        if not page.more:
            break
    assert sorted(texts) == [f"Zu Beitrag {n}" for n in range(5)] and calls == 3


def test_full_listing_picks_up_edits_and_names_the_post_complete(facebook, sandbox) -> None:
    mine = facebook.publish(post("Baustelle"))
    comment = sandbox.add_comment("facebook", mine.remote_id, "Wie lange?")
    gone = sandbox.add_comment("facebook", mine.remote_id, "Weg damit")
    first = facebook.fetch_comments({}, [mine.remote_id])
    sandbox.edit_comment("facebook", comment["id"], "Wie lange noch?")
    sandbox.delete_comment("facebook", gone["id"])
    assert facebook.fetch_comments(first.cursor, [mine.remote_id]).items == []  # no news
    full = facebook.fetch_comments(first.cursor, [mine.remote_id], full=True)
    assert [c.text for c in full.items] == ["Wie lange noch?"]
    assert full.complete == [mine.remote_id]


def test_hide_show_and_delete(facebook, sandbox) -> None:
    mine = facebook.publish(post("Diskussion"))
    rude = sandbox.add_comment("facebook", mine.remote_id, "Unverschämt!")
    facebook.set_hidden(rude["id"], True)
    facebook.set_hidden(rude["id"], True)  # already so: no error
    assert sandbox.comments("facebook", mine.remote_id)[0]["hidden"] is True
    facebook.set_hidden(rude["id"], False)
    assert sandbox.comments("facebook", mine.remote_id)[0]["hidden"] is False
    facebook.delete_comment(rude["id"])
    assert sandbox.comments("facebook", mine.remote_id)[0]["deleted"] is True
    facebook.delete_comment(rude["id"])  # gone already: nothing to do
    ours = facebook.reply(_fresh(sandbox, mine), "Danke", idempotency_key="k")
    with pytest.raises(Rejected):
        facebook.set_hidden(ours, True)  # a page cannot hide its own comment


def _fresh(sandbox, mine) -> str:  # type: ignore[no-untyped-def]
    return sandbox.add_comment("facebook", mine.remote_id, "Noch eine Frage")["id"]


def test_find_reply_also_looks_in_the_top_level_thread(facebook, sandbox) -> None:
    mine = facebook.publish(post("Frage"))
    top = sandbox.add_comment("facebook", mine.remote_id, "Erste Ebene")
    deep = sandbox.add_comment("facebook", mine.remote_id, "Zweite Ebene", parent_id=top["id"])
    ours = facebook.reply(deep["id"], "Antwort auf die zweite Ebene", idempotency_key="k")
    # Facebook keeps two levels: our answer joined the top-level comment's thread.
    assert {c["id"]: c for c in sandbox.comments("facebook", mine.remote_id)}[ours][
        "parent_id"
    ] == top["id"]
    assert facebook.find_reply(deep["id"], "Antwort auf die zweite Ebene") == ours
    assert facebook.find_reply(deep["id"], "Etwas anderes") is None


def test_comment_actions_follow_the_capabilities() -> None:
    allowed = FacebookConnector.comment_actions(own=False, on_our_post=True)
    assert allowed == {Capability.reply, Capability.hide_comment, Capability.delete_comment}
    assert Capability.hide_comment not in FacebookConnector.comment_actions(
        own=True, on_our_post=True
    )
