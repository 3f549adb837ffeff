"""Connecting a channel by the network's sign-in (admins only): the buttons, the callback, the
page picker. The flows themselves are in :mod:`hub.connect`.

"Connect ..." is a link (GET), not a form: it changes nothing but the admin's own session, and
the browser must then follow a redirect to the network, which the Content Security Policy
(``form-action 'self'``) refuses after a form. The callback is a GET from the network and is
trusted only with the ``state`` this session started. Choosing a page is a POST with the CSRF
token. Flask-Admin turns away anyone but an admin on every one of these routes.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin, BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hub.admin.access import ProtectedView
from hub.auth.permissions import Permission
from hub.connect import FLOWS, Cancelled, ConnectFailed, Flow, FoundAccount, pending
from hub.connect.operations import connected_ids, store_login

log = logging.getLogger(__name__)

BUTTONS = {
    "facebook": _l("Connect Facebook page"),
    "instagram": _l("Connect Instagram account"),
    "x": _l("Connect X account"),
    "youtube": _l("Connect YouTube channel"),
    "flickr": _l("Connect Flickr account"),
    "linkedin": _l("Connect LinkedIn page"),
    "mastodon": _l("Connect Mastodon account"),
    "threads": _l("Connect Threads profile"),
}


def _settings() -> Any:
    return current_app.config["HUB_SETTINGS"]


def connect_buttons() -> list[dict[str, Any]]:
    """For the channel list: each network's button, or what to configure for it."""
    settings = _settings()
    return [
        {
            "network": network,
            "label": BUTTONS[network],
            "url": url_for("connect.start", network=network) if flow.configured(settings) else None,
            "missing": missing_settings(flow),
        }
        for network, flow in FLOWS.items()
    ]


class ConnectView(ProtectedView, BaseView):
    required_permission = Permission.manage_channels

    def is_visible(self) -> bool:
        return False  # reached from the channel list's buttons

    @expose("/")
    def index(self) -> str:
        return self.render("admin/connect/index.html")

    @expose("/<network>/start")
    def start(self, network: str) -> ResponseReturnValue:
        flow = self._flow(network)
        if not flow.configured(_settings()):
            flash(missing_settings(flow), "danger")
            return self._back()
        given = {name: (request.args.get(name) or "").strip() for name in flow.asks}
        if flow.asks and not all(given.values()):  # Mastodon: which server first
            return self.render("admin/connect/ask.html", network=network, title=BUTTONS[network])
        state = pending.new_state()
        try:
            url, kept = flow.start_with(_settings(), self._redirect_uri(network), state, given)
        except ConnectFailed as exc:
            return self._failed(network, exc)
        pending.remember(session, state, network, kept)
        if flow.asks:  # after a form, the browser may only follow a link to another site
            return self.render(
                "admin/connect/ask.html",
                network=network,
                title=BUTTONS[network],
                server=given.get("instance"),
                continue_url=url,
            )
        return redirect(url)

    @expose("/<network>/callback")
    def callback(self, network: str) -> ResponseReturnValue:
        flow = self._flow(network)
        kept = pending.take(session, network, request.args.get("state"))
        if kept is None:
            log.warning("connect %s: callback with an unknown or expired state refused", network)
            message = _(
                "This answer from %(network)s does not belong to a login started here in the "
                "last ten minutes, so hub did not accept it. Nothing was connected; please "
                "connect again.",
                network=flow.title,
            )
            return self.render("admin/connect/refused.html", message=message), 400
        try:
            login = flow.exchange(_settings(), self._redirect_uri(network), request.args, kept)
            found = flow.accounts(_settings(), login)
        except Cancelled as exc:
            flash(exc.message, "warning")
            return self._back()
        except ConnectFailed as exc:
            return self._failed(network, exc)
        if not found:
            flash(
                _("The login at %(network)s holds no account to connect.", network=flow.title),
                "danger",
            )
            return self._back()
        if len(found) == 1:
            return self._store(flow, found[0])
        pending.keep_choice(session, network, login, found)
        return redirect(url_for(".choose", network=network))

    @expose("/<network>/choose", methods=("GET", "POST"))
    def choose(self, network: str) -> ResponseReturnValue:
        """The picker: which of the login's pages (accounts) becomes the channel."""
        flow = self._flow(network)
        waiting = pending.choice(session, network)
        if waiting is None:
            flash(_("This choice has expired; please connect again."), "warning")
            return self._back()
        login, offered = waiting
        if request.method == "GET":
            return self.render(
                "admin/connect/choose.html",
                flow=flow,
                title=BUTTONS[network],
                offered=offered,
                connected=connected_ids(network),
            )
        wanted = request.form.get("account")
        if wanted not in {account_id for account_id, _name in offered}:
            flash(_("Please choose one of the accounts."), "danger")
            return redirect(url_for(".choose", network=network))
        try:  # read again: the tokens are the network's current ones
            found = {a.external_id: a for a in flow.accounts(_settings(), login)}
        except ConnectFailed as exc:
            return self._failed(network, exc)
        if wanted not in found:
            flash(_("This account is no longer part of the login; please connect again."), "danger")
            return self._back()
        pending.drop_choice(session)
        return self._store(flow, found[wanted])

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _flow(network: str) -> Flow:
        flow = FLOWS.get(network)
        if flow is None:
            abort(404)
        return flow

    @staticmethod
    def _redirect_uri(network: str) -> str:
        """The address to register at the network: ``{HUB_PUBLIC_URL}/admin/connect/<network>/
        callback`` (the public address, not the one this request came in by)."""
        return _settings().public_url + url_for("connect.callback", network=network)

    @staticmethod
    def _back() -> ResponseReturnValue:
        return redirect(url_for("channels.index_view"))

    def _failed(self, network: str, exc: ConnectFailed) -> ResponseReturnValue:
        log.warning("connect %s failed: %s | %s", network, exc.message, exc.detail)
        flash(exc.message, "danger")
        return self._back()

    def _store(self, flow: Flow, found: FoundAccount) -> ResponseReturnValue:
        channel, created = store_login(flow.network, found, current_user._get_current_object())
        if created:
            message = _(
                "%(network)s: %(name)s is connected as a new channel.",
                network=flow.title,
                name=found.name,
            )
        else:
            message = _(
                "%(network)s: the channel %(name)s has a new login and is active again.",
                network=flow.title,
                name=channel.name,
            )
        flash(message, "success")
        return self._back()


def missing_settings(flow: Flow) -> str:
    """What to configure before a network's button appears."""
    return _(
        "%(network)s: to connect with its login, set %(settings)s.",
        network=flow.title,
        settings=", ".join(flow.setting_names),
    )


def add_connect_view(app: Flask, admin: Admin) -> None:
    """Register the view (under ``/admin/connect/``) and the buttons' template helper."""
    admin.add_view(ConnectView(name=_l("Connect a channel"), endpoint="connect", url="connect"))
    app.add_template_global(connect_buttons)
