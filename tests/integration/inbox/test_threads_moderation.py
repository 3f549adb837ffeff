"""Moderating Threads replies from hub's inbox (both databases, the sandbox over HTTP): a reply
directly under our thread is hidden and shown again; a deeper one is offered no hiding, with
the reason; our own answer is deleted, a citizen's is not (Threads deletes only one's own)."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.inbox import actions, sync
from hub.inbox.availability import availability
from hub.inbox.errors import InboxError
from hub.models import ActionState
from tests.integration.inbox.conftest import by_text


def test_hide_top_level_replies_and_delete_only_our_own(
    english, publish, channel, sandbox, make_user
) -> None:
    moderator = make_user("moderator")
    post = publish("threads").remote_id
    top = sandbox.add_comment("threads", post, "Frechheit!", author="Erika")
    sandbox.add_comment("threads", post, "Finde ich auch", author="Max", parent_id=top["id"])
    ch = channel("threads")
    assert sync.sync_now(ch) == "synced"
    found = by_text(ch)
    first, deeper = found["Frechheit!"], found["Finde ich auch"]

    assert availability(first).hide is None
    assert "only replies directly under our post" in (availability(deeper).hide or "")
    with pytest.raises(InboxError, match="only replies directly under our post"):
        actions.request_action(deeper, "hide", moderator)
    assert "hide it instead" in (availability(first).delete or "")

    hide = actions.request_action(first, "hide", moderator)
    db.session.commit()
    assert actions.run_action(hide.id) == ActionState.done
    assert sandbox.post("threads", top["id"])["hidden"] is True
    show = actions.request_action(first, "unhide", moderator)
    db.session.commit()
    assert actions.run_action(show.id) == ActionState.done
    assert sandbox.post("threads", top["id"])["hidden"] is False

    answer = actions.request_action(first, "reply", moderator, text="Bitte bleiben Sie sachlich.")
    db.session.commit()
    assert actions.run_action(answer.id) == ActionState.done
    db.session.refresh(answer)
    ours = sandbox.post("threads", answer.remote_id)
    assert ours["parent_id"] == top["id"] and not ours["deleted"]
    assert sync.sync_now(ch) == "synced"
    own = by_text(ch)["Bitte bleiben Sie sachlich."]
    assert own.is_own and availability(own).delete is None
    delete = actions.request_action(own, "delete", moderator, reason="Doppelt")
    db.session.commit()
    assert actions.run_action(delete.id) == ActionState.done
    assert sandbox.post("threads", answer.remote_id)["deleted"] is True
