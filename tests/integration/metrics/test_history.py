"""The demo's past month (``seed_history``): a dashboard with figures, an inbox with nothing of it
to answer."""

from __future__ import annotations

from sqlalchemy import select

from hub.extensions import db
from hub.metrics.history import seed_history
from hub.models import Comment, CommentStatus
from hub.models.types import utcnow


def test_the_history_leaves_no_comment_open_that_no_network_knows(make_user, make_channel) -> None:
    for network in ("facebook", "instagram", "x", "youtube", "flickr"):
        make_channel(network)
    assert seed_history(utcnow(), make_user("editor"), make_user("moderator")) > 0
    comments = db.session.scalars(select(Comment)).all()
    assert comments  # the dashboard's response times have something to show
    assert {c.status for c in comments} == {CommentStatus.done}
    assert any(c.first_answered_at for c in comments)
    assert any(c.first_answered_at is None for c in comments)  # closed without an answer too
