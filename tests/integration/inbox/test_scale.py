"""The inbox stays fast at scale: the open views use their partial indexes, the assignee list
costs a fixed number of queries.

The index tests are for PostgreSQL only (SQLite has no planner statistics to go wrong). The
plans are read with sequential scans switched off, so the test asks "can this query use its
index at all?", which breaks when an index or its condition changes, or the query stops writing
the open statuses as literals (a generic plan of a prepared statement could then never use the
index).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from hub.extensions import db
from hub.inbox.queries import InboxFilter, inbox_page
from hub.models import User


@contextmanager
def captured_selects() -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on ``comment`` that run inside the block, as sent to the driver."""
    seen: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT") and "FROM comment" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def an_inbox_after_a_year(channel_id: int, moderator_id: int) -> None:
    """5,000 comments, 1 % of them open (some flagged, some assigned to the moderator), and
    statistics that say so: the planner chooses as it would in a city's inbox."""
    db.session.execute(
        text(
            """
            INSERT INTO comment (channel_id, remote_id, author_name, text, remote_created_at,
                status, assignee_id, priority, is_own, hidden, deleted_on_network,
                created_at, updated_at)
            SELECT :channel, 'c' || g, 'Anna', 'Wann?', now() - make_interval(hours => g),
                CASE WHEN g % 100 = 0 THEN 'assigned' WHEN g % 100 = 1 THEN 'new'
                     ELSE 'done' END,
                CASE WHEN g % 100 = 0 THEN :moderator END,
                CASE WHEN g % 7 = 0 THEN 2 ELSE 0 END,
                false, false, false, now(), now()
            FROM generate_series(1, 5000) g
            """
        ),
        {"channel": channel_id, "moderator": moderator_id},
    )
    db.session.commit()
    db.session.execute(text("ANALYZE comment"))


@pytest.mark.postgresql_only
@pytest.mark.parametrize(
    ("inbox_filter", "index"),
    [
        (InboxFilter(), "ix_comment_open_time"),
        (InboxFilter(assignee="me"), "ix_comment_open_assignee"),
        (InboxFilter(flagged=True), "ix_comment_open_flagged"),
    ],
    ids=["open", "assigned to me", "flagged"],
)
def test_open_views_can_use_their_partial_index(
    app, make_user, make_channel, inbox_filter: InboxFilter, index: str
) -> None:
    moderator: User = make_user("moderator")
    an_inbox_after_a_year(make_channel("facebook").id, moderator.id)
    with captured_selects() as seen:
        inbox_page(inbox_filter, moderator)
    statement, parameters = seen[0]
    assert "IN ('new', 'assigned')" in statement  # literal: provable against the index
    conn = db.session.connection()
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(
        row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    )
    db.session.rollback()
    assert index in plan, plan


def test_the_people_to_assign_to_cost_two_queries_however_many_there_are(app, make_user) -> None:
    """The inbox page lists them twice per view; one query per person made 200 staff accounts
    cost 400 queries a page."""
    from hub.inbox.operations import moderators

    for _ in range(12):
        make_user("moderator")
    make_user("editor")  # not offered
    db.session.expire_all()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        people = moderators()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(people) == 12
    assert len(statements) <= 3, statements  # users, their roles (and the roles' permissions)


@pytest.mark.postgresql_only  # an_inbox_after_a_year writes PostgreSQL
def test_a_page_finds_channels_and_assignees_the_session_holds(
    app, make_user, make_channel
) -> None:
    """The admin list loads every channel and moderator for its filters first; the page's rows
    take theirs from the session (no query), and load only people it does not hold, at once."""
    from sqlalchemy import select

    from hub.inbox.operations import moderators
    from hub.models import Channel

    moderator: User = make_user("moderator")
    editor: User = make_user("editor")  # not among the moderators: loaded by the page
    channel_id = make_channel("facebook").id
    an_inbox_after_a_year(channel_id, moderator.id)
    newest = db.session.scalars(
        text("SELECT id FROM comment ORDER BY remote_created_at DESC, id DESC LIMIT 2")
    ).all()
    for comment_id, person in zip(newest, (editor, moderator), strict=True):
        db.session.execute(
            text("UPDATE comment SET assignee_id = :who WHERE id = :id"),
            {"who": person.id, "id": comment_id},
        )
    db.session.commit()
    db.session.expire_all()
    known = [*db.session.scalars(select(Channel)), *moderators()]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = inbox_page(InboxFilter(status="all"), moderator, with_tags=False)
        shown = [(c.channel.id, c.assignee.email if c.assignee else None) for c in page.items]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert known
    assert {channel for channel, _who in shown} == {channel_id}
    assert editor.email in {who for _channel, who in shown}
    assert moderator.email in {who for _channel, who in shown}
    # the comments, their posts (none here: no query), and the one person not yet loaded
    assert len(statements) == 2, statements
    assert 'FROM "user"' in statements[1]
