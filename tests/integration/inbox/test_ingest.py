"""Taking comments in: one row per (channel, remote id) from any source, in any order; rules
flag and prioritise; what the network does not say is kept; hostile bytes are stored safely."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox.ingest import BIG_PAGE, mark_missing, store_comments
from hub.inbox.rules import recheck_open_comments
from hub.models import Comment, KeywordRule
from hub.models.types import utcnow

WHEN = utcnow() - timedelta(hours=1)


def comment(remote_id: str, text: str = "Hallo", **fields) -> RemoteComment:  # type: ignore[no-untyped-def]
    return RemoteComment(remote_id=remote_id, text=text, created_at=WHEN, **fields)


def rows(channel) -> dict[str, Comment]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    found = db.session.scalars(select(Comment).where(Comment.channel_id == channel.id))
    return {c.remote_id: c for c in found}


def test_the_same_comment_twice_is_one_row_and_an_edit_updates_it(make_channel) -> None:
    channel = make_channel("facebook")
    store_comments(channel, [comment("c1", "Wann?", author_name="Anna", post_remote_id="p1")])
    db.session.commit()
    first = rows(channel)["c1"]
    store_comments(channel, [comment("c1", "Wann?", author_name="Anna")])
    db.session.commit()
    assert rows(channel)["c1"].updated_at == first.updated_at  # nothing new, nothing written
    store_comments(channel, [comment("c1", "Wann genau?", author_name="Anna")])
    db.session.commit()
    (row,) = rows(channel).values()
    assert row.id == first.id and row.text == "Wann genau?" and row.edited_at is not None
    assert row.remote_post_id == "p1"  # not said the second time: kept


def test_replies_find_their_parents_in_any_order(make_channel) -> None:
    channel = make_channel("x")
    store_comments(channel, [comment("child", parent_remote_id="parent", post_remote_id="p")])
    db.session.commit()
    assert rows(channel)["child"].parent_id is None  # the parent is not known yet
    store_comments(channel, [comment("parent", post_remote_id="p")])
    db.session.commit()
    found = rows(channel)
    assert found["child"].parent_id == found["parent"].id


@pytest.mark.parametrize("order", ["network", "reversed"])
def test_a_whole_thread_in_one_batch_is_linked_at_any_depth(make_channel, order) -> None:
    """An X conversation eight replies deep (deeper than the insert's waves), given parents
    first as networks list them, or children first."""
    channel = make_channel("x")
    chain = [comment("r0", post_remote_id="p")] + [
        comment(f"r{i}", parent_remote_id=f"r{i - 1}", post_remote_id="p") for i in range(1, 9)
    ]
    store_comments(channel, chain if order == "network" else chain[::-1])
    db.session.commit()
    found = rows(channel)
    assert found["r0"].parent_id is None
    assert all(found[f"r{i}"].parent_id == found[f"r{i - 1}"].id for i in range(1, 9))


def test_two_batches_in_one_transaction_each_go_in_whole(make_channel) -> None:
    """The scratch table of the second batch holds only its own comments."""
    channel = make_channel("facebook")
    store_comments(channel, [comment("a", "Erste"), comment("b", "Zweite")])
    store_comments(channel, [comment("a", "Erste, bearbeitet"), comment("c", parent_remote_id="b")])
    db.session.commit()
    found = rows(channel)
    assert sorted(found) == ["a", "b", "c"]
    assert found["a"].text == "Erste, bearbeitet" and found["b"].text == "Zweite"
    assert found["c"].parent_id == found["b"].id


@pytest.mark.postgresql_only
def test_linking_late_parents_reads_only_the_replies_still_waiting(make_channel) -> None:
    """Thousands of comments without a parent (top level) and one reply waiting for its parent:
    the link after a batch looks at that one through the orphan index, not at every comment."""
    channel = make_channel("facebook")
    store_comments(channel, [comment(f"top{i}", post_remote_id="p") for i in range(3000)])
    store_comments(channel, [comment("late", parent_remote_id="soon", post_remote_id="p")])
    db.session.commit()
    db.session.execute(text("ANALYZE comment"))
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE comment SET parent_id"):
            statements.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        store_comments(channel, [comment("soon", post_remote_id="p")])
        ((statement, parameters),) = statements
        cursor = db.session.connection().connection.driver_connection.cursor()
        plan = cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters).fetchone()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    db.session.commit()
    assert "ix_comment_orphans" in str(plan)
    found = rows(channel)
    assert found["late"].parent_id == found["soon"].id


def test_our_replies_on_the_network_answer_their_comment_once(make_channel) -> None:
    """Open comments become answered at our earliest reply; a closed one stays closed; a
    comment answered before is not written again when the thread is read again."""
    channel = make_channel("facebook")
    question = comment("q", "Wann?", post_remote_id="p")
    closed = comment("c", "Danke", post_remote_id="p")
    store_comments(channel, [question, closed])
    db.session.commit()
    rows(channel)["c"].status = "done"
    db.session.commit()

    def ours(remote_id: str, text: str, minutes: int, parent: str) -> RemoteComment:
        return replace(
            comment(remote_id, text, is_own=True, parent_remote_id=parent, post_remote_id="p"),
            created_at=WHEN + timedelta(minutes=minutes),
        )

    replies = [
        ours("r2", "Um 15 Uhr.", 9, "q"),
        ours("r1", "Ab 14 Uhr.", 5, "q"),
        ours("r3", "Gern!", 7, "c"),
    ]
    store_comments(channel, replies)
    db.session.commit()
    found = rows(channel)
    assert found["q"].status == "answered"
    assert found["q"].first_answered_at == WHEN + timedelta(minutes=5)  # the earliest reply
    assert found["c"].status == "done" and found["c"].first_answered_at is not None
    written = found["q"].updated_at, found["c"].updated_at
    store_comments(channel, [question, closed, *replies])  # the whole thread read again
    db.session.commit()
    found = rows(channel)
    assert (found["q"].updated_at, found["c"].updated_at) == written


def test_hidden_is_kept_where_the_network_does_not_say(make_channel) -> None:
    channel = make_channel("x")
    store_comments(channel, [comment("c", hidden=True)])
    store_comments(channel, [comment("c", hidden=None)])
    db.session.commit()
    assert rows(channel)["c"].hidden is True
    store_comments(channel, [comment("c", hidden=False)])
    db.session.commit()
    assert rows(channel)["c"].hidden is False


def test_rules_fold_case_and_umlauts_and_set_priority(make_channel) -> None:
    channel = make_channel("facebook")
    db.session.add_all(
        [
            KeywordRule(category="emergency", keyword="Notfall", priority=10),
            KeywordRule(category="insult", keyword="Blödmann", priority=3),
            KeywordRule(category="spam", keyword="ass", priority=1, whole_word=True),
        ]
    )
    db.session.commit()
    store_comments(
        channel,
        [
            comment("a", "NOTFALL am Husemannplatz, ihr BLOEDMANN!"),
            comment("b", "Die Klasse war toll"),
            comment("c", "Du ass!"),
            comment("d", "Ein notfall", is_own=True),
        ],
    )
    db.session.commit()
    found = rows(channel)
    assert found["a"].flags == ["emergency", "insult"] and found["a"].priority == 10
    assert found["b"].flags is None and found["b"].priority == 0  # "ass" only as a word
    assert found["c"].flags == ["spam"]
    assert found["d"].flags is None  # our own replies are never flagged
    # A new rule flags what is already waiting.
    db.session.add(KeywordRule(category="question", keyword="klasse", priority=2))
    recheck_open_comments()
    db.session.commit()
    assert rows(channel)["b"].flags == ["question"]


def test_hostile_bytes_are_stored_not_refused(make_channel) -> None:
    channel = make_channel("x")
    store_comments(
        channel,
        [comment("nul", "a\x00b <script>alert(1)</script> \ud800", author_name="\x00Eve")],
    )
    db.session.commit()
    row = rows(channel)["nul"]
    assert row.text.startswith("ab <script>alert(1)</script>") and row.author_name == "Eve"


def test_missing_from_a_complete_listing_means_deleted_but_not_newer_rows(make_channel) -> None:
    channel = make_channel("facebook")
    store_comments(channel, [comment(i, post_remote_id="p") for i in ("keep", "gone")])
    db.session.commit()
    listed_since = utcnow() + timedelta(seconds=1)
    store_comments(channel, [comment("during", post_remote_id="p", is_own=True)])
    db.session.execute(
        Comment.__table__.update()
        .where(Comment.remote_id == "during")
        .values(created_at=listed_since + timedelta(seconds=1))
    )
    assert mark_missing(channel.id, "p", {"keep"}, listed_since) == 1
    db.session.commit()
    found = rows(channel)
    assert found["gone"].deleted_on_network and not found["keep"].deleted_on_network
    assert not found["during"].deleted_on_network  # made while the listing ran


@pytest.mark.postgresql_only
def test_a_big_first_sync_has_postgresql_look_at_the_table_again(make_channel) -> None:
    """Planned from the statistics of an empty table, each lookup read the whole channel."""
    channel = make_channel("facebook")

    def planner_rows() -> float:
        return float(
            db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'comment'"))
        )

    db.session.execute(text("ANALYZE comment"))  # as after the migrations: an empty table
    db.session.commit()
    assert planner_rows() <= 0
    long_text = "Wann wird die Straße wieder freigegeben? " * 12
    for page in range(2):
        items = [
            comment(f"c{page}-{i}", long_text, author_name="Anna", post_remote_id="p")
            for i in range(5 * BIG_PAGE)
        ]
        store_comments(channel, items)
        db.session.commit()
    assert planner_rows() >= 5 * BIG_PAGE  # looked again when the second page came
