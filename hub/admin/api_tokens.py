"""Settings → API tokens (admins): every token, revoke one, create one for a person.

A thin page over :mod:`hub.auth.tokens`, which the ``hub token`` commands use too. A new token is
shown once, in the answer to the form that made it (no redirect, no session: the secret is never
stored anywhere readable, and logged-in answers are never cached).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from hub.admin.access import ProtectedView
from hub.auth.permissions import Permission
from hub.auth.scopes import CMS_SCOPES, LABELS, Scope
from hub.auth.tokens import MAX_DAYS, TokenError, TokenState, issue_token, list_tokens, revoke_token
from hub.extensions import db
from hub.models import User

STATE_LABELS = {
    TokenState.active: _l("Active"),
    TokenState.expired: _l("Expired"),
    TokenState.revoked: _l("Revoked"),
}


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _at_least_one(form: FlaskForm, field: Field) -> None:
    if not field.data:
        raise ValidationError(_("Please choose at least one scope."))


class CreateTokenForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    name = StringField(_l("What is it for?"), validators=[InputRequired(), Length(max=100)])
    scopes = ScopesField(
        _l("Scopes"),
        choices=[(scope.value, LABELS[scope]) for scope in Scope],
        validators=[_at_least_one],
        invalid_choice_message=_l("Please choose only among the scopes listed."),
    )
    days = IntegerField(
        _l("Valid for (days)"),
        validators=[
            InputRequired(),
            NumberRange(
                min=1, max=MAX_DAYS, message=_l("Please enter between %(min)s and %(max)s days.")
            ),
        ],
    )


class RevokeTokenForm(FlaskForm):
    pass


def _people() -> list[tuple[int, str]]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [(user.id, f"{user.display_name} ({user.email})") for user in users]


class ApiTokensView(ProtectedView, BaseView):
    required_permission = Permission.manage_users

    def _page(self, form: CreateTokenForm, new_token: str | None = None) -> str:
        return self.render(
            "admin/api_tokens/index.html",
            tokens=list_tokens(),
            form=form,
            revoke_form=RevokeTokenForm(formdata=None),
            new_token=new_token,
            state_labels=STATE_LABELS,
        )

    def _create_form(self, formdata: bool) -> CreateTokenForm:
        form = CreateTokenForm() if formdata else CreateTokenForm(formdata=None)
        form.user_id.choices = _people()
        if not formdata:
            form.scopes.data = sorted(CMS_SCOPES)
            form.days.data = current_app.config["HUB_SETTINGS"].api_token_days
        return form

    @expose("/")
    def index(self) -> str:
        return self._page(self._create_form(formdata=False))

    @expose("/new", methods=("POST",))
    def create(self) -> ResponseReturnValue:
        form = self._create_form(formdata=True)
        if not form.validate_on_submit():
            return self._page(form)
        owner = db.session.get(User, form.user_id.data)
        if owner is None or not owner.active:  # deactivated since the page was loaded
            flash(_("This person cannot have a token."), "error")
            return self._page(form)
        token, plain = issue_token(
            owner,
            (form.name.data or "").strip(),
            scopes=[Scope(s) for s in form.scopes.data or []],
            days=form.days.data,
            actor=current_user._get_current_object(),  # type: ignore[attr-defined]
        )
        db.session.commit()
        flash(
            _(
                "Token %(prefix)s… for %(owner)s created. Copy it now: it is shown only once.",
                prefix=token.prefix,
                owner=owner.email,
            ),
            "success",
        )
        return self._page(self._create_form(formdata=False), new_token=plain)

    @expose("/revoke", methods=("POST",))
    def revoke(self) -> ResponseReturnValue:
        token_id = request.form.get("token_id", "")
        if RevokeTokenForm().validate_on_submit() and token_id.isdigit():
            try:
                token, revoked = revoke_token(
                    int(token_id),
                    actor=current_user._get_current_object(),  # type: ignore[attr-defined]
                )
            except TokenError:
                flash(_("This token does not exist (any more)."), "error")
                return redirect(url_for(".index"))
            db.session.commit()
            if revoked:
                flash(
                    _(
                        "Token %(prefix)s… of %(owner)s is revoked: calls with it are refused "
                        "from now on.",
                        prefix=token.prefix,
                        owner=token.user.email,
                    ),
                    "success",
                )
            else:
                flash(_("This token was revoked already."), "info")
        return redirect(url_for(".index"))
