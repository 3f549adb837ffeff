"""Who may do what: the permission matrix, enforced on the server for pages and API alike.

Roles are stored in the database with these permissions (``hub init`` keeps them in step), so
Flask-Security's ``has_permission`` answers from one table. The README prints this matrix.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from hub.models import RoleName


class Permission(enum.StrEnum):
    view_announcements = "announcement.view"
    compose = "announcement.compose"
    approve = "announcement.approve"
    cancel = "announcement.cancel"
    resolve_deliveries = "delivery.resolve"
    # Manual channels: mark a post made by hand as posted or skipped (the channel's responsible
    # person may too, whatever their roles: hub.publishing.manual.may_act).
    post_by_hand = "delivery.by_hand"
    view_channels = "channel.view"
    manage_channels = "channel.manage"
    manage_users = "user.manage"
    view_audit = "audit.view"
    crisis_hold = "publishing.hold"
    moderate = "inbox.moderate"
    manage_inbox_rules = "inbox.rules"
    view_dashboard = "dashboard.view"


_ALL = set(RoleName)
MATRIX: dict[Permission, set[RoleName]] = {
    Permission.view_announcements: _ALL,
    Permission.compose: {RoleName.editor},
    Permission.approve: {RoleName.approver},
    Permission.cancel: {RoleName.editor, RoleName.approver},
    Permission.resolve_deliveries: {RoleName.editor},
    Permission.post_by_hand: {RoleName.editor, RoleName.admin},
    Permission.view_channels: _ALL,
    Permission.manage_channels: {RoleName.admin},
    Permission.manage_users: {RoleName.admin},
    Permission.view_audit: {RoleName.admin},
    Permission.crisis_hold: {RoleName.admin},
    Permission.moderate: {RoleName.moderator},
    Permission.manage_inbox_rules: {RoleName.moderator, RoleName.admin},
    Permission.view_dashboard: {RoleName.manager, RoleName.admin},
}

ROLE_DESCRIPTIONS = {
    RoleName.editor: "Writes announcements, submits them for review, retries failed deliveries",
    RoleName.approver: "Approves or sends back announcements written by others",
    RoleName.moderator: "Works the shared inbox",
    RoleName.manager: "Reads the engagement dashboard and exports",
    RoleName.admin: "Channels, users and roles, crisis hold, audit log",
}


def permissions_of(role: RoleName) -> list[str]:
    return sorted(p.value for p, roles in MATRIX.items() if role in roles)


def can(permission: Permission, user: Any = None) -> bool:
    user = current_user if user is None else user
    return bool(user and user.is_authenticated and user.has_permission(permission.value))


F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Refuse a view with 403 unless the logged-in user holds ``permission``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
