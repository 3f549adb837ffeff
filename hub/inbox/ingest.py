"""Comments into the inbox: one row per (channel, remote id), whatever brought them.

A poll, a webhook and our own reply may all bring the same comment, in any order and at the same
moment. Each is one ``INSERT ... ON CONFLICT (channel_id, remote_id) DO UPDATE`` (PostgreSQL and
SQLite alike), so the database itself guarantees one row: nothing lost, nothing doubled, and no
race between "look" and "insert". The update only happens when something changed (edited text,
hidden, deleted, a parent learnt later), so re-reading a thread costs no writes.

After the rows are in: replies are linked to their parents (in either arrival order), and our
own replies made directly on the network mark the comment they answer as answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlalchemy.schema import CreateTable

from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox.folding import Matcher, Verdict
from hub.models import Channel, Comment, CommentStatus, Delivery
from hub.models.types import UTCDateTime, utcnow

# Rows per statement: ~20 parameters each keeps SQLite under its 32,766 parameter limit.
CHUNK = 500
# A listing page at least this long may be part of a big first sync (see keep_statistics_current).
BIG_PAGE = 100
OPEN = (CommentStatus.new, CommentStatus.assigned)
NO_RULES = Matcher(())


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def clean(text: str | None, limit: int | None = None) -> str:
    """Text both databases can store: no NUL, no unpaired surrogates (hostile input exists)."""
    value = text or ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():  # only non-ASCII text can hold a surrogate
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] if limit else value


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _naive_utc(moment: datetime) -> datetime:
    """What ``UTCDateTime`` stores (naive UTC), without SQLAlchemy's per-value call."""
    if moment.tzinfo is UTC:
        return moment.replace(tzinfo=None)
    return moment.astimezone(UTC).replace(tzinfo=None)


def delivery_ids(channel_id: int, post_ids: Iterable[str]) -> dict[str, int]:
    """Our deliveries on this channel by the remote id of the post they made."""
    wanted = sorted({p for p in post_ids if p})
    found: dict[str, int] = {}
    for part in chunks(wanted):
        rows = db.session.execute(
            select(Delivery.remote_id, Delivery.id).where(
                Delivery.channel_id == channel_id, Delivery.remote_id.in_(part)
            )
        ).all()
        found.update({row.remote_id: row.id for row in rows})
    return found


def _row(channel_id: int, item: RemoteComment, matcher: Matcher, now: datetime) -> dict[str, Any]:
    """The comment as a row of ``comment_incoming``; its delivery is filled in when stored."""
    text = clean(item.text)
    verdict = Verdict() if item.is_own else matcher.check(text)
    return {
        "channel_id": channel_id,
        "remote_id": clean(item.remote_id, 200),
        "remote_parent_id": clean(item.parent_remote_id, 200) or None,
        "remote_post_id": clean(item.post_remote_id, 200) or None,
        "delivery_id": None,
        "author_name": clean(item.author_name, 300),
        "author_handle": clean(item.author_handle, 300) or None,
        "author_remote_id": clean(item.author_id, 200) or None,
        "text": text,
        "url": clean(item.url, 2000) or None,
        "remote_created_at": _aware(item.created_at) or now,
        "edited_at": _aware(item.edited_at),
        "status": CommentStatus.done if item.is_own else CommentStatus.new,
        "priority": verdict.priority,
        "flags": list(verdict.flags) or None,
        "is_own": item.is_own,
        "hidden": bool(item.hidden),
        "hidden_known": item.hidden is not None,
        "deleted_on_network": item.deleted,
        "created_at": now,
        "updated_at": now,
    }


#: Each batch of comments is first loaded into this scratch table of the connection (PostgreSQL:
#: ``COPY``, emptied at commit; SQLite: one ``executemany``), then goes into ``comment`` with a
#: few set-based statements: a thousand comments cost a handful of statements, not a thousand
#: (at a million comments the difference between 3,500 and well over 10,000 comments/s).
INCOMING = Table(
    "comment_incoming",
    MetaData(),
    Column("n", Integer),  # position in the batch: ids follow the network's order
    Column("wave", Integer),  # 0: parent known or none; k: parent in wave k - 1 (see _waves)
    Column("hidden_known", Boolean),
    *(
        Column(column.name, column.type)
        for column in Comment.__table__.columns
        if column.name not in ("id", "parent_id", "assignee_id", "first_answered_at")
    ),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)
INCOMING_COLUMNS = [column.name for column in INCOMING.columns]
#: Replies whose parent is in the same batch go in after it, wave by wave (threads on Facebook,
#: Instagram and YouTube are two levels deep; X conversations deeper). Deeper replies still
#: find their parent: in the orphan linking after the waves.
MAX_WAVE = 4


