"""Moderation actions against the sandbox: one reply per request, whatever happens.

Double clicks, resent forms, answers lost in a timeout, a worker that dies mid-reply: the
network ends up with exactly one reply, or a person is asked (needs_review). Hiding, showing and
deleting reach the network; what a network does not offer is refused in words.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub.extensions import db
from hub.inbox import actions, dispatch, sync
from hub.inbox.errors import InboxError
from hub.models import (
    ActionState,
    AuditEvent,
    Channel,
    ChannelStatus,
    Comment,
    CommentStatus,
    ModerationAction,
)
from hub.models.types import utcnow


def replies_under(sandbox, comment: Comment) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        c
        for c in sandbox.comments(comment.channel.network, comment.remote_post_id)
        if c["parent_id"] == comment.remote_id and c["from_owner"]
    ]


def test_a_double_click_sends_one_reply_shown_as_ours(citizen_comment, make_user, sandbox) -> None:
    moderator = make_user("moderator")
    comment = citizen_comment("facebook")
    first = actions.request_action(
        comment, "reply", moderator, text="Um 14 Uhr am Rathaus.", key="form-1"
    )
    db.session.commit()
    again = actions.request_action(
        comment, "reply", moderator, text="Um 14 Uhr am Rathaus.", key="form-1"
    )
    other_key = actions.request_action(
        comment, "reply", moderator, text="Um 14 Uhr am Rathaus.", key="form-2"
    )
    db.session.commit()
    assert again.id == first.id and other_key.id == first.id  # joined while under way
    assert actions.run_action(first.id) == ActionState.done
    assert actions.run_action(first.id) == "skipped"
    (reply,) = replies_under(sandbox, comment)
    assert reply["text"] == "Um 14 Uhr am Rathaus."
    db.session.expire_all()
    assert comment.status == CommentStatus.answered and comment.first_answered_at
    ours = db.session.scalars(select(Comment).where(Comment.parent_id == comment.id)).one()
    assert ours.is_own and ours.remote_id == reply["id"] and ours.text == reply["text"]
    assert sync.sync_now(comment.channel) == "synced"  # the sync brings the same reply: one row
    assert db.session.scalars(select(Comment).where(Comment.parent_id == comment.id)).all() == [
        ours
    ]


def test_a_lost_answer_is_looked_up_before_replying_again(
    english, citizen_comment, make_user, sandbox
) -> None:
    comment = citizen_comment("x")
    action = actions.request_action(comment, "reply", make_user("moderator"), text="Ab 14 Uhr.")
    db.session.commit()
    # X makes the reply, but the answer never arrives (a timeout).
    sandbox.add_fault(
        "x", "timeout", seconds=3, count=1, method="POST", path="/2/tweets", after=True
    )
    assert actions.run_action(action.id) == ActionState.retry_wait
    db.session.refresh(action)
    assert action.outcome_unknown and "did not answer" in action.error_message
    db.session.execute(update(ModerationAction).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert dispatch.dispatch(with_sync=False).run == [action.id]
    assert actions.run_action(action.id) == ActionState.done
    (reply,) = replies_under(sandbox, comment)  # found, not sent twice
    db.session.refresh(action)
    assert action.remote_id == reply["id"] and action.attempts == 2


def _crash_mid_call(action: ModerationAction) -> None:
    """What a worker killed during the network call leaves behind: sending, lease expired."""
    db.session.execute(
        update(ModerationAction)
        .where(ModerationAction.id == action.id)
        .values(
            state=ActionState.sending,
            lease_token="dead-worker",
            lease_until=utcnow() - timedelta(seconds=1),
            attempts=1,
            first_attempt_at=utcnow() - timedelta(seconds=30),
        )
    )
    db.session.commit()


def test_after_a_crash_a_reply_found_on_the_network_is_done(
    citizen_comment, make_user, sandbox
) -> None:
    comment = citizen_comment("facebook")
    action = actions.request_action(comment, "reply", make_user("moderator"), text="Ja, gibt es.")
    db.session.commit()
    _crash_mid_call(action)
    # The dead worker's call did reach Facebook.
    sandbox_reply = _reply_directly(comment, "Ja, gibt es.")
    (reconcile,) = dispatch.dispatch(with_sync=False).reconcile
    assert reconcile[0] == action.id
    assert actions.reconcile(*reconcile) == ActionState.done
    db.session.refresh(action)
    assert action.remote_id == sandbox_reply and len(replies_under(sandbox, comment)) == 1


def _reply_directly(comment: Comment, text: str) -> str:
    from hub.inbox.sync import default_connector

    return default_connector(comment.channel).reply(comment.remote_id, text, idempotency_key="x")


def test_after_a_crash_an_unknown_reply_goes_to_a_person(
    english, citizen_comment, make_user, sandbox
) -> None:
    moderator = make_user("moderator")
    comment = citizen_comment("x")
    action = actions.request_action(comment, "reply", moderator, text="Wir prüfen das.")
    db.session.commit()
    _crash_mid_call(action)
    (reconcile,) = dispatch.dispatch(with_sync=False).reconcile
    assert actions.reconcile(*reconcile) == ActionState.needs_review
    db.session.refresh(action)
    assert "could not find the reply" in action.error_message
    assert replies_under(sandbox, comment) == []
    # The moderator decides: send again. hub looks once more first, then replies once.
    actions.resolve(action, moderator, "retry")
    db.session.commit()
    assert actions.run_action(action.id) == ActionState.done
    assert len(replies_under(sandbox, comment)) == 1
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "comment.reply_resolved")
        ).details["outcome"]
        == "retry"
    )


def test_hide_show_and_delete_with_a_reason_on_record(
    english, citizen_comment, make_user, sandbox
) -> None:
    moderator = make_user("moderator")
    comment = citizen_comment("facebook", "Ihr seid alle Idioten!")
    hide = actions.request_action(comment, "hide", moderator)
    db.session.commit()
    assert actions.run_action(hide.id) == ActionState.done
    assert replies_or_self(sandbox, comment)["hidden"] is True
    db.session.refresh(comment)
    assert comment.hidden
    with pytest.raises(InboxError, match="hidden already"):
        actions.request_action(comment, "hide", moderator)
    show = actions.request_action(comment, "unhide", moderator)
    db.session.commit()
    actions.run_action(show.id)
    assert replies_or_self(sandbox, comment)["hidden"] is False
    with pytest.raises(InboxError, match="why"):
        actions.request_action(comment, "delete", moderator, reason="  ")
    delete = actions.request_action(comment, "delete", moderator, reason="Beleidigung")
    db.session.commit()
    assert actions.run_action(delete.id) == ActionState.done
    assert replies_or_self(sandbox, comment)["deleted"] is True
    db.session.refresh(comment)
    assert comment.deleted_on_network and comment.text == "Ihr seid alle Idioten!"  # kept
    events = {
        e.action: e.details
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == comment.id))
    }
    assert events["comment.delete_requested"]["reason"] == "Beleidigung"
    assert events["comment.delete_requested"]["text"] == "Ihr seid alle Idioten!"
    assert events["comment.deleted"]["reason"] == "Beleidigung"
    assert {"comment.hide_requested", "comment.hide", "comment.unhide"} <= set(events)


def replies_or_self(sandbox, comment: Comment) -> dict:  # type: ignore[no-untyped-def]
    return {c["id"]: c for c in sandbox.comments(comment.channel.network)}[comment.remote_id]


def test_what_a_network_lacks_is_refused_in_words(english, citizen_comment, make_user) -> None:
    moderator = make_user("moderator")
    on_x = citizen_comment("x", "Fremder Kommentar")
    with pytest.raises(InboxError, match="hide it instead") as refused:
        actions.request_action(on_x, "delete", moderator, reason="Spam")
    assert refused.value.code == "not_available"
    on_flickr = citizen_comment("flickr", "Schönes Foto")
    with pytest.raises(InboxError, match="Hiding comments is not possible on Flickr"):
        actions.request_action(on_flickr, "hide", moderator)
    with pytest.raises(InboxError, match="too long"):
        actions.request_action(on_x, "reply", moderator, text="x" * 300)
    assert db.session.scalar(select(ModerationAction.id)) is None


def test_an_expired_login_fails_the_action_and_flags_the_channel(
    english, citizen_comment, make_user, sandbox
) -> None:
    comment = citizen_comment("x")
    action = actions.request_action(comment, "reply", make_user("moderator"), text="Danke!")
    db.session.commit()
    sandbox.add_fault("x", "expired_token")
    assert actions.run_action(action.id) == ActionState.failed
    db.session.expire_all()
    assert "expired" in action.error_message
    assert db.session.get(Channel, comment.channel_id).status == ChannelStatus.needs_reauth
    with pytest.raises(InboxError, match="needs a new login"):
        actions.request_action(comment, "reply", None, text="Noch mal")


@pytest.mark.parametrize("network", ["x", "facebook", "instagram", "youtube", "flickr", "threads"])
def test_answered_from_hub_on_every_network(
    network, citizen_comment, make_user, sandbox, served
) -> None:
    comment = citizen_comment(network, "Wo bekomme ich Tickets?")
    action = actions.request_action(
        comment, "reply", make_user("moderator"), text="Im Bürgerbüro und online."
    )
    db.session.commit()
    assert actions.run_action(action.id) == ActionState.done
    ours = [
        c
        for c in sandbox.comments(network, comment.remote_post_id)
        if c["from_owner"] and c["text"] == "Im Bürgerbüro und online."
    ]
    assert len(ours) == 1
    if network != "flickr":  # Flickr's comments are flat: the answer is under the photo
        assert ours[0]["parent_id"] == comment.remote_id
    db.session.refresh(action)
    assert action.remote_id == ours[0]["id"]
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.answered
