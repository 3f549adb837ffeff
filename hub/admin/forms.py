"""Form building blocks shared by the admin views: CSRF for every form, write-only fields.

Flask-Admin's own ``SecureForm`` keeps a second, session-based CSRF token in the field
``csrf_token``; the app-wide ``CSRFProtect`` checks that same field against Flask-WTF's token and
would refuse every Flask-Admin POST. So our ``SecureForm`` keeps Flask-Admin's form class but
issues and checks Flask-WTF's token: one token, one check, for model views and custom forms alike.
"""

from __future__ import annotations

from typing import Any

from flask_admin.form import SecureForm as AdminSecureForm
from flask_wtf import FlaskForm
from wtforms import PasswordField, TextAreaField


class SecureForm(AdminSecureForm):
    """Base form for every ModelView (``form_base_class``): Flask-WTF's CSRF token."""

    class Meta(FlaskForm.Meta):
        pass


class WriteOnlyTextAreaField(TextAreaField):
    """A textarea that never shows a value: not the stored one, not even what was typed."""

    def _value(self) -> str:
        return ""

    def populate_obj(self, obj: Any, name: str) -> None:
        # Saved explicitly by the view (empty means "keep"); never copied onto the model as is.
        return None


class WriteOnlyPasswordField(PasswordField):
    """A password input that is never prefilled and never copied onto the model by itself."""

    def populate_obj(self, obj: Any, name: str) -> None:
        return None