def _waves(rows: list[dict[str, Any]]) -> None:
    """Give each row its wave: 0 unless its parent is in the batch, then one after the parent's.

    Inserted wave by wave, a reply's parent row exists when the reply goes in, so its
    ``parent_id`` is set by the insert itself instead of by a second write of the row."""
    wave_of = {row["remote_id"]: 0 for row in rows}
    for row in rows:  # the network's order: a parent almost always comes first
        row["wave"] = 0
    for _round in range(MAX_WAVE):
        moved = False
        for row in rows:
            parent = row["remote_parent_id"]
            if parent in wave_of and parent != row["remote_id"]:
                wave = min(wave_of[parent] + 1, MAX_WAVE)
                if wave > row["wave"]:
                    row["wave"] = wave_of[row["remote_id"]] = wave
                    moved = True
        if not moved:
            break


#: Columns whose values ``COPY`` needs in another form than the rows hold them: what
#: SQLAlchemy does to a parameter (naive UTC times), JSON as JSON (psycopg would make an array
#: of a list). Every other value goes as it is.
_COPY_CHANGES = tuple(
    (position, Json if isinstance(column.type, JSON) else _naive_utc)
    for position, column in enumerate(INCOMING.columns)
    if isinstance(column.type, (JSON, UTCDateTime))
)
_DELIVERY_AT = INCOMING_COLUMNS.index("delivery_id")
_pick = itemgetter(*INCOMING_COLUMNS)


def _copy_values(row: dict[str, Any]) -> list[Any]:
    """The row as ``COPY`` takes it, in the scratch table's column order."""
    values = list(_pick(row))
    for position, change in _COPY_CHANGES:
        if values[position] is not None:
            values[position] = change(values[position])
    return values


@dataclass
class Batch:
    """A page of comments made ready for the database without asking it (rules applied, text
    cleaned, threads ordered, ``COPY`` rows formed): a sync prepares the next page in its
    read-ahead thread while the page before is being stored, so this work costs no time of
    the database's connection. Only the deliveries are looked up when it is stored."""

    channel_id: int
    now: datetime
    rows: list[dict[str, Any]]
    copy: list[list[Any]] | None  # for PostgreSQL: the rows as COPY takes them


def prepare(
    channel_id: int,
    items: Sequence[RemoteComment],
    matcher: Matcher,
    *,
    for_copy: bool,
    now: datetime | None = None,
) -> Batch:
    """``items`` as rows, one per remote id (the last one given wins). Touches no database:
    safe in any thread. ``for_copy``: the database is PostgreSQL (its rows go in by COPY)."""
    now = now or utcnow()
    unique = {clean(item.remote_id, 200): item for item in items if item.remote_id}
    rows = [_row(channel_id, item, matcher, now) for item in unique.values()]
    for n, row in enumerate(rows):
        row["n"] = n
    _waves(rows)
    return Batch(channel_id, now, rows, [_copy_values(row) for row in rows] if for_copy else None)


def copies_rows() -> bool:
    """Whether this database takes a batch by ``COPY`` (PostgreSQL), which ``prepare`` must
    know beforehand: it forms the rows for it and cannot ask the session itself."""
    return bool(db.session.get_bind().dialect.name == "postgresql")


def _fill_deliveries(batch: Batch) -> None:
    """Our delivery of each comment's post, where the post is ours."""
    deliveries = delivery_ids(batch.channel_id, (row["remote_post_id"] for row in batch.rows))
    if not deliveries:
        return
    for n, row in enumerate(batch.rows):
        found = deliveries.get(row["remote_post_id"] or "")
        if found is not None:
            row["delivery_id"] = found
            if batch.copy is not None:
                batch.copy[n][_DELIVERY_AT] = found


