"""YouTube's held-for-review and likely-spam comments in the inbox (issue 11, finding 7): they
arrive hidden, and a comment hub hid is not taken for deleted by the next complete listing.
The real pipeline, sync and moderation actions against the sandbox, both databases."""

from __future__ import annotations

from hub.extensions import db
from hub.inbox import actions, sync
from hub.models import Channel
from tests.integration.inbox.conftest import by_text


def test_held_comments_arrive_hidden_and_a_hidden_one_stays_present(
    english, publish, channel, citizen_comment, make_user, sandbox
) -> None:
    comment = citizen_comment("youtube", "Ihr seid alle Idioten!")
    video = comment.remote_post_id
    sandbox.settings("youtube", hold_comments="heldForReview")
    sandbox.add_comment("youtube", video, "Wartet auf Freigabe")
    sandbox.settings("youtube", hold_comments="likelySpam")
    sandbox.add_comment("youtube", video, "Billige Uhren")
    ch = db.session.get(Channel, comment.channel_id)
    assert sync.sync_now(ch, full=True) == "synced"
    found = by_text(ch)
    assert found["Wartet auf Freigabe"].hidden and found["Billige Uhren"].hidden
    assert not found["Ihr seid alle Idioten!"].hidden

    hide = actions.request_action(comment, "hide", make_user("moderator"))
    db.session.commit()
    actions.run_action(hide.id)
    assert sync.sync_now(db.session.get(Channel, ch.id), full=True) == "synced"
    db.session.refresh(comment)
    assert comment.hidden and not comment.deleted_on_network  # hidden, still there
