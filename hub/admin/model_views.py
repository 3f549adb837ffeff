"""The base for every Flask-Admin ModelView in hub: access, CSRF, and safe error messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import flash
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_gettext
from flask_admin.contrib.sqla import ModelView
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hub.admin.access import ProtectedView
from hub.admin.forms import SecureForm
from hub.extensions import db

log = logging.getLogger(__name__)


class ProtectedModelView(ProtectedView, ModelView):
    form_base_class = SecureForm
    can_export = False
    can_view_details = False
    can_set_page_size = False
    page_size = 50

    def handle_view_exception(self, exc: Exception) -> bool:
        # Flask-Admin would flash the database error with its bound parameters (password
        # hashes, encrypted credentials); say what happened in words, keep the rest in the log.
        if isinstance(exc, SQLAlchemyError):
            # Roll back first: translating the message reads the user's language from the
            # database, which a failed transaction refuses.
            db.session.rollback()
        if isinstance(exc, IntegrityError):
            log.warning("integrity error in %s: %s", type(self).__name__, exc.orig)
            flash(
                _(
                    "This clashes with an existing entry (for example the same e-mail address "
                    "or the same account on a network)."
                ),
                "error",
            )
            return True
        if isinstance(exc, SQLAlchemyError):
            log.error("database error in %s: %s", type(self).__name__, type(exc).__name__)
            flash(_("The change could not be saved. Please try again."), "error")
            return True
        return super().handle_view_exception(exc)

    # Flask-Admin's own wording (and its catalog), as on every list page.
    @action(
        "delete",
        admin_gettext("Delete"),
        admin_gettext("Are you sure you want to delete selected records?"),
    )
    def action_delete(self, ids: Sequence[str]) -> None:
        """Flask-Admin's bulk delete with the selected ids as numbers: as text, SQLAlchemy 2.1
        on PostgreSQL compares them with the integer key as VARCHAR, the delete fails and
        Flask-Admin flashes the SQL statement with its parameters."""
        super().action_delete(tuple(int(i) for i in ids if str(i).isdigit()))  # type: ignore[arg-type]
