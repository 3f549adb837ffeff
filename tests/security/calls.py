"""How to call each route for real: its path with real ids, and a body that changes something.

The permission matrix and the CSRF test send these. A write route is sent with a body a person
would send (a new tag's name, a reply's text), so "refused" is checked against a request that
would otherwise have changed a row. ``changes`` says whether it does (with a valid CSRF token,
by a person allowed to); a route without an entry here is called with its path alone (GET) or
an empty form (writes, ``changes=False``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask_admin.contrib.sqla import ModelView

from hub.models import DeliveryState, User
from tests.conftest import PASSWORD
from tests.security.routes import Route
from tests.security.world import NEW_PASSWORD, World, token_for


@dataclass
class Call:
    """One request. ``form`` goes as a form (the sender adds the CSRF token; a value
    ``(bytes, filename)`` is a file, sent as multipart), ``json`` as JSON (the token in
    ``X-CSRFToken``)."""

    method: str
    path: str
    form: dict[str, Any] | None = None
    json: Any = None
    multipart: bool = False
    changes: bool = False
    # "shared": the caller's own client. "fresh": the call ends or changes the session
    # (logout, a new password), so it runs for a new person with the caller's roles.
    # "anonymous": nobody is logged in (the login itself).
    session: str = "shared"
    headers: dict[str, str] = field(default_factory=dict)


Builder = Callable[[World, User, Route], Call]
BUILDERS: dict[str, Builder] = {}


def calls(*endpoints: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for endpoint in endpoints:
            BUILDERS[endpoint] = builder
        return builder

    return register


def key() -> str:
    return uuid.uuid4().hex


# -- paths --------------------------------------------------------------------------------------

STATIC_FILES = {
    "static": "hub.css",  # hub has no app-wide static folder: a 404, like any unknown file
    "admin.static": "bootstrap/bootstrap4/css/bootstrap.min.css",
    "hub_admin.static": "admin-actions.js",
    "security.static": "js/webauthn.js",
}


def _default_value(name: str, w: World, route: Route) -> Any:
    """A value for the path argument ``name``: a row made for this call if it may change it,
    otherwise one made once for every reading call."""

    def row(make: str) -> Any:
        return getattr(w, make)() if route.writes else w.once(make)

    values: dict[str, Callable[[], Any]] = {
        "announcement_id": lambda: row("draft").id,
        "delivery_id": lambda: row("delivery").id,
        "action": lambda: "retry",
        "media_id": lambda: w.media.id,
        "comment_id": lambda: row("comment").id,
        "action_id": lambda: row("reply_in_review").id,
        "channel_id": lambda: w.x.id,
        "network": lambda: "x",
        "export_type": lambda: "csv",
        "table": lambda: "all",
        "fmt": lambda: "csv" if route.endpoint.endswith("open_data") else "xlsx",
        "filename": lambda: STATIC_FILES[route.endpoint],
        "token": lambda: "no-such-token",
        "name": lambda: "rathaus.png",
    }
    if name not in values:
        raise KeyError(
            f"{route}: tests/security/calls.py does not know how to fill <{name}>; add it to "
            "_default_value (a real id of a row the World makes)"
        )
    return values[name]()


def path_of(route: Route, w: World, query: str = "", **values: Any) -> str:
    """The route's path with ``values`` and real ids for the rest of its arguments."""
    arguments = {
        name: values[name] if name in values else _default_value(name, w, route)
        for name in route.rule.arguments
    }
    adapter = w.app.url_map.bind("localhost")
    path = adapter.build(route.endpoint, arguments, method=route.method)
    return f"{path}?{query}" if query else path


def call_for(route: Route, w: World, user: User) -> Call:
    """How ``user`` calls ``route``: its builder here, Flask-Admin's model views generically,
    otherwise the bare path."""
    if route.endpoint in BUILDERS:
        return BUILDERS[route.endpoint](w, user, route)
    view = model_view_of(w, route.endpoint)
    if view is not None:
        return model_view_call(view, route, w)
    if route.writes:
        return Call(route.method, path_of(route, w), form={})
    return Call(route.method, path_of(route, w))


