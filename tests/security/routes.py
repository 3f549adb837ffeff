"""Every URL hub answers, classified: the data the security tests walk (issue 12).

Two tables, and a route must be in exactly one of them:

- ``PUBLIC``: the few endpoints served without a login, each with the reason why. The walk
  (test_url_walk.py) checks what each of them still refuses to a stranger.
- ``ACCESS``: every other endpoint, with the permission it needs (``hub.auth.permissions``) or
  ``LOGGED_IN`` (anybody logged in). This is the permission matrix route by route; the tests
  check it both ways: everyone holding the permission gets in, everyone else gets 403.

``DOMAIN_REFUSALS`` names the page buttons whose permission ``hub.publishing`` checks itself:
they refuse with the reason on the page (a redirect, the message flashed, nothing changed)
instead of a 403. In the API the same refusal is a 403.

Adding a route? Classify it here; until then test_url_walk.py and test_permission_matrix.py
fail and say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

from hub.auth.permissions import Permission

WHERE = "tests/security/routes.py"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


class LoggedIn:
    """Any logged-in person, whatever their roles (their own account, the overview)."""

    def __repr__(self) -> str:
        return "LOGGED_IN"


LOGGED_IN = LoggedIn()
Access = Permission | LoggedIn

# -- served without a login ---------------------------------------------------------------------

STATIC = "static files: code, styles and images, the same for everyone"
PUBLIC: dict[str, str] = {
    "security.login": "the login page",
    "static": STATIC,
    "admin.static": STATIC,
    "hub_admin.static": STATIC,
    "security.static": STATIC,
    "healthz": "the health check of the load balancer: says only 'ok'",
    "readyz": "the readiness check: names which of its checks fail, no data",
    "metrics": "Prometheus: 404 unless HUB_METRICS_TOKEN is set, then only with that token",
    "api-docs.openapi_json": "the API's description: no data",
    "inbox_webhooks.verify": "Meta's subscription check: answers only to the verify token",
    "inbox_webhooks.receive": "Meta's webhook: refuses every body without a valid signature",
    "inbox_webhooks.verify_threads": "Threads' subscription check: only to the verify token",
    "inbox_webhooks.receive_threads": "Threads' webhook: refuses every body without a signature",
    "public_media.serve": "signed, expiring links for Instagram: refuses a bad signature",
}
# Routes being added elsewhere (single sign-on): public where they exist, by their path.
OPTIONAL_PUBLIC_RULES: dict[str, str] = {
    "/login/sso": "single sign-on: sends the browser to the city's identity provider",
    "/login/sso/callback": "single sign-on: the identity provider's answer, checked by state",
}

# -- everything else: who may use it ------------------------------------------------------------

P = Permission
MODEL_VIEW_ENDPOINTS = (
    "index_view",
    "create_view",
    "edit_view",
    "details_view",
    "delete_view",
    "action_view",
    "ajax_lookup",
    "ajax_update",
    "export",
)


def model_view(endpoint: str, permission: Access) -> dict[str, Access]:
    """The endpoints Flask-Admin gives every ModelView, all behind the view's one permission."""
    return {f"{endpoint}.{name}": permission for name in MODEL_VIEW_ENDPOINTS}


