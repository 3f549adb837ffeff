"""Reading the inbox: the filtered list, newest first, a page at a time by key; and a thread.

Pages are cut by key (``remote_created_at, id`` below the last row seen), never by OFFSET, and
nothing is counted: the tenth page costs what the first does, whatever the table's size. Every
filter has an index that starts with its column and ends in the sort order (see the model).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, literal, or_, select, tuple_
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.util import identity_key

from hub.extensions import db
from hub.inbox.errors import InboxError
from hub.models import (
    Announcement,
    Channel,
    Comment,
    CommentStatus,
    Delivery,
    ModerationAction,
    Network,
    Tag,
    User,
)

PAGE_SIZE = 50
MAX_PAGE = 100
THREAD_LIMIT = 500
MAX_DEPTH = 4
STATUS_FILTERS = ("open", *(s.value for s in CommentStatus), "all")
OPEN = (CommentStatus.new, CommentStatus.assigned)
# "Open" with its values written into the SQL, not bound: PostgreSQL may switch a prepared
# statement to a generic plan, which cannot use the partial indexes on open items (their
# condition must be proven from the query's own text).
OPEN_SQL = Comment.status.in_([literal(s.value, literal_execute=True) for s in OPEN])


@dataclass(frozen=True)
class InboxFilter:
    network: str | None = None
    channel_id: int | None = None
    status: str = "open"  # open (new + assigned), one status, or all
    assignee: str | None = None  # "me", "none" or a user id
    announcement_id: int | None = None
    tag_id: int | None = None
    flagged: bool = False
    q: str | None = None

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for links to the next page)."""
        values = {
            "network": self.network,
            "channel": self.channel_id,
            "status": None if self.status == "open" else self.status,
            "assignee": self.assignee,
            "announcement": self.announcement_id,
            "tag": self.tag_id,
            "flagged": "1" if self.flagged else None,
            "q": self.q,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


def parse_filter(args: Mapping[str, str]) -> InboxFilter:
    """A filter from query arguments; values that make no sense are ignored."""
    network = args.get("network") or None
    status = args.get("status") or "open"
    assignee = args.get("assignee") or None
    if assignee not in (None, "me", "none") and _int(assignee) is None:
        assignee = None
    q = (args.get("q") or "").replace("\x00", "").strip()[:200] or None
    return InboxFilter(
        network=network if network in {n.value for n in Network} else None,
        channel_id=_int(args.get("channel")),
        status=status if status in STATUS_FILTERS else "open",
        assignee=assignee,
        announcement_id=_int(args.get("announcement")),
        tag_id=_int(args.get("tag")),
        flagged=(args.get("flagged") or "").lower() in ("1", "true", "yes", "on"),
        q=q,
    )


# ---------------------------------------------------------------------------------------------
# Cursors


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.at.astimezone(UTC).isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    """The position after which the next page starts; :class:`InboxError` if it is garbage."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        moment, _sep, row_id = raw.partition("|")
        at = datetime.fromisoformat(moment)
        number = int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InboxError(
            _("The page marker is not valid; start from the first page."), "invalid", 400
        ) from None
    if at.tzinfo is None or not 0 < number < 2**31:
        raise InboxError(
            _("The page marker is not valid; start from the first page."), "invalid", 400
        )
    return Cursor(at, number)


# ---------------------------------------------------------------------------------------------
# The list


@dataclass
class InboxPage:
    items: list[Comment]
    next_cursor: str | None
    filter: InboxFilter = field(default_factory=InboxFilter)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(query: Select, f: InboxFilter, user: User | None) -> Select:  # type: ignore[type-arg]
    if f.status == "open":
        query = query.where(OPEN_SQL)
    elif f.status != "all":
        query = query.where(Comment.status == f.status)
    if f.network:
        query = query.where(
            Comment.channel_id.in_(select(Channel.id).where(Channel.network == f.network))
        )
    if f.channel_id:
        query = query.where(Comment.channel_id == f.channel_id)
    if f.assignee == "me" and user is not None:
        query = query.where(Comment.assignee_id == user.id)
    elif f.assignee == "none":
        query = query.where(Comment.assignee_id.is_(None))
    elif f.assignee and f.assignee.isdigit():
        query = query.where(Comment.assignee_id == int(f.assignee))
    if f.announcement_id:
        query = query.where(
            Comment.delivery_id.in_(
                select(Delivery.id).where(Delivery.announcement_id == f.announcement_id)
            )
        )
    if f.tag_id:
        query = query.where(Comment.tags.any(Tag.id == f.tag_id))
    if f.flagged:
        query = query.where(Comment.priority > literal(0, literal_execute=True))
    if f.q:
        pattern = _like(f.q)
        query = query.where(
            or_(
                Comment.text.ilike(pattern, escape="\\"),
                Comment.author_name.ilike(pattern, escape="\\"),
                Comment.author_handle.ilike(pattern, escape="\\"),
            )
        )
    return query


def inbox_page(
    f: InboxFilter,
    user: User | None,
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
    *,
    with_tags: bool = True,
) -> InboxPage:
    """Citizens' comments (not our own replies) matching ``f``, newest first.

    ``with_tags=False`` for callers that do not show the tags (the admin list): one query less.
    """
    limit = max(1, min(limit, MAX_PAGE))
    query = filtered(select(Comment).where(Comment.is_own.is_(False)), f, user)
    if cursor is not None:
        query = query.where(tuple_(Comment.remote_created_at, Comment.id) < (cursor.at, cursor.id))
    # The post and its announcement in one query (a join on the deliveries' primary keys), and
    # of the announcement only what a row shows: its body may be long.
    options = [
        selectinload(Comment.delivery)
        .joinedload(Delivery.announcement)
        .load_only(Announcement.id, Announcement.title)
    ]
    if with_tags:
        options.append(selectinload(Comment.tags))
    query = (
        query.order_by(Comment.remote_created_at.desc(), Comment.id.desc())
        .limit(limit + 1)
        .options(*options)
    )
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    _attach_known(rows, "channel", Channel, (r.channel_id for r in rows))
    _attach_known(rows, "assignee", User, (r.assignee_id for r in rows))
    after = Cursor(rows[-1].remote_created_at, rows[-1].id).encode() if more and rows else None
    return InboxPage(rows, after, f)


def _attach_known(
    rows: list[Comment],
    relation: str,
    model: type[Channel] | type[User],
    ids: Iterable[int | None],
) -> None:
    """Set the many-to-one ``relation`` of ``rows`` (``ids``: their foreign keys, in order) from
    objects the session already holds, loading only the missing ones (one query).

    ``selectinload`` would ask the database for all of them again; the inbox view has loaded
    every channel and moderator for its filters before the page, so usually nothing is asked.
    Expired objects count as missing: they are loaded fresh in the same query.
    """
    keys = list(ids)
    session = db.session()
    known: dict[int, Any] = {}
    for ident in set(keys) - {None}:
        obj = session.identity_map.get(identity_key(model, ident))
        if obj is not None:
            state = instance_state(obj)
            if not state.expired and not state.expired_attributes:
                known[ident] = obj
    missing = set(keys) - known.keys() - {None}
    if missing:
        known.update(
            (obj.id, obj) for obj in session.scalars(select(model).where(model.id.in_(missing)))
        )
    for row, key in zip(rows, keys, strict=True):
        set_committed_value(row, relation, known.get(key) if key is not None else None)


# ---------------------------------------------------------------------------------------------
# A thread


@dataclass(frozen=True)
class ThreadEntry:
    comment: Comment
    depth: int


@dataclass
class Thread:
    comment: Comment
    delivery: Delivery | None
    entries: list[ThreadEntry]
    truncated: bool = False


def thread_of(comment: Comment) -> Thread:
    """Every comment under the same post (or the comment and its replies, for a mention
    without a known post), as a tree in time order."""
    query = select(Comment).where(Comment.channel_id == comment.channel_id)
    if comment.remote_post_id:
        query = query.where(Comment.remote_post_id == comment.remote_post_id)
    else:
        query = query.where(or_(Comment.id == comment.id, Comment.parent_id == comment.id))
    rows = list(
        db.session.scalars(
            query.order_by(Comment.remote_created_at, Comment.id).limit(THREAD_LIMIT + 1)
        )
    )
    truncated = len(rows) > THREAD_LIMIT
    rows = rows[:THREAD_LIMIT]
    if comment.id not in {c.id for c in rows}:
        rows.append(comment)
    ids = {c.id for c in rows}
    children: dict[int | None, list[Comment]] = {}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    entries: list[ThreadEntry] = []

    def walk(parent: int | None, depth: int) -> None:
        for child in children.get(parent, []):
            entries.append(ThreadEntry(child, min(depth, MAX_DEPTH)))
            walk(child.id, depth + 1)

    walk(None, 0)
    return Thread(comment, comment.delivery, entries, truncated)


def actions_of(comment: Comment) -> list[ModerationAction]:
    return list(
        db.session.scalars(
            select(ModerationAction)
            .where(ModerationAction.comment_id == comment.id)
            .order_by(ModerationAction.id.desc())
            .limit(50)
            .options(selectinload(ModerationAction.requested_by))
        )
    )