# -- announcements ------------------------------------------------------------------------------


@calls("announcements.create")
def _create(w: World, user: User, route: Route) -> Call:
    if route.method == "GET":
        return Call("GET", path_of(route, w))
    form = {
        "title": w.unique("Baustelle"),
        "body": "Die Herner Straße ist frei.",
        "channels": w.x.id,
    }
    return Call("POST", path_of(route, w), form=form, changes=True, multipart=True)


@calls("announcements.edit")
def _edit(w: World, user: User, route: Route) -> Call:
    draft = w.draft()
    path = path_of(route, w, announcement_id=draft.id)
    if route.method == "GET":
        return Call("GET", path)
    form = {
        "title": w.unique("Geänderter Titel"),
        "body": draft.body,
        "channels": w.x.id,
        "version": draft.version,
    }
    return Call("POST", path, form=form, changes=True, multipart=True)


@calls("announcements.count")
def _count(w: World, user: User, route: Route) -> Call:
    body = {"title": "Stadtfest", "body": "Am Samstag", "channels": [w.x.id]}
    return Call("POST", path_of(route, w), json=body)


def _step(make: str, **extra: str) -> Builder:
    def build(w: World, user: User, route: Route) -> Call:
        announcement = getattr(w, make)()
        form = {"version": announcement.version, **extra}
        return Call(
            "POST", path_of(route, w, announcement_id=announcement.id), form=form, changes=True
        )

    return build


calls("announcements.submit")(_step("draft"))
calls("announcements.approve")(_step("in_review"))
calls("announcements.send_back")(_step("in_review", comment="Bitte kürzer."))
calls("announcements.cancel")(_step("in_review"))


@calls("manual.detail", "manual.media")
def _manual_page(w: World, user: User, route: Route) -> Call:
    delivery = w.once("manual_post")
    return Call(route.method, path_of(route, w, delivery_id=delivery.id, media_id=w.media.id))


@calls("manual.posted", "manual.skipped")
def _manual_mark(w: World, user: User, route: Route) -> Call:
    delivery = w.manual_post()
    path = path_of(route, w, delivery_id=delivery.id)
    if route.endpoint == "manual.posted":
        form = {"url": "https://www.whatsapp.com/channel/0029VaBochum"}
    else:
        form = {"reason": "Der Kanal pausiert."}
    return Call("POST", path, form=form, changes=True)


@calls("announcements.delivery_action")
def _delivery_action(w: World, user: User, route: Route) -> Call:
    delivery = w.delivery(DeliveryState.failed)
    path = path_of(route, w, delivery_id=delivery.id, action="retry")
    return Call("POST", path, form={}, changes=True)


# -- the inbox ----------------------------------------------------------------------------------


def _inbox(form: Callable[[World], dict[str, Any]], **comment: Any) -> Builder:
    def build(w: World, user: User, route: Route) -> Call:
        target = w.comment(**comment)
        return Call("POST", path_of(route, w, comment_id=target.id), form=form(w), changes=True)

    return build


calls("inbox.reply")(_inbox(lambda w: {"text": "Danke für den Hinweis!", "key": key()}))
calls("inbox.hide")(_inbox(lambda w: {"key": key()}))
calls("inbox.unhide")(_inbox(lambda w: {"key": key()}, hidden=True))
calls("inbox.delete")(_inbox(lambda w: {"reason": "Beleidigung", "confirm": "y", "key": key()}))
calls("inbox.assign")(_inbox(lambda w: {"assignee": str(w.people["moderator"].id)}))
calls("inbox.status")(_inbox(lambda w: {"status": "done"}))
calls("inbox.tags")(_inbox(lambda w: {"tags": w.tag().id}))
calls("inbox.note")(_inbox(lambda w: {"text": "Bauamt fragen."}))


