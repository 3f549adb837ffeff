"""Writing the audit log. Call :func:`record` inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from hub.extensions import db
from hub.models import AuditEvent, User
from hub.redact import redact


def record(
    action: str,
    obj: Any = None,
    *,
    actor: User | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` to the current session (not committed)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()  # type: ignore[attr-defined]
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details={k: _plain(v) for k, v in details.items()} or None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def record_new(action: str, obj: Any, *, actor: User | None = None, **details: Any) -> Any:
    """Add a new row and its audit event (``action``) in one step; the row gets its id first
    (flushed), so the event names it. Returns the row."""
    db.session.add(obj)
    db.session.flush()
    record(action, obj, actor=actor, **details)
    return obj


def _plain(value: Any) -> Any:
    """A JSON-able copy of ``value``; texts are redacted (an error text may repeat a request with
    its token, and the audit log is read by admins and handed out on FOI requests)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return redact(str(value))
