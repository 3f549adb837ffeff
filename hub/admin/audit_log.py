"""The audit log (admins only): read-only, newest first, filtered by action, actor, type, day."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual, FilterLike
from flask_babel import lazy_gettext as _l

from hub.admin.model_views import ProtectedModelView
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.i18n import format_local, from_local
from hub.models import AuditEvent


class LocalDaysFilter(DateBetweenFilter):
    """Whole days in Berlin time, compared with the UTC timestamps stored."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        first, last = value
        start = from_local(datetime.combine(first, time.min))
        end = from_local(datetime.combine(last + timedelta(days=1), time.min))
        column = self.get_column(alias)
        return query.filter(column >= start, column < end)


def _object_types() -> list[tuple[str, str]]:
    """Every model name, as ``hub.audit.record`` writes it (Flask-Admin reads this once)."""
    names = sorted({mapper.class_.__name__.lower() for mapper in db.Model.registry.mappers})
    return [(name, name) for name in names]


def _details(view: Any, context: Any, model: AuditEvent, name: str) -> str:
    # Returned as plain text: Jinja escapes it.
    return json.dumps(model.details, ensure_ascii=False, sort_keys=True) if model.details else ""


def _local_time(view: Any, context: Any, model: AuditEvent, name: str) -> str:
    return format_local(model.at)


class AuditLogView(ProtectedModelView):
    required_permission = Permission.view_audit
    can_create = False
    can_edit = False
    can_delete = False

    column_list = ("at", "actor_label", "action", "object_type", "object_id", "details", "ip")
    column_labels = {
        "at": _l("When"),
        "actor_label": _l("Who"),
        "action": _l("Action"),
        "object_type": _l("Object type"),
        "object_id": _l("Object id"),
        "details": _l("Details"),
        "ip": _l("IP address"),
    }
    column_formatters = {"at": _local_time, "details": _details}
    column_sortable_list = ("at", "actor_label", "action", "object_type")
    column_default_sort = [("at", True), ("id", True)]
    column_filters = [
        FilterEqual(AuditEvent.action, _l("Action")),
        FilterLike(AuditEvent.action, _l("Action")),
        FilterLike(AuditEvent.actor_label, _l("Who")),
        FilterEqual(AuditEvent.object_type, _l("Object type"), options=_object_types),
        LocalDaysFilter(AuditEvent.at, _l("Day")),
    ]
