"""Who may open which admin page: one mixin decides it for every view.

Anonymous visitors are sent to the login page (and come back afterwards); a logged-in person
without the view's permission gets 403. The permission itself comes from the matrix in
``hub.auth.permissions``, so pages and the API never disagree.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hub.auth.permissions import Permission, can


class ProtectedView:
    """Mixin for Flask-Admin views: set ``required_permission`` (None: any logged-in user)."""

    required_permission: Permission | None = None

    def is_accessible(self) -> bool:
        if not (current_user and current_user.is_authenticated):
            return False
        return self.required_permission is None or can(self.required_permission)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        if not (current_user and current_user.is_authenticated):
            return redirect(url_for("security.login", next=_here()))
        abort(403)


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path
