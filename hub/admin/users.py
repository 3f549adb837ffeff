"""People and roles (admins only). Password hashes and second-factor secrets are never shown.

New people are created through ``hub.auth.users.create_user`` (the same path as the CLI).
Role changes are audited with before and after; deactivating someone or setting a new password
ends their open sessions.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import flash
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_security.utils import hash_password
from sqlalchemy import inspect, select
from wtforms import Form, ValidationError

from hub import audit
from hub.admin.changes import changed_columns
from hub.admin.forms import WriteOnlyPasswordField
from hub.admin.model_views import ProtectedModelView
from hub.auth.passwords import password_problems
from hub.auth.permissions import Permission
from hub.auth.users import create_user, find_user
from hub.extensions import db
from hub.i18n import LANGUAGES, format_local
from hub.models import RoleName, User

log = logging.getLogger(__name__)

# Only these columns appear in audit details; hashes, secrets and login bookkeeping never do.
AUDITED_FIELDS = frozenset({"email", "full_name", "locale", "active"})


def _check_password(password: str, email: str, full_name: str | None) -> str:
    """The password as stored (normalized), or the form's error saying what is wanted: the same
    rule as everywhere (hub.auth.passwords)."""
    problems, normalized = password_problems(password, email=email, full_name=full_name)
    if problems:
        raise ValidationError(" ".join(problems))
    return normalized


def _roles(view: Any, context: Any, model: User, name: str) -> str:
    return ", ".join(sorted(model.role_names))


def _local_time(view: Any, context: Any, model: Any, name: str) -> str:
    return format_local(getattr(model, name))


def _second_factor(view: Any, context: Any, model: User, name: str) -> str:
    return _("Authenticator app") if model.tf_primary_method else _("none")


class UserView(ProtectedModelView):
    required_permission = Permission.manage_users
    can_delete = False  # the audit log refers to people: deactivate instead

    column_list = (
        "email",
        "full_name",
        "roles",
        "active",
        "second_factor",
        "last_login_at",
        "login_count",
    )
    column_labels = {
        "email": _l("E-mail"),
        "full_name": _l("Name"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "last_login_at": _l("Last login"),
        "login_count": _l("Logins"),
        "locale": _l("Language"),
        "new_password": _l("Password"),
        "second_factor": _l("Second factor"),
    }
    column_formatters = {
        "roles": _roles,
        "last_login_at": _local_time,
        "second_factor": _second_factor,
    }
    column_searchable_list = ("email", "full_name")
    column_filters = ("active",)
    column_default_sort = ("email", False)
    column_sortable_list = ("email", "full_name", "active", "last_login_at")

    form_columns = ("email", "full_name", "roles", "active", "locale", "new_password")
    form_choices = {"locale": [("", _l("Default")), *LANGUAGES.items()]}
    form_extra_fields = {
        "new_password": WriteOnlyPasswordField(
            _l("New password"),
            description=_l("Required for new people. When editing, leave empty to keep it."),
            render_kw={"autocomplete": "new-password"},
        )
    }

    def create_model(self, form: Form) -> User | bool:
        try:
            password = _check_password(
                form.new_password.data or "", form.email.data or "", form.full_name.data
            )
            if find_user(form.email.data or ""):
                raise ValidationError(_("Someone with this e-mail address exists already."))
            user = create_user(
                form.email.data,
                [role.name for role in form.roles.data],
                password,
                full_name=(form.full_name.data or "").strip() or None,
                actor=current_user._get_current_object(),
            )
            user.active = bool(form.active.data)
            user.locale = form.locale.data or None
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if not self.handle_view_exception(exc):
                log.error("creating a user failed: %s", type(exc).__name__)
                flash(_("The person could not be created."), "error")
            return False
        self.after_model_change(form, user, True)
        return user

    def on_model_change(self, form: Form, model: User, is_created: bool) -> None:
        # Only edits come here: create_model above does its own saving.
        # An empty select or text box means "none", as for people created on the command line.
        model.locale = model.locale or None
        model.full_name = (model.full_name or "").strip() or None
        me = model.id == current_user.id
        if me and (not model.active or RoleName.admin.value not in model.role_names):
            raise ValidationError(
                _("You cannot remove your own admin role or deactivate yourself.")
            )
        history = inspect(model).attrs.roles.history
        before = sorted(r.name for r in (*history.unchanged, *history.deleted))
        after = sorted(r.name for r in (*history.unchanged, *history.added))
        if before != after:
            audit.record("user.roles_changed", model, before=before, after=after)
        changed = [c for c in changed_columns(model) if c in AUDITED_FIELDS]
        ends_sessions = False
        if "active" in changed:
            audit.record("user.deactivated" if not model.active else "user.activated", model)
            ends_sessions = not model.active
            changed.remove("active")
        if changed:
            audit.record("user.updated", model, changed=changed)
        password = form.new_password.data or ""
        if password:
            password = _check_password(password, model.email, model.full_name)
            model.password = hash_password(password)
            audit.record("user.password_set", model)
            ends_sessions = True
        if ends_sessions and not me:
            from hub.auth import user_datastore

            user_datastore.set_uniquifier(model)

    @action(
        "reset_second_factor",
        _l("Reset second factor"),
        _l(
            "Reset the second factor of the selected people? Their sessions end, and they set "
            "up an authenticator app again at their next login."
        ),
    )
    def action_reset_second_factor(self, ids: list[str]) -> None:
        """For a lost phone: remove the authenticator app, the recovery codes and passkeys
        (Flask-Security's ``reset_user_access``), which also ends every session. Only admins
        reach this view; CSRFProtect refuses a POST without the token."""
        from hub.auth import user_datastore

        query = select(User).where(User.id.in_([int(i) for i in ids]))
        count = 0
        for user in db.session.scalars(query):
            had = bool(user.tf_primary_method or user.mf_recovery_codes)
            user_datastore.reset_user_access(user)
            audit.record("user.second_factor_reset", user, had_second_factor=had)
            count += 1
        db.session.commit()
        flash(_("Second factor reset for %(n)s person(s).", n=count), "success")
