"""Connecting channels (admins only). Credentials are write-only.

The form has one field for new credentials that is never filled in, not even after a refused
save; left empty it keeps what is stored. The list never shows credentials, and the audit log
records only that they were replaced.

"Test connection" is offered twice, with one behaviour: per row (a small POST form with the
CSRF token, for the channel just connected) and as a bulk action on the selected rows. Both call
:func:`hub.publishing.tokens.check_channel`, which calls the network once as the channel, audits
the outcome as ``channel.checked`` with the admin as actor and re-activates a channel whose login
works again; the admin sees the account name or the reason.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form, ValidationError

from hub import audit
from hub.admin.changes import changed_columns, old_value
from hub.admin.forms import WriteOnlyTextAreaField
from hub.admin.model_views import ProtectedModelView
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.models import Channel, ChannelStatus, Network, User
from hub.publishing import labels
from hub.publishing.credentials import NETWORK_NAMES
from hub.publishing.credentials import check as check_credentials

AUDITED_SILENTLY = frozenset({"credentials", "updated_at", "created_at", "sync_cursor"})


def parse_credentials(raw: str) -> dict[str, Any]:
    """A JSON object, or a bare token (stored as ``{"access_token": ...}``)."""
    raw = raw.strip()
    if not raw.startswith("{"):
        if any(c.isspace() for c in raw):
            raise ValidationError(_("A token may not contain spaces; for more, enter JSON."))
        return {"access_token": raw}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("The credentials are not valid JSON.")) from exc
    if not isinstance(value, dict) or not value:
        raise ValidationError(_("The credentials must be a JSON object with at least one key."))
    return value


def _credentials_valid(form: Form, field: Any) -> None:
    if (field.data or "").strip():
        parse_credentials(field.data)


def _label(mapping: dict[str, Any]) -> Any:
    return lambda view, context, model, name: mapping.get(
        getattr(model, name), getattr(model, name)
    )


def _local_time(view: Any, context: Any, model: Any, name: str) -> str:
    from hub.i18n import format_local

    return format_local(getattr(model, name))


def _test_and_report(channel: Channel) -> None:
    """Run the one "Test connection" check as the logged-in admin and flash what came back."""
    from flask_login import current_user

    from hub.publishing.tokens import check_channel

    result = check_channel(channel, actor=current_user)
    flash(f"{channel.name}: {result.message}", "success" if result.ok else "danger")


class ChannelView(ProtectedModelView):
    required_permission = Permission.manage_channels
    can_delete = False  # deliveries and comments refer to channels: switch them off instead
    list_template = "admin/channels/list.html"  # adds the per-row "Test connection" button

    column_list = ("name", "network", "external_id", "status", "status_message", "token_expires_at")
    column_labels = {
        "name": _l("Name"),
        "network": _l("Network"),
        "external_id": _l("Account id on the network"),
        "status": _l("Status"),
        "status_message": _l("Status message"),
        "token_expires_at": _l("Login expires"),
    }
    column_formatters = {
        "network": _label(labels.NETWORK),
        "status": _label(labels.CHANNEL_STATUS),
        "token_expires_at": _local_time,
    }
    column_searchable_list = ("name", "external_id")
    column_filters = ("network", "status")
    column_default_sort = ("name", False)

    form_columns = (
        "name",
        "network",
        "external_id",
        "status",
        "responsible_user",
        "new_credentials",
    )
    form_args = {
        "responsible_user": {
            "label": _l("Responsible person (manual channels)"),
            "description": _l(
                "Manual channels only (WhatsApp channels, notice boards): who is told to post "
                "by hand when a post falls due. Left empty, the announcement's author is told."
            ),
            "allow_blank": True,
            "blank_text": _l("(nobody: the announcement's author)"),
            "query_factory": lambda: db.session.scalars(
                select(User).where(User.active.is_(True)).order_by(User.email)
            ).all(),
        }
    }
    form_choices = {
        "network": [(n.value, labels.NETWORK.get(n.value, n.value)) for n in Network],
        "status": [(s.value, labels.CHANNEL_STATUS[s.value]) for s in ChannelStatus],
    }
    form_extra_fields = {
        "new_credentials": WriteOnlyTextAreaField(
            _l("New credentials"),
            description=_l(
                'A JSON object such as {"access_token": "…"}, or just the token. '
                "Leave empty to keep the stored credentials; they are never shown. "
                "What each network needs: Facebook and Instagram access_token; X access_token "
                "(or consumer_key, consumer_secret, access_token, access_token_secret); YouTube "
                "refresh_token, client_id, client_secret; Flickr api_key, api_secret, "
                "oauth_token, oauth_token_secret."
            ),
            validators=[_credentials_valid],
            render_kw={"autocomplete": "off", "spellcheck": "false", "rows": 4},
        )
    }

    def edit_form(self, obj: Any = None) -> Form:
        form = super().edit_form(obj)
        form.hub_channel = obj  # validate_form checks stored credentials against a new network
        return form

    def validate_form(self, form: Form) -> bool:
        """Besides each field's own checks: the credentials (new ones, or the stored ones when
        the network changes) must be usable on the chosen network; what it would miss is said
        next to the credentials field, with the names (never the values) of what was typed."""
        valid = bool(super().validate_form(form))
        if not hasattr(form, "new_credentials") or not hasattr(form, "network"):
            return valid
        network = str(form.network.data or "")
        raw = (form.new_credentials.data or "").strip()
        stored = getattr(form, "hub_channel", None)
        if raw:
            try:
                credentials = parse_credentials(raw)
            except ValidationError:
                return False  # the field's own validator has said why
        elif stored is not None and stored.network != network and stored.credentials:
            credentials = dict(stored.credentials)
        else:
            return valid
        found = check_credentials(network, credentials)
        if found.ok:
            return valid
        messages = found.messages()
        errors = list(form.new_credentials.errors or [])
        errors += messages.get("credentials", [])
        errors.append(_("You entered: %(fields)s.", fields=", ".join(sorted(credentials))))
        form.new_credentials.errors = errors
        return False

    def on_model_change(self, form: Form, model: Channel, is_created: bool) -> None:
        raw = (form.new_credentials.data or "").strip()
        if raw:
            model.credentials = parse_credentials(raw)
            unused = check_credentials(model.network, model.credentials).unused
            if unused:
                flash(
                    _(
                        "Saved. hub does not read these credential fields for %(network)s: "
                        "%(fields)s. Check their spelling.",
                        network=NETWORK_NAMES.get(model.network, model.network),
                        fields=", ".join(unused),
                    ),
                    "warning",
                )
        if is_created:
            db.session.flush()
            audit.record(
                "channel.created",
                model,
                network=model.network,
                name=model.name,
                credentials_set=bool(raw),
            )
            return
        changed = changed_columns(model, ignore=AUDITED_SILENTLY)
        was = old_value(model, "status")
        if model.status == ChannelStatus.disabled and was != ChannelStatus.disabled:
            audit.record("channel.disabled", model, previous_status=was)
            changed.remove("status")
        if changed or raw:
            audit.record("channel.updated", model, changed=changed, credentials_replaced=bool(raw))

    @action("disable", _l("Switch off"), _l("Switch off the selected channels?"))
    def action_disable(self, ids: list[str]) -> None:
        query = select(Channel).where(Channel.id.in_([int(i) for i in ids]))
        count = 0
        for channel in db.session.scalars(query):
            if channel.status != ChannelStatus.disabled:
                audit.record("channel.disabled", channel, previous_status=channel.status)
                channel.status = ChannelStatus.disabled
                count += 1
        db.session.commit()
        flash(_("%(n)s channel(s) switched off.", n=count), "success")

    @action("test_connection", _l("Test connection"))
    def action_test_connection(self, ids: list[str]) -> None:
        """Call each selected channel's network once with its login and say what came back."""
        query = select(Channel).where(Channel.id.in_([int(i) for i in ids])).order_by(Channel.name)
        for channel in db.session.scalars(query).all():
            _test_and_report(channel)

    @expose("/test-connection/", methods=("POST",))
    def test_connection_view(self) -> ResponseReturnValue:
        """The row's "Test connection" button: the same check for one channel, then back to
        the list. Flask-Admin has already turned away anyone but an admin, and CSRFProtect any
        POST without the token."""
        back = get_redirect_target() or self.get_url(".index_view")
        channel_id = request.form.get("id", type=int)
        channel = db.session.get(Channel, channel_id) if channel_id is not None else None
        if channel is None:
            flash(_("This channel no longer exists."), "danger")
        else:
            _test_and_report(channel)
        return redirect(back)
