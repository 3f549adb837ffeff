"""Which credentials each network's connector can use, checked when a channel's are saved.

Pasted credentials are the one way in besides the networks' consent flows. Before this check a
Flickr channel with nothing but an ``access_token`` was accepted, and its first post failed
with "the login expired or was revoked", which sent the admin looking in the wrong place. Now
the REST API answers 422 and the admin form refuses the save, both naming the fields the
network needs; the stored channel is never half usable. Whether the values *work* is another
question: "Test connection" (:func:`hub.publishing.tokens.check_channel`) asks the network.

What each connector reads (see its module's doc):

========== ==================================================================================
network    required (optional)
========== ==================================================================================
x          OAuth 2.0: ``access_token`` (``refresh_token`` with ``client_id``, and
           ``client_secret`` for a confidential client); or OAuth 1.0a: ``consumer_key``,
           ``consumer_secret``, ``access_token``, ``access_token_secret``
facebook   ``access_token``, a page token (``app_secret`` for appsecret_proof)
instagram  ``access_token`` (``login``: ``facebook`` or ``instagram``; ``app_id`` and
           ``app_secret`` together, to renew a Facebook Login token)
youtube    ``refresh_token``, ``client_id``, ``client_secret`` (``access_token``,
           ``access_token_expires_at``, ``project``, ``daily_uploads``, ``daily_units``)
flickr     ``api_key``, ``api_secret``, ``oauth_token``, ``oauth_token_secret``
linkedin   ``access_token`` (``refresh_token`` with the app's ``client_id`` and
           ``client_secret``; ``access_token_expires_at``, ``refresh_token_expires_at``)
mastodon   ``instance`` (the server, e.g. ``bochum.social``), ``access_token`` (``account_id``,
           ``username``, ``max_characters``: the server's text limit; ``client_id``,
           ``client_secret`` of the app hub registered there)
bluesky    ``handle`` and ``app_password`` (or a kept session: ``did``, ``refresh_token``);
           hub adds ``access_token``, ``access_token_expires_at``, ``pds``
manual     nothing: a person posts by hand (leave the credentials empty)
========== ==================================================================================

Keys no connector reads are kept (a later hub may read them) but named in :attr:`Check.unused`,
so the admin form can warn about a typo such as ``acces_token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from hub.publishing.errors import ValidationFailed

NETWORK_NAMES = {
    "x": "X",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "flickr": "Flickr",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "linkedin": "LinkedIn",
    "threads": "Threads",
    "manual": "Manual",
}
X_OAUTH1 = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
INSTAGRAM_LOGINS = ("facebook", "instagram")

# Every key a connector (or the token renewal) reads, per network.
USED: dict[str, frozenset[str]] = {
    "x": frozenset(
        {
            *X_OAUTH1,
            "refresh_token",
            "client_id",
            "client_secret",
            "access_token_expires_at",
            "user_id",
            "username",
        }
    ),
    "facebook": frozenset({"access_token", "app_secret", "app_id"}),
    "instagram": frozenset({"access_token", "login", "app_id", "app_secret"}),
    "youtube": frozenset(
        {
            "refresh_token",
            "client_id",
            "client_secret",
            "access_token",
            "access_token_expires_at",
            "project",
            "daily_uploads",
            "daily_units",
        }
    ),
    "flickr": frozenset({"api_key", "api_secret", "oauth_token", "oauth_token_secret"}),
    "manual": frozenset(),  # posted by hand: nothing to log in with (any key is unused)
    "mastodon": frozenset(
        {
            "instance",
            "access_token",
            "account_id",
            "username",
            "max_characters",
            "client_id",
            "client_secret",
        }
    ),
    # The app password logs in; the session (JWTs, DID, PDS) is what hub keeps after it.
    "bluesky": frozenset(
        {
            "handle",
            "app_password",
            "did",
            "pds",
            "access_token",
            "refresh_token",
            "access_token_expires_at",
        }
    ),
    "threads": frozenset({"access_token"}),
    "linkedin": frozenset(
        {
            "access_token",
            "access_token_expires_at",
            "refresh_token",
            "refresh_token_expires_at",
            "client_id",
            "client_secret",
        }
    ),
}


@dataclass(frozen=True)
class Check:
    """What is wrong with a set of credentials for one network.

    ``missing``: fields the network needs that are absent or empty; ``invalid``: field name ->
    why its value cannot be used; ``unused``: keys no connector reads (kept, but worth a
    warning); ``kind``: the login the credentials were read as (X: "oauth2" or "oauth1")."""

    network: str
    missing: tuple[str, ...] = ()
    invalid: Mapping[str, str] = field(default_factory=dict)
    unused: tuple[str, ...] = ()
    kind: str | None = None

    @property
    def ok(self) -> bool:
        return not self.missing and not self.invalid

    def messages(self) -> dict[str, list[str]]:
        """Field messages as the API and the forms show them: one sentence under
        ``credentials`` naming every missing field, and one under each ``credentials.<key>``."""
        name = NETWORK_NAMES.get(self.network, self.network)
        found: dict[str, list[str]] = {}
        if self.missing:
            found["credentials"] = [
                _(
                    "%(network)s cannot use these credentials: the fields %(fields)s are missing.",
                    network=name,
                    fields=", ".join(self.missing),
                )
            ]
            for key in self.missing:
                found[f"credentials.{key}"] = [
                    _("Missing: %(network)s needs this field.", network=name)
                ]
        for key, reason in self.invalid.items():
            found.setdefault("credentials", []).append(f"{key}: {reason}")
            found[f"credentials.{key}"] = [reason]
        return found


def _present(credentials: Mapping[str, Any], key: str) -> bool:
    value = credentials.get(key)
    return value is not None and str(value).strip() != ""


def check(network: str, credentials: Mapping[str, Any]) -> Check:
    """What ``network``'s connector would miss in ``credentials`` (see the module's table)."""
    have = {k for k in credentials if _present(credentials, k)}
    required: tuple[str, ...] = ()
    invalid: dict[str, str] = {}
    kind = None
    if network == "x":
        if have & {"consumer_key", "consumer_secret", "access_token_secret"}:
            kind, required = "oauth1", X_OAUTH1
        else:
            kind, required = "oauth2", ("access_token",)
            if "refresh_token" in have:
                # The renewal sends client_id (and client_secret where the client has one).
                required += ("client_id",)
    elif network in ("facebook", "instagram"):
        required = ("access_token",)
        if network == "instagram":
            login = str(credentials.get("login") or "facebook").strip().lower()
            if login not in INSTAGRAM_LOGINS:
                invalid["login"] = _(
                    'Use "facebook" or "instagram": the login the token comes from.'
                )
            if len(have & {"app_id", "app_secret"}) == 1:
                required += ("app_id", "app_secret")  # both or neither
    elif network == "youtube":
        required = ("refresh_token", "client_id", "client_secret")
        for key in ("daily_uploads", "daily_units"):
            if key in have and not str(credentials[key]).strip().isdigit():
                invalid[key] = _("A whole number, as Google granted it.")
    elif network == "threads":
        required = ("access_token",)
    elif network == "flickr":
        required = ("api_key", "api_secret", "oauth_token", "oauth_token_secret")
    elif network == "mastodon":
        required = ("instance", "access_token")
        if "max_characters" in have and not str(credentials["max_characters"]).strip().isdigit():
            invalid["max_characters"] = _("A whole number, as the server states it.")
    elif network == "bluesky":
        # An app password with the handle, or a session hub or the connect flow stored.
        if "app_password" in have or "refresh_token" not in have:
            required = ("handle", "app_password")
        else:
            required = ("did", "refresh_token")
    elif network == "linkedin":
        required = ("access_token",)
        if "refresh_token" in have:
            required += ("client_id", "client_secret")  # LinkedIn renews only for the app
    missing = tuple(key for key in required if key not in have)
    unused = tuple(sorted(set(credentials) - USED.get(network, frozenset(credentials))))
    return Check(network, missing, invalid, unused, kind)


def require_usable(network: str, credentials: Mapping[str, Any] | None) -> Check:
    """Raise :class:`ValidationFailed` (a 422 in the API) naming what ``network`` would miss.
    No credentials at all is allowed: the channel is connected later (its posts wait)."""
    if not credentials:
        return Check(network)
    found = check(network, credentials)
    if not found.ok:
        raise ValidationFailed(
            found.messages(),
            _(
                "The credentials cannot be used on %(network)s.",
                network=NETWORK_NAMES.get(network, network),
            ),
        )
    return found