ACCESS: dict[str, Access] = {
    # The overview, one's own notices and account, the language, logging out.
    "index": LOGGED_IN,
    "admin.index": LOGGED_IN,
    "set_language": LOGGED_IN,
    "notifications.index": LOGGED_IN,
    "notifications.mark_read": LOGGED_IN,
    "security.logout": LOGGED_IN,
    "security.change_password": LOGGED_IN,
    "security.verify": LOGGED_IN,
    "security.two_factor_setup": LOGGED_IN,
    "security.two_factor_setup_validate": LOGGED_IN,
    "security.mf_recovery_codes": LOGGED_IN,
    # Steps of the login itself (between password and code); a stranger goes to the login.
    "security.two_factor_token_validation": LOGGED_IN,
    "security.tf_select": LOGGED_IN,
    "security.two_factor_rescue": LOGGED_IN,
    "security.mf_recovery": LOGGED_IN,
    # Announcements.
    "announcements.index": P.view_announcements,
    "announcements.detail": P.view_announcements,
    "announcements.media_thumbnail": P.view_announcements,
    "announcements.create": P.compose,
    "announcements.edit": P.compose,
    "announcements.count": P.compose,
    "announcements.submit": P.compose,
    "announcements.approve": P.approve,
    "announcements.send_back": P.approve,
    "announcements.cancel": P.cancel,
    "announcements.delivery_action": P.resolve_deliveries,
    # Posts made by hand (manual channels): anyone reads them; the channel's responsible person
    # may mark them too (hub.publishing.manual.may_act; nobody in the walk's PEOPLE is one).
    "manual.index": P.view_announcements,
    "manual.detail": P.view_announcements,
    "manual.media": P.view_announcements,
    "manual.posted": P.post_by_hand,
    "manual.skipped": P.post_by_hand,
    # Engagement.
    "engagement.index": P.view_dashboard,
    "engagement.announcement": P.view_dashboard,
    "engagement.announcement_export": P.view_dashboard,
    "engagement.export": P.view_dashboard,
    "engagement.open_data": P.view_dashboard,
    "engagement.plotly": P.view_dashboard,
    # The inbox and its settings.
    "inbox.index": P.moderate,
    "inbox.thread": P.moderate,
    "inbox.reply": P.moderate,
    "inbox.hide": P.moderate,
    "inbox.unhide": P.moderate,
    "inbox.delete": P.moderate,
    "inbox.assign": P.moderate,
    "inbox.status": P.moderate,
    "inbox.tags": P.moderate,
    "inbox.note": P.moderate,
    "inbox.resolve": P.moderate,
    "inbox.presence": P.moderate,
    "inbox.bulk": P.moderate,
    **model_view("keyword_rules", P.manage_inbox_rules),
    **model_view("saved_replies", P.manage_inbox_rules),
    **model_view("tags", P.manage_inbox_rules),
    # Settings: channels, connecting them, the crisis hold, people, the audit log.
    **model_view("channels", P.manage_channels),
    "channels.test_connection_view": P.manage_channels,
    "connect.index": P.manage_channels,
    "connect.start": P.manage_channels,
    "connect.callback": P.manage_channels,
    "connect.choose": P.manage_channels,
    "hold.index": P.crisis_hold,
    "hold.start": P.crisis_hold,
    "hold.lift": P.crisis_hold,
    "hold.triage": P.crisis_hold,
    **model_view("users", P.manage_users),
    "api_tokens.index": P.manage_users,
    "api_tokens.create": P.manage_users,
    "api_tokens.revoke": P.manage_users,
    **model_view("audit", P.view_audit),
    # The API (bearer tokens).
    "api_announcements.list_announcements": P.view_announcements,
    "api_announcements.get_announcement": P.view_announcements,
    "api_announcements.create_announcement": P.compose,
    "api_announcements.update_announcement": P.compose,
    "api_announcements.submit_announcement": P.compose,
    "api_announcements.approve_announcement": P.approve,
    "api_announcements.reject_announcement": P.approve,
    "api_announcements.cancel_announcement": P.cancel,
    "api_channels.list_channels": P.view_channels,
    "api_channels.get_channel": P.view_channels,
    "api_channels.create_channel": P.manage_channels,
    "api_inbox.list_inbox": P.moderate,
    "api_inbox.get_comment": P.moderate,
    "api_inbox.reply": P.moderate,
    "api_inbox.hide": P.moderate,
    "api_inbox.unhide": P.moderate,
    "api_inbox.delete": P.moderate,
    "api_inbox.assign": P.moderate,
    "api_inbox.set_status": P.moderate,
    "api_media.upload_media": P.compose,
    "api_media.get_media": P.view_announcements,
    "api_metrics.open_data": P.view_dashboard,
    "api_metrics.channels": P.view_dashboard,
    "api_metrics.announcement": P.view_dashboard,
}

# Steps of a login in progress: outside one, Flask-Security sends a logged-in person to the login
# page (/tf-validate even logs them out); that is no refusal of their role.
LOGIN_STEPS = frozenset(
    {"security.two_factor_token_validation", "security.tf_select", "security.logout"}
)

# Page buttons refused by hub.publishing with this message (English msgid) instead of a 403.
DOMAIN_REFUSALS: dict[str, str] = {
    "announcements.submit": "Only editors can submit announcements for review.",
    "announcements.approve": "Only approvers can approve announcements.",
    "announcements.send_back": "Only approvers can send announcements back.",
    "announcements.cancel": "You may not cancel announcements.",
    "announcements.delivery_action": "Only editors can retry or resolve deliveries.",
}

# Writes that carry no CSRF token by design, and what protects them instead.
CSRF_EXEMPT: dict[str, str] = {
    "inbox_webhooks.receive": "Meta cannot send a token: the body's signature is checked",
    "inbox_webhooks.receive_threads": "Threads cannot send a token: the signature is checked",
}


# -- reading the app's rules --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One rule and one of its methods."""

    rule: Rule
    method: str

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith("/api/")

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule} ({self.endpoint})"


def routes(app: Flask) -> Iterator[Route]:
    """Every rule of ``app`` with each of its methods (HEAD and OPTIONS are Flask's own)."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield Route(rule, method)


def is_public(route: Route) -> bool:
    return route.endpoint in PUBLIC or route.rule.rule in OPTIONAL_PUBLIC_RULES


def access_of(route: Route) -> Access:
    return ACCESS[route.endpoint]


def unclassified(app: Flask) -> list[str]:
    """Routes in neither table, and table entries the app no longer has."""
    problems = [
        f"{route}: not classified. Add it to ACCESS in {WHERE} (the permission it needs, or "
        "LOGGED_IN), or to PUBLIC with the reason it is served without a login."
        for route in routes(app)
        if not is_public(route) and route.endpoint not in ACCESS
    ]
    known = {rule.endpoint for rule in app.url_map.iter_rules()}
    problems += [
        f"{endpoint}: in {WHERE} but no longer a route of hub; remove it there."
        for endpoint in sorted((set(ACCESS) | set(PUBLIC)) - known)
    ]
    problems += [
        f"{endpoint}: both public and in ACCESS in {WHERE}; it is one or the other."
        for endpoint in sorted(set(ACCESS) & set(PUBLIC))
    ]
    return problems
