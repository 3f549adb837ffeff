"""The inbox through real Celery workers and beat: a citizen's comment arrives by itself, a
moderator's reply goes out once, and a worker killed with ``kill -9`` in the middle of sending
that reply does not lead to a second one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.inbox import actions
from hub.models import ActionState, Channel, Comment, DeliveryState, ModerationAction
from hub.scheduler.inbox import run_soon
from tests.e2e.conftest import Stack, drop_pg_database, make_stack, wait_for_states
from tests.support import approved_announcement, wait_until


@pytest.fixture(params=["embedded", "scaled"])
def stack(request: pytest.FixtureRequest, tmp_path: Path, sandbox_url: str) -> Iterator[Stack]:
    # Comments are looked for every second here (a minute in production).
    stack = make_stack(request.param, tmp_path, sandbox_url, HUB_INBOX_SYNC_INTERVAL="1")
    yield stack
    stack.stop_all()
    if stack.kind == "scaled":
        drop_pg_database(stack.env["HUB_DATABASE_URL"].rsplit("/", 1)[1])


def _fresh_one(query):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.scalars(query).first()


def _our_replies(sandbox, comment: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        c
        for c in sandbox.comments("x", comment["post_id"])
        if c["parent_id"] == comment["id"] and c["from_owner"]
    ]


def test_comments_arrive_and_a_reply_goes_out_once_even_if_a_worker_dies(
    stack, app, make_user, sandbox
) -> None:
    worker = stack.start_worker("w1")
    stack.start_beat()
    editor, approver, moderator = make_user("editor"), make_user("approver"), make_user("moderator")
    channel = Channel(
        network="x", name="@bochum", external_id="1234", credentials={"access_token": "e2e-x"}
    )
    db.session.add(channel)
    db.session.commit()
    ann = approved_announcement(
        editor, approver, [channel.id], title="Stadtfest", body="Stadtfest am Samstag"
    )
    (delivery,) = wait_for_states(ann, {DeliveryState.published})

    # A citizen asks; the sync (beat -> dispatch -> hub.sync.channel) brings it into the inbox.
    first = sandbox.add_comment("x", delivery.remote_id, "Gibt es Parkplätze?", author="Anna")
    comment = wait_until(
        lambda: _fresh_one(select(Comment).where(Comment.remote_id == first["id"])),
        timeout=60,
        what="the synced comment",
    )
    assert comment.delivery_id == delivery.id and comment.author_name == "Anna"

    # The moderator answers; the worker sends it (hub.action.run on the actions queue).
    action = actions.request_action(comment, "reply", moderator, text="Ja, am Stadion.")
    db.session.commit()
    run_soon(action.id)
    wait_until(
        lambda: _fresh_one(select(ModerationAction).where(ModerationAction.state == "done")),
        timeout=60,
        what="the reply sent",
    )
    assert [c["text"] for c in _our_replies(sandbox, first)] == ["Ja, am Stadion."]

    # Another question; this time the worker dies while X is still answering the reply.
    second = sandbox.add_comment("x", delivery.remote_id, "Und für Fahrräder?", author="Jürgen")
    comment = wait_until(
        lambda: _fresh_one(select(Comment).where(Comment.remote_id == second["id"])),
        timeout=60,
        what="the second comment",
    )
    sandbox.add_fault("x", "latency", seconds=3, count=1, method="POST", path="/2/tweets")
    action = actions.request_action(comment, "reply", moderator, text="Ja, Bügel am Eingang.")
    db.session.commit()
    action_id = action.id
    run_soon(action_id)

    def in_flight() -> bool:
        return any(
            r["method"] == "POST" and r["path"] == "/2/tweets" and r["status"] is None
            for r in sandbox.requests("x")
        )

    wait_until(in_flight, timeout=30, what="the reply in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    done = wait_until(
        lambda: _fresh_one(
            select(ModerationAction).where(
                ModerationAction.id == action_id,
                ModerationAction.state.in_([ActionState.done, ActionState.needs_review]),
            )
        ),
        timeout=90,
        what="the reply reconciled",
    )
    replies = _our_replies(sandbox, second)
    # X finished the reply after the worker died; hub found it instead of replying again.
    assert [c["text"] for c in replies] == ["Ja, Bügel am Eingang."]
    assert done.state == ActionState.done and done.remote_id == replies[0]["id"]
