"""The inbox's settings, for moderators and admins: keyword rules, saved replies, tags.

Plain ModelViews on the shared base (access, CSRF, safe errors). Changing a keyword rule checks
the open comments of the last weeks again, so a new "Notfall" rule flags what waits now.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import DataRequired, Length, NumberRange

from hub import audit
from hub.admin.model_views import ProtectedModelView
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.inbox.rules import CATEGORIES, recheck_open_comments
from hub.inbox.saved_replies import PLACEHOLDERS


def _category(view: Any, context: Any, model: Any, name: str) -> str:
    return str(CATEGORIES.get(model.category, model.category))


class InboxSettingsView(ProtectedModelView):
    required_permission = Permission.manage_inbox_rules
    can_view_details = False

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        audit.record(
            f"{model.__tablename__}.{'created' if is_created else 'changed'}",
            model,
            name=str(model),
        )
        db.session.commit()

    def after_model_delete(self, model: Any) -> None:
        audit.record(f"{model.__tablename__}.deleted", None, name=str(model))
        db.session.commit()


class KeywordRuleView(InboxSettingsView):
    column_list = ("category", "keyword", "priority", "whole_word")
    column_labels = {
        "category": _l("Category"),
        "keyword": _l("Keyword"),
        "priority": _l("Priority"),
        "whole_word": _l("Whole word only"),
    }
    column_formatters = {"category": _category}
    column_searchable_list = ("keyword",)
    column_default_sort = ("category", False)
    form_columns = ("category", "keyword", "priority", "whole_word")
    form_choices = {"category": [(k, v) for k, v in CATEGORIES.items()]}
    form_args = {
        "keyword": {
            "validators": [DataRequired(), Length(max=200)],
            "description": _l(
                "Case, umlauts and ß do not matter: 'Blödmann' also finds 'BLOEDMANN'."
            ),
        },
        "priority": {
            "validators": [NumberRange(min=1, max=100)],
            "default": 1,
            "description": _l("Higher comes first: emergencies high, insults lower."),
        },
    }

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        recheck_open_comments()
        super().after_model_change(form, model, is_created)

    def after_model_delete(self, model: Any) -> None:
        recheck_open_comments()
        super().after_model_delete(model)


class SavedReplyView(InboxSettingsView):
    column_list = ("title", "body")
    column_labels = {"title": _l("Title"), "body": _l("Text")}
    column_searchable_list = ("title", "body")
    form_columns = ("title", "body")
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=200)]},
        "body": {
            "validators": [DataRequired(), Length(max=10000)],
            "description": _l(
                "Placeholders: %(names)s", names=", ".join("{" + p + "}" for p in PLACEHOLDERS)
            ),
        },
    }

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if is_created and current_user.is_authenticated:
            model.created_by_id = current_user.id


class TagView(InboxSettingsView):
    column_list = ("name", "color")
    column_labels = {"name": _l("Name"), "color": _l("Colour")}
    form_columns = ("name", "color")
    form_args = {"name": {"validators": [DataRequired(), Length(max=60)]}}