@calls("inbox.resolve")
def _resolve(w: World, user: User, route: Route) -> Call:
    action = w.reply_in_review()
    path = path_of(route, w, comment_id=action.comment_id, action_id=action.id)
    return Call("POST", path, form={"outcome": "sent"}, changes=True)


@calls("inbox.presence")
def _presence(w: World, user: User, route: Route) -> Call:
    path = path_of(route, w, comment_id=w.comment().id)
    return Call("POST", path, json={"activity": "replying"}, changes=True)


@calls("inbox.bulk")
def _bulk(w: World, user: User, route: Route) -> Call:
    form = {"ids": w.comment().id, "action": "done", "key": key(), "next": "/admin/inbox/"}
    return Call("POST", path_of(route, w), form=form, changes=True)


# -- settings: channels, connecting, the hold, notices ------------------------------------------


@calls("channels.test_connection_view")
def _test_connection(w: World, user: User, route: Route) -> Call:
    # A channel that does not exist: the check itself would call the network.
    return Call("POST", path_of(route, w), form={"id": "0"})


@calls("connect.callback")
def _callback(w: World, user: User, route: Route) -> Call:
    return Call("GET", path_of(route, w, query="state=not-started-here&code=x"))


@calls("connect.choose")
def _choose(w: World, user: User, route: Route) -> Call:
    form = {"account": "104729318356812"} if route.writes else None
    return Call(route.method, path_of(route, w), form=form)


@calls("hold.start")
def _hold_start(w: World, user: User, route: Route) -> Call:
    w.no_hold()
    return Call("POST", path_of(route, w), form={"reason": "Unwetterwarnung"}, changes=True)


@calls("hold.lift")
def _hold_lift(w: World, user: User, route: Route) -> Call:
    w.active_hold()
    return Call("POST", path_of(route, w), form={}, changes=True)


@calls("hold.triage")
def _triage(w: World, user: User, route: Route) -> Call:
    held = w.delivery(DeliveryState.held)
    w.no_hold()  # held posts are triaged after the hold is lifted
    form = {"action": "cancel", "delivery": held.id}
    return Call("POST", path_of(route, w), form=form, changes=True)


@calls("notifications.mark_read")
def _mark_read(w: World, user: User, route: Route) -> Call:
    w.notice(user)
    return Call("POST", path_of(route, w), form={}, changes=True)


@calls("set_language")
def _language(w: World, user: User, route: Route) -> Call:
    return Call("POST", path_of(route, w), form={"lang": "en", "next": "/admin/"})


@calls("api_tokens.create")
def _token_create(w: World, user: User, route: Route) -> Call:
    form = {
        "user_id": w.victim().id,
        "name": "CMS der Stadt",
        "scopes": "announcements:read",
        "days": "30",
    }
    return Call("POST", path_of(route, w), form=form, changes=True)


@calls("api_tokens.revoke")
def _token_revoke(w: World, user: User, route: Route) -> Call:
    from hub.auth.tokens import token_for as stored_token

    token = stored_token(token_for(w.victim()))
    assert token is not None
    return Call("POST", path_of(route, w), form={"token_id": token.id}, changes=True)


# -- the account (Flask-Security) ---------------------------------------------------------------


@calls("security.logout")
def _logout(w: World, user: User, route: Route) -> Call:
    # A new fs_uniquifier ends every session of the person.
    return Call("POST", path_of(route, w), form={}, changes=True, session="fresh")


