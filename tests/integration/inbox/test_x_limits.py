"""X's limits in the inbox (issue 11): recent search's seven days and the 24-hour posting cap.

- A post quiet for more than a week keeps a ``since_id`` X's recent search refuses; its new
  replies must still arrive, and the post must not be labelled "deleted there?" (finding 3).
- A reply is a post on X and counts against the 24-hour cap; a reply at the cap waits for the
  reset without spending its attempts (finding 4).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from hub.extensions import db
from hub.inbox import actions, sync
from hub.models import ActionState, CommentSync, ModerationAction
from hub.models.types import utcnow
from tests.integration.inbox.conftest import by_text


def snowflake_at(moment: datetime) -> str:
    return str((int(moment.timestamp() * 1000) - 1288834974657) << 22)


def test_replies_after_a_quiet_week_still_arrive(english, publish, channel, sandbox) -> None:
    delivery = publish("x")
    ch = channel("x")
    sandbox.add_comment("x", delivery.remote_id, "Erste Frage")
    assert sync.sync_now(ch) == "synced"
    # A week and a day later: the post's position is its last reply, eight days old.
    state = db.session.get(CommentSync, ch.id)
    stale = snowflake_at(datetime.now(UTC) - timedelta(days=8))
    new = sandbox.add_comment("x", delivery.remote_id, "Nach einer Woche: gibt es Neues?")
    cursor = dict(state.cursor)
    cursor["posts"] = {delivery.remote_id: {"since_id": stale}}
    cursor["mentions"] = {"since_id": new["id"]}  # only the search can find it
    db.session.execute(
        update(CommentSync).where(CommentSync.channel_id == ch.id).values(cursor=cursor)
    )
    db.session.commit()

    assert sync.sync_now(ch) == "synced"

    assert "Nach einer Woche: gibt es Neues?" in by_text(ch)
    db.session.expire_all()
    state = db.session.get(CommentSync, ch.id)
    assert state.last_error is None  # not "refused the comments ... (deleted there?)"
    assert "rest_until" not in state.posts[delivery.remote_id]
    assert by_text(ch)["Erste Frage"].status != "deleted"


def test_a_reply_at_xs_daily_cap_waits_without_spending_attempts(
    english, citizen_comment, make_user, sandbox
) -> None:
    comment = citizen_comment("x")
    sandbox.settings("x", daily_post_limit=1)  # our post used it up
    action = actions.request_action(comment, "reply", make_user("moderator"), text="Ab 14 Uhr.")
    db.session.commit()
    for _ in range(4):  # told "not yet" more often than max_attempts
        assert actions.run_action(action.id) == ActionState.retry_wait
        db.session.refresh(action)
        assert action.attempts == 0 and "24 hours" in action.error_message
        assert action.next_attempt_at > utcnow() + timedelta(hours=23)
        db.session.execute(
            update(ModerationAction)
            .where(ModerationAction.id == action.id)
            .values(state=ActionState.queued)
        )
        db.session.commit()
    sandbox.settings("x", daily_post_limit=2)
    assert actions.run_action(action.id) == ActionState.done
    db.session.refresh(action)
    assert action.attempts == 1
