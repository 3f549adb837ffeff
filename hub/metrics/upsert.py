"""INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike.

Rollup rows are written by several workers (post figures and account figures land in the same
``channel_daily`` row); an upsert lets the database settle who was first instead of failing one
of them with a duplicate key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(
    session: Session,
    model: type[Any],
    rows: Sequence[Mapping[str, Any]],
    keys: Iterable[str],
    update: Iterable[str],
) -> None:
    """Insert ``rows``; where the ``keys`` exist already, overwrite only the ``update`` columns
    (none: leave the existing row as it is)."""
    if not rows:
        return
    dialect = session.connection().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(model)
    update = list(update)
    statement = (
        insert.on_conflict_do_update(
            index_elements=list(keys), set_={name: insert.excluded[name] for name in update}
        )
        if update
        else insert.on_conflict_do_nothing(index_elements=list(keys))
    )
    session.execute(statement, list(rows))
