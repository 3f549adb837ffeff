"""Bluesky in hub's inbox (both databases, the sandbox over HTTP, the real pipeline, connector
and SDK): replies under our post and mentions arrive; a reply is hidden and shown again through
the post's threadgate; our answer goes out once and is deleted; a citizen's reply cannot be
deleted, and a mention elsewhere cannot be hidden (both shown with the reason)."""

from __future__ import annotations

from hub.extensions import db
from hub.inbox import actions, sync
from hub.inbox.availability import availability
from hub.models import ActionState
from tests.integration.inbox.conftest import by_text


def sandbox_id(uri: str) -> str:
    """The sandbox's id of a post (``did:rkey``) from its AT URI."""
    did, _collection, rkey = uri.removeprefix("at://").split("/")
    return f"{did}:{rkey}"


def at_uri(sandbox_post_id: str) -> str:
    did, _sep, rkey = sandbox_post_id.rpartition(":")
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def test_replies_arrive_are_hidden_answered_and_our_answer_deleted(
    english, publish, channel, sandbox, make_user
) -> None:
    moderator = make_user("moderator")
    post = publish("bluesky").remote_id
    question = sandbox.add_comment("bluesky", sandbox_id(post), "Wann kommt der Bus?", author="Ute")
    ch = channel("bluesky")
    assert sync.sync_now(ch) == "synced"
    comment = by_text(ch)["Wann kommt der Bus?"]
    assert comment.remote_id == at_uri(question["id"]) and comment.remote_post_id == post
    assert question["remote_id"] == comment.remote_id  # what the sandbox says hub stores
    assert availability(comment).hide is None
    assert availability(comment).delete  # a citizen's record: not ours to delete

    hide = actions.request_action(comment, "hide", moderator)
    db.session.commit()
    assert actions.run_action(hide.id) == ActionState.done
    assert sandbox.post("bluesky", question["id"])["hidden"] is True
    show = actions.request_action(comment, "unhide", moderator)
    db.session.commit()
    assert actions.run_action(show.id) == ActionState.done
    assert sandbox.post("bluesky", question["id"])["hidden"] is False

    answer = actions.request_action(comment, "reply", moderator, text="Ab 7 Uhr alle 10 Minuten.")
    db.session.commit()
    assert actions.run_action(answer.id) == ActionState.done
    db.session.refresh(answer)
    ours = sandbox.post("bluesky", sandbox_id(answer.remote_id))
    assert ours["parent_id"] == question["id"] and not ours["deleted"]
    assert sync.sync_now(ch) == "synced"
    own = by_text(ch)["Ab 7 Uhr alle 10 Minuten."]
    assert own.is_own and availability(own).delete is None
    delete = actions.request_action(own, "delete", moderator, reason="Doppelt")
    db.session.commit()
    assert actions.run_action(delete.id) == ActionState.done
    assert sandbox.post("bluesky", sandbox_id(answer.remote_id))["deleted"] is True
    everything = sandbox.posts("bluesky", comments=True, deleted=True)
    ours_made = [p for p in everything if p["parent_id"] and p["account_id"] == ch.external_id]
    assert len(ours_made) == 1  # our answer went out once (and is gone now)
