"""Who else has an inbox item open, or is writing a reply to it, right now.

The item's page reports every few seconds ("viewing" or "replying") and gets back the others;
a report older than :data:`FRESH` no longer counts. Kept in the database, so it works the same
with one web process or many, with no Redis needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.extensions import db
from hub.models import InboxPresence, User
from hub.models.types import utcnow

FRESH = timedelta(seconds=30)
ACTIVITIES = ("viewing", "replying")


@dataclass(frozen=True)
class Present:
    user_id: int
    name: str
    activity: str


def touch(
    comment_id: int, user: User, activity: str = "viewing", now: datetime | None = None
) -> None:
    """``user`` is on the item now. Not committed."""
    activity = activity if activity in ACTIVITIES else "viewing"
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(InboxPresence.__table__).values(
        comment_id=comment_id, user_id=user.id, activity=activity, seen_at=now
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["comment_id", "user_id"],
            set_={"activity": statement.excluded.activity, "seen_at": statement.excluded.seen_at},
        )
    )


def others(comment_id: int, user: User, now: datetime | None = None) -> list[Present]:
    """Everybody but ``user`` seen on the item lately, those replying first."""
    since = (now or utcnow()) - FRESH
    rows = db.session.execute(
        select(InboxPresence.user_id, InboxPresence.activity, User.full_name, User.email)
        .join(User, User.id == InboxPresence.user_id)
        .where(
            InboxPresence.comment_id == comment_id,
            InboxPresence.user_id != user.id,
            InboxPresence.seen_at >= since,
        )
        .order_by((InboxPresence.activity == "replying").desc(), InboxPresence.user_id)
    ).all()
    return [Present(r.user_id, r.full_name or r.email, r.activity) for r in rows]


def leave(comment_id: int, user: User) -> None:
    db.session.execute(
        delete(InboxPresence).where(
            InboxPresence.comment_id == comment_id, InboxPresence.user_id == user.id
        )
    )


def prune(now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - FRESH * 10
    return db.session.execute(delete(InboxPresence).where(InboxPresence.seen_at < cutoff)).rowcount