def _load_incoming(batch: Batch) -> None:
    """Put the batch into the (emptied) scratch table of this transaction's connection."""
    connection = db.session.connection()
    connection.execute(CreateTable(INCOMING, if_not_exists=True))
    connection.execute(delete(INCOMING))  # a second batch in the same transaction
    if batch.copy is None:
        connection.execute(insert(INCOMING), batch.rows)
        return
    names = ", ".join(f'"{name}"' for name in INCOMING_COLUMNS)
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY comment_incoming ({names}) FROM STDIN") as copy:
        for values in batch.copy:
            copy.write_row(values)


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, hidden_known: bool) -> Any:
    """Insert a wave's new comments (``:wave``); update known ones only where the network told
    something new (at ``:now``). Replies get their parent's row from the insert itself.

    Built once per dialect and kind, not for every batch: it has a few hundred SQL elements,
    and a big sync stores a batch every fraction of a second."""
    table = Comment.__table__
    now = bindparam("now", type_=table.c.updated_at.type)
    incoming = INCOMING
    parent = aliased(table)
    copied = [name for name in INCOMING_COLUMNS if name in table.c]
    source = (
        select(*(incoming.c[name] for name in copied), parent.c.id)
        .select_from(
            incoming.outerjoin(
                parent,
                and_(
                    parent.c.channel_id == incoming.c.channel_id,
                    parent.c.remote_id == incoming.c.remote_parent_id,
                ),
            )
        )
        .where(incoming.c.wave == bindparam("wave"), incoming.c.hidden_known.is_(hidden_known))
        .order_by(incoming.c.n)
    )
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(table).from_select([*copied, "parent_id"], source)
    new = statement.excluded
    parent_remote = func.coalesce(new.remote_parent_id, table.c.remote_parent_id)
    values: dict[str, Any] = {
        "text": new.text,
        "edited_at": case(
            (table.c.text != new.text, func.coalesce(new.edited_at, now)),
            else_=func.coalesce(new.edited_at, table.c.edited_at),
        ),
        "author_name": new.author_name,
        "author_handle": func.coalesce(new.author_handle, table.c.author_handle),
        "author_remote_id": func.coalesce(new.author_remote_id, table.c.author_remote_id),
        "url": func.coalesce(new.url, table.c.url),
        "remote_parent_id": parent_remote,
        # A parent learnt anew (Facebook flattens deep replies): the row the insert found.
        "parent_id": case(
            (table.c.remote_parent_id.is_distinct_from(parent_remote), new.parent_id),
            else_=func.coalesce(table.c.parent_id, new.parent_id),
        ),
        "remote_post_id": func.coalesce(new.remote_post_id, table.c.remote_post_id),
        "delivery_id": func.coalesce(new.delivery_id, table.c.delivery_id),
        "deleted_on_network": new.deleted_on_network,
        "is_own": or_(table.c.is_own, new.is_own),
        "flags": new.flags,
        "priority": new.priority,
        "updated_at": now,
    }
    changed = [
        table.c.text.is_distinct_from(new.text),
        table.c.deleted_on_network.is_distinct_from(new.deleted_on_network),
        table.c.author_name.is_distinct_from(new.author_name),
        table.c.priority.is_distinct_from(new.priority),
        and_(new.is_own, not_(table.c.is_own)),
        and_(
            new.remote_parent_id.is_not(None),
            table.c.remote_parent_id.is_distinct_from(new.remote_parent_id),
        ),
        and_(
            new.remote_post_id.is_not(None),
            table.c.remote_post_id.is_distinct_from(new.remote_post_id),
        ),
        and_(
            new.delivery_id.is_not(None),
            table.c.delivery_id.is_distinct_from(new.delivery_id),
        ),
        and_(new.url.is_not(None), table.c.url.is_distinct_from(new.url)),
    ]
    if hidden_known:
        values["hidden"] = new.hidden
        changed.append(table.c.hidden.is_distinct_from(new.hidden))
    return statement.on_conflict_do_update(
        index_elements=["channel_id", "remote_id"], set_=values, where=or_(*changed)
    )


