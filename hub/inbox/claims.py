"""Claiming rows for one worker, safely on PostgreSQL and SQLite (the publishing pattern).

PostgreSQL locks the candidates with ``FOR UPDATE SKIP LOCKED``, so concurrent dispatchers
split the work. SQLite has no such clause (SQLAlchemy drops it); there each row is claimed by an
``UPDATE ... WHERE <what we saw>`` that counts only if it changed exactly one row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, update

from hub.extensions import db


def claim(
    model: Any,
    key: Any,
    candidates: Select[Any],
    values: dict[str, Any],
    seen: Callable[[Any], ColumnElement[bool]],
) -> list[Any]:
    """Apply ``values`` to the rows ``candidates`` selects (their ``key`` column first);
    return the keys this process now owns. ``seen(row)`` restates what the row looked like."""
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(candidates.with_for_update(skip_locked=True)).all()
        keys = [row[0] for row in rows]
        if keys:
            db.session.execute(
                update(model)
                .where(key.in_(keys))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return keys
    claimed = []
    for row in db.session.execute(candidates).all():
        changed = db.session.execute(
            update(model)
            .where(key == row[0], seen(row))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            claimed.append(row[0])
    return claimed
