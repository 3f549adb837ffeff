"""The inbox's forms: each one small, each with Flask-WTF's CSRF token.

The network actions carry a ``key`` made when the page was shown: a double click or a resent
form posts the same key twice, and hub makes one action of it.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(FlaskForm):
    key = HiddenField(default=new_key)


class ReplyForm(KeyedForm):
    saved_reply = SelectField(_l("Saved reply"), coerce=str, validate_choice=False)
    text = TextAreaField(_l("Your reply"), validators=[Length(max=10000)])


class DeleteForm(KeyedForm):
    reason = TextAreaField(
        _l("Why is it deleted? (kept in the audit log)"),
        validators=[DataRequired(_l("Say why the comment is deleted.")), Length(max=2000)],
    )
    confirm = BooleanField(
        _l("Yes, delete it on the network. This cannot be undone."),
        validators=[DataRequired(_l("Confirm the deletion."))],
    )


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), coerce=str, validate_choice=False)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), coerce=str, validate_choice=False)


class TagsForm(FlaskForm):
    tags = SelectMultipleField(_l("Tags"), coerce=int, validate_choice=False)


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Internal note (never sent to the network)"),
        validators=[DataRequired(_l("Write the note first.")), Length(max=5000)],
    )


class ResolveForm(FlaskForm):
    outcome = HiddenField(validators=[DataRequired()])


class BulkForm(KeyedForm):
    action = SelectField(_l("With the selected"), coerce=str, validate_choice=False)
    assignee = SelectField(
        _l("Assign to"), coerce=str, validate_choice=False, validators=[Optional()]
    )
    next = StringField(validators=[Optional(), Length(max=2000)])