@calls("security.change_password")
def _change_password(w: World, user: User, route: Route) -> Call:
    if route.method == "GET":
        return Call("GET", path_of(route, w))
    form = {
        "password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }
    return Call("POST", path_of(route, w), form=form, changes=True, session="fresh")


@calls("security.verify")
def _verify(w: World, user: User, route: Route) -> Call:
    form = {"password": PASSWORD} if route.writes else None
    return Call(route.method, path_of(route, w), form=form)


@calls("security.two_factor_setup")
def _tf_setup(w: World, user: User, route: Route) -> Call:
    form = {"setup": "authenticator"} if route.writes else None
    return Call(route.method, path_of(route, w), form=form)


@calls("security.two_factor_setup_validate")
def _tf_setup_validate(w: World, user: User, route: Route) -> Call:
    return Call("POST", path_of(route, w, token="expired"), form={"code": "123456"})


@calls("security.mf_recovery_codes")
def _recovery_codes(w: World, user: User, route: Route) -> Call:
    if route.method == "GET":
        return Call("GET", path_of(route, w))
    form = {"generate_new_codes": "y"}
    return Call("POST", path_of(route, w), form=form, changes=True)


@calls("security.two_factor_token_validation")
def _tf_validate(w: World, user: User, route: Route) -> Call:
    # Outside a login's second step, Flask-Security ends the session here.
    form = {"code": "123456"} if route.writes else None
    return Call(route.method, path_of(route, w), form=form, session="fresh")


@calls("security.login")
def _login(w: World, user: User, route: Route) -> Call:
    if route.method == "GET":
        return Call("GET", path_of(route, w), session="anonymous")
    form = {"email": user.email, "password": PASSWORD}
    # A login is counted (last login, the audit log's "login").
    return Call("POST", path_of(route, w), form=form, changes=True, session="anonymous")


# -- Flask-Admin's model views ------------------------------------------------------------------


def _new_rows(w: World) -> dict[str, dict[str, Any]]:
    return {
        "users": {
            "email": f"{w.unique('neu').replace(' ', '')}@bochum.example",
            "full_name": "Nele Neu",
            "roles": w.role_id("editor"),
            "active": "y",
            "locale": "",
            "new_password": NEW_PASSWORD,
        },
        "channels": {
            "name": w.unique("Stadt Bochum"),
            "network": "x",
            "external_id": str(1_000_000 + w.serial()),
            "status": "active",
            "new_credentials": "",
        },
        "tags": {"name": w.unique("Lob"), "color": ""},
        "saved_replies": {"title": w.unique("Gruß"), "body": "Viele Grüße, {name}"},
        "keyword_rules": {
            "category": "insult",
            "keyword": w.unique("Blödmann"),
            "priority": "5",
        },
        "audit": {"action": "forged"},
    }


def _row(w: World, endpoint: str) -> tuple[int, dict[str, Any]]:
    """A fresh row of the view and the form that changes it."""
    if endpoint == "users":
        person = w.victim()
        form = {
            "email": person.email,
            "full_name": w.unique("Paula Person"),
            "roles": w.role_id("editor"),
            "active": "y",
            "locale": "",
            "new_password": "",
        }
        return person.id, form
    if endpoint == "channels":
        channel = w.facebook
        form = {
            "name": w.unique("Stadt Bochum (Facebook)"),
            "network": "facebook",
            "external_id": channel.external_id,
            "status": "active",
            "new_credentials": "",
        }
        return channel.id, form
    if endpoint == "tags":
        return w.tag().id, {"name": w.unique("Umbenannt"), "color": "#ff0000"}
    if endpoint == "saved_replies":
        return w.saved_reply().id, {"title": w.unique("Neu"), "body": "Hallo {name}"}
    if endpoint == "keyword_rules":
        rule = w.keyword_rule()
        return rule.id, {"category": "threat", "keyword": w.unique("Drohung"), "priority": "9"}
    if endpoint == "audit":
        return w.audit_event().id, {"action": "forged"}
    raise KeyError(f"tests/security/calls.py: no rows for the model view {endpoint}")


ACTIONS = {"users": "reset_second_factor", "channels": "disable"}


def model_view_of(w: World, endpoint: str) -> ModelView | None:
    name = endpoint.partition(".")[0]
    for admin in w.app.extensions.get("admin", []):
        for view in admin._views:
            if isinstance(view, ModelView) and view.endpoint == name:
                return view
    return None


def model_view_call(view: ModelView, route: Route, w: World) -> Call:
    """Flask-Admin's list, create, edit, delete, actions and ajax routes with real rows;
    ``changes`` follows what the view allows (``can_create``, ``can_edit``, ``can_delete``)."""
    name = view.endpoint
    kind = route.endpoint.partition(".")[2]
    path = path_of(route, w)
    if kind in ("index_view", "export", "ajax_lookup"):
        query = "name=x&query=a" if kind == "ajax_lookup" else ""
        return Call("GET", path_of(route, w, query=query))
    if kind == "create_view":
        if route.method == "GET":
            return Call("GET", path)
        return Call("POST", path, form=_new_rows(w)[name], changes=view.can_create)
    row, form = _row(w, name)
    if kind in ("edit_view", "details_view"):
        path = f"{path}?id={row}"
        if route.method == "GET":
            return Call("GET", path)
        return Call("POST", path, form=form, changes=view.can_edit)
    if kind == "delete_view":
        return Call("POST", path, form={"id": row}, changes=view.can_delete)
    if kind == "action_view":
        action = ACTIONS.get(name, "delete" if view.can_delete else "")
        return Call("POST", path, form={"action": action, "rowid": row}, changes=bool(action))
    if kind == "ajax_update":
        return Call("POST", path, form={"list_form_pk": row, "name": "x"})
    raise KeyError(f"tests/security/calls.py: unknown model view route {route}")


# -- the API ------------------------------------------------------------------------------------


def _json(method: str, path: str, body: Any = None, **kwargs: Any) -> Call:
    return Call(method, path, json={} if body is None else body, changes=True, **kwargs)


@calls("api_announcements.create_announcement")
def _api_create(w: World, user: User, route: Route) -> Call:
    body = {"title": w.unique("API"), "body": "Hallo Bochum", "channels": [w.x.id]}
    return _json("POST", path_of(route, w), body)


@calls("api_announcements.update_announcement")
def _api_update(w: World, user: User, route: Route) -> Call:
    draft = w.draft()
    body = {"title": w.unique("API geändert"), "version": draft.version}
    return _json("PATCH", path_of(route, w, announcement_id=draft.id), body)


def _api_step(make: str, **extra: Any) -> Builder:
    def build(w: World, user: User, route: Route) -> Call:
        announcement = getattr(w, make)()
        body = {"version": announcement.version, **extra}
        return _json("POST", path_of(route, w, announcement_id=announcement.id), body)

    return build


calls("api_announcements.submit_announcement")(_api_step("draft"))
calls("api_announcements.approve_announcement")(_api_step("in_review"))
calls("api_announcements.reject_announcement")(_api_step("in_review", comment="Bitte kürzer."))
calls("api_announcements.cancel_announcement")(_api_step("in_review"))


@calls("api_channels.create_channel")
def _api_channel(w: World, user: User, route: Route) -> Call:
    body = {
        "network": "x",
        "name": w.unique("API-Kanal"),
        "external_id": str(2_000_000 + w.serial()),
    }
    return _json("POST", path_of(route, w), body)


def _api_inbox(body: Callable[[World], dict[str, Any]], **comment: Any) -> Builder:
    def build(w: World, user: User, route: Route) -> Call:
        target = w.comment(**comment)
        return _json("POST", path_of(route, w, comment_id=target.id), body(w))

    return build


calls("api_inbox.reply")(_api_inbox(lambda w: {"text": "Danke!"}))
calls("api_inbox.hide")(_api_inbox(lambda w: {}))
calls("api_inbox.unhide")(_api_inbox(lambda w: {}, hidden=True))
calls("api_inbox.delete")(_api_inbox(lambda w: {"reason": "Beleidigung"}))
calls("api_inbox.assign")(_api_inbox(lambda w: {"assignee_id": None}))
calls("api_inbox.set_status")(_api_inbox(lambda w: {"status": "done"}))


@calls("api_media.upload_media")
def _api_upload(w: World, user: User, route: Route) -> Call:
    return Call("POST", path_of(route, w), form=w.upload(), multipart=True, changes=True)


def with_token(call: Call, token: str) -> Call:
    """The same call with an API token (the API reads nothing else)."""
    return replace(call, headers={**call.headers, "Authorization": f"Bearer {token}"})
