"""LinkedIn comments in hub's inbox (both databases, the sandbox over HTTP): comments and their
replies arrive in their threads; a reply from the inbox goes out once and comes back as ours;
hiding is offered nowhere and deleting only for our own, each with the reason."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.inbox import actions, sync
from hub.inbox.availability import availability
from hub.inbox.errors import InboxError
from hub.models import ActionState
from tests.integration.inbox.conftest import by_text


def test_comments_reply_and_delete_our_own(english, publish, channel, sandbox, make_user) -> None:
    moderator = make_user("moderator")
    post = publish("linkedin").remote_id
    (made,) = sandbox.posts("linkedin")
    assert made["text"].endswith("(1)")  # the parentheses survived little text
    top = sandbox.add_comment("linkedin", post, "Wo genau?", author="Erika")
    sandbox.add_comment("linkedin", post, "Am Rathaus", author="Max", parent_id=top["id"])
    ch = channel("linkedin")
    assert sync.sync_now(ch) == "synced"
    found = by_text(ch)
    first, reply = found["Wo genau?"], found["Am Rathaus"]
    assert reply.parent_id == first.id

    assert "LinkedIn does not let apps hide comments" in (availability(first).hide or "")
    with pytest.raises(InboxError):
        actions.request_action(first, "hide", moderator)
    assert "on linkedin.com" in (availability(first).delete or "")  # a citizen's comment

    answer = actions.request_action(first, "reply", moderator, text="Vor dem Rathaus (Nordseite).")
    db.session.commit()
    assert actions.run_action(answer.id) == ActionState.done
    db.session.refresh(answer)
    ours = sandbox.post("linkedin", answer.remote_id)
    assert ours["parent_id"] == top["id"] and ours["text"] == "Vor dem Rathaus (Nordseite)."
    assert sync.sync_now(ch) == "synced"
    own = by_text(ch)["Vor dem Rathaus (Nordseite)."]
    assert own.is_own and availability(own).delete is None
    delete = actions.request_action(own, "delete", moderator, reason="Doppelt")
    db.session.commit()
    assert actions.run_action(delete.id) == ActionState.done
    assert sandbox.post("linkedin", answer.remote_id)["deleted"] is True
