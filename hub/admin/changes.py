"""What a form changed on a model, for the audit log (names only, never values of secrets)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect


def changed_columns(model: Any, *, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Names of column attributes whose value differs from the loaded one (before flush)."""
    state = inspect(model)
    return sorted(
        attr.key
        for attr in state.mapper.column_attrs
        if attr.key not in ignore and state.attrs[attr.key].history.has_changes()
    )


def old_value(model: Any, key: str) -> Any:
    """The value ``key`` had when loaded (the current one if unchanged)."""
    history = inspect(model).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    return getattr(model, key)