def link_parents(channel_id: int) -> None:
    """Point replies still without a parent row at it, where it is known now: replies of the
    batch whose parent came in an earlier call or deeper than the waves, and known replies
    whose parent arrived in this batch (after them).

    Replies waiting for their parent are few, and ``ix_comment_orphans`` holds only them: the
    statement reads those of the channel, not every reply it ever had."""
    table = Comment.__table__
    parent = aliased(table)
    parent_row = select(parent.c.id).where(
        parent.c.channel_id == table.c.channel_id,
        parent.c.remote_id == table.c.remote_parent_id,
    )
    batch = select(INCOMING.c.remote_id)
    db.session.execute(
        update(table)
        .where(
            table.c.channel_id == channel_id,
            table.c.parent_id.is_(None),
            table.c.remote_parent_id.is_not(None),
            or_(table.c.remote_id.in_(batch), table.c.remote_parent_id.in_(batch)),
            parent_row.exists(),
        )
        .values(parent_id=parent_row.scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def _answered_by_own(channel_id: int) -> None:
    """Our replies in the batch (also those written on the network directly) answer their
    parent: open comments become answered, and the earliest reply sets the time. One statement
    for the batch; comments answered before are not written again."""
    table = Comment.__table__
    incoming = INCOMING
    answers = (
        select(incoming.c.remote_parent_id, func.min(incoming.c.remote_created_at).label("at"))
        .where(incoming.c.is_own.is_(True), incoming.c.remote_parent_id.is_not(None))
        .group_by(incoming.c.remote_parent_id)
        .subquery()
    )
    is_open = table.c.status.in_([str(s) for s in OPEN])
    db.session.execute(
        update(table)
        .where(
            table.c.channel_id == channel_id,
            table.c.remote_id == answers.c.remote_parent_id,
            table.c.is_own.is_(False),
            or_(is_open, table.c.first_answered_at.is_(None)),
        )
        .values(
            status=case((is_open, CommentStatus.answered), else_=table.c.status),
            first_answered_at=func.coalesce(table.c.first_answered_at, answers.c.at),
        )
        .execution_options(synchronize_session=False)
    )


def keep_statistics_current() -> None:
    """Let PostgreSQL look at ``comment`` again once it has more than doubled since it last did.

    The planner chooses the index for each lookup below from its statistics of the table. A
    first sync of a busy page can multiply the table within minutes, long before autovacuum's
    next ANALYZE; planned from the statistics of an (almost) empty table, the lookup of a
    comment by its remote id went through an index on the channel alone, reading every comment
    of the channel for each reply: every page of the sync slower than the one before. ANALYZE
    samples a fixed number of rows whatever the size (well under a second at a million
    comments), and "more than doubled" lets it run about log2(n) times in a table's life.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite plans these lookups by the unique index without statistics
    grown = db.session.scalar(
        text(
            "SELECT pg_relation_size(c.oid) / current_setting('block_size')::int"
            " > 2 * greatest(c.relpages, 8) FROM pg_class c WHERE c.oid = 'comment'::regclass"
        )
    )
    if grown:
        db.session.execute(text("ANALYZE comment"))


def store_comments(
    channel: Channel | int,
    items: Sequence[RemoteComment],
    *,
    matcher: Matcher | None = None,
    now: datetime | None = None,
) -> int:
    """Upsert ``items`` for ``channel``; returns how many distinct comments were given.

    Not committed: the caller commits (with its cursor, in the same transaction).
    """
    if not items:
        return 0
    channel_id = channel if isinstance(channel, int) else channel.id
    if matcher is None:
        from hub.inbox.rules import load_matcher

        matcher = load_matcher()
    return store_batch(prepare(channel_id, items, matcher, for_copy=copies_rows(), now=now))


def store_batch(batch: Batch) -> int:
    """Upsert a prepared batch (see ``prepare``); returns how many comments it holds.

    Not committed: the caller commits (with its cursor, in the same transaction).
    """
    rows = batch.rows
    if not rows:
        return 0
    if len(rows) >= BIG_PAGE:
        keep_statistics_current()
    _fill_deliveries(batch)
    _load_incoming(batch)
    dialect = db.session.get_bind().dialect.name
    for wave, hidden_known in sorted({(row["wave"], row["hidden_known"]) for row in rows}):
        db.session.execute(
            _upsert_statement(dialect, hidden_known), {"wave": wave, "now": batch.now}
        )
    link_parents(batch.channel_id)
    if any(row["is_own"] and row["remote_parent_id"] for row in rows):
        _answered_by_own(batch.channel_id)
    return len(rows)


def mark_deleted(channel_id: int, remote_ids: Iterable[str]) -> int:
    """The network reported these comments gone: keep them, marked (never dropped)."""
    count = 0
    for part in chunks(sorted(set(remote_ids))):
        count += db.session.execute(
            update(Comment)
            .where(
                Comment.channel_id == channel_id,
                Comment.remote_id.in_(part),
                Comment.deleted_on_network.is_(False),
            )
            .values(deleted_on_network=True, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    return count


def mark_hidden(channel_id: int, remote_id: str, hidden: bool) -> int:
    return db.session.execute(
        update(Comment)
        .where(
            Comment.channel_id == channel_id,
            Comment.remote_id == remote_id,
            Comment.hidden.is_not(hidden),
        )
        .values(hidden=hidden, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def mark_missing(
    channel_id: int, post_remote_id: str, present: Iterable[str], listed_since: datetime
) -> int:
    """A complete listing of one post did not contain these known comments: deleted there.

    Only rows hub knew before the listing started count (``created_at < listed_since``): our
    reply recorded while the listing ran is not "missing".
    """
    seen = set(present)
    known = db.session.scalars(
        select(Comment.remote_id).where(
            Comment.channel_id == channel_id,
            Comment.remote_post_id == post_remote_id,
            Comment.deleted_on_network.is_(False),
            Comment.created_at < listed_since,
        )
    ).all()
    gone = [remote_id for remote_id in known if remote_id not in seen]
    return mark_deleted(channel_id, gone) if gone else 0
