"""Mastodon as the sandbox speaks it: any instance, under ``/mastodon/<instance>/``.

A channel names its own server (``bochum.social``, ``social.bund.de``); with ``HUB_SANDBOX_URL``
set, the connector reaches ``<sandbox>/mastodon/<instance>/api/...`` instead of
``https://<instance>/api/...``, so every instance a test or the demo names exists here at once.
Shapes follow Mastodon's API reference and the real answers recorded in Mastodon.py's test
suite (``tests/fixtures/mastodon``); what Mastodon does, the sandbox does too:

- ``GET /api/v2/instance``: the instance's limits (``max_characters``, default 500, settable per
  instance); a status longer than that (text and content warning together, links counted as 23,
  ``@name@server`` as ``@name``) is refused with 422 and Mastodon's words.
- ``POST /api/v1/statuses`` honours ``Idempotency-Key``: the same key from the same account
  within an hour answers the status made the first time (unless it was deleted).
- ``POST /api/v2/media`` answers 200 for an image and 202 (``url: null``) for a video, which
  ``GET /api/v1/media/:id`` reports as 206 until processed (``media_processing_polls``, default
  1), then 200; a status naming an unprocessed file is refused with 422.
- Text comes back as HTML ``content``: paragraphs, ``<br />``, links split into spans, mentions
  as ``@<span>name</span>``.
- Replies under a post: ``GET /api/v1/statuses/:id/context``; mentions of the account:
  ``GET /api/v1/notifications`` (a citizen's reply to our status mentions us, as Mastodon's
  apps do). Only the author may delete a status (403 otherwise).
- Every answer carries ``X-RateLimit-Limit/-Remaining/-Reset`` (300 per 5 minutes, the reset as
  an ISO time); past the limit, 429 ``{"error": "Too many requests"}``.

Tokens: any bearer token; one seen first is bound to a new account on the instance it was used
on (``/_sandbox/accounts`` binds a token to a named account beforehand). Switches
(``/_sandbox/settings/mastodon``): ``max_characters`` (default 500), ``instance_limits``
(``{"social.bund.de": 5000}``), ``media_processing_polls``, ``rate_limit`` (default 300).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import regex
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from hub.sandbox import engagement
from hub.sandbox.core import (
    Account,
    Media,
    NetworkApi,
    Post,
    SandboxState,
    json_response,
    sha256_hex,
    utcnow,
)

NETWORK = "mastodon"
PREFIX = "/mastodon/"
WINDOW_SECONDS = 5 * 60
IDEMPOTENCY_SECONDS = 3600
CITIZEN_INSTANCE = "ruhr.social"  # where the simulated citizens have their accounts
URL_RE = re.compile(r"https?://[^\s<]+")
MENTION_RE = re.compile(r"(?<![\w/])@(\w+)(?:@([\w.-]+\w))?")
HASHTAG_RE = re.compile(r"(?<![\w&/])#(\w+)")
SETTINGS_BUCKET = "mastodon.settings"
INSTANCE_BUCKET = "mastodon.instance_of"  # account id -> instance host
IDEMPOTENCY_BUCKET = "mastodon.idempotency"
APPS_BUCKET = "mastodon.apps"  # client id -> app (its secret, redirect URIs, server)
CODES_BUCKET = "mastodon.codes"
# A server's Web Push key (the recorded one): hub uses no push; Mastodon sends it with an app.
VAPID_KEY = (
    "BAhxXyHfAoMqrZECjRI56F5QrE4ynVlkZFMdKSpTIsWRNoWUVgut-Bnz2xsMSwiN4AF0b4I7ixF24OwiicOJivw="
)
NOTIFY_BUCKET = "mastodon.notifications"  # list of (notification id, account id, status id)
DEFAULTS = {"max_characters": 500, "media_processing_polls": 1, "rate_limit": 300}
_ids = itertools.count(1)


class MastodonError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def mastodon_id() -> str:
    """An id shaped like Mastodon's: milliseconds since 1970 shifted by 16 bits, plus a
    sequence, so a time turns into a comparable id (Mastodon.py's ``since_id=<datetime>``)."""
    return str((int(time.time() * 1000) << 16) | (next(_ids) & 0xFFFF))


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def link_header(base: str, oldest: str, newest: str) -> str:
    """Mastodon's paging: the next (older) page by ``max_id``, the previous by ``min_id``."""
    return f'<{base}?max_id={oldest}>; rel="next", <{base}?min_id={newest}>; rel="prev"'


def countable_length(text: str) -> int:
    """Mastodon's ``StatusLengthValidator``: links count 23, remote mentions as ``@name``,
    grapheme clusters."""
    text = URL_RE.sub("x" * 23, text)
    text = MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    return len(regex.findall(r"\X", text))


def render_html(text: str, instance: str) -> str:
    """The ``content`` Mastodon makes of a plain text."""

    def inline(line: str) -> str:
        out, last = [], 0
        tokens = sorted(
            [(m.start(), m.end(), "url", m) for m in URL_RE.finditer(line)]
            + [(m.start(), m.end(), "mention", m) for m in MENTION_RE.finditer(line)]
            + [(m.start(), m.end(), "tag", m) for m in HASHTAG_RE.finditer(line)],
            key=lambda t: t[0],
        )
        for start, end, kind, match in tokens:
            if start < last:
                continue
            out.append(html.escape(line[last:start], quote=False))
            if kind == "url":
                url = match.group(0)
                scheme, _, rest = url.partition("://")
                shown, hidden = rest[:30], rest[30:]
                out.append(
                    f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" '
                    f'translate="no"><span class="invisible">{scheme}://</span>'
                    f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                    f'<span class="invisible">{html.escape(hidden)}</span></a>'
                )
            elif kind == "mention":
                name, host = match.group(1), match.group(2) or instance
                out.append(
                    f'<span class="h-card" translate="no"><a href="https://{host}/@{name}" '
                    f'class="u-url mention">@<span>{html.escape(name)}</span></a></span>'
                )
            else:
                tag = match.group(1)
                out.append(
                    f'<a href="https://{instance}/tags/{tag.lower()}" class="mention hashtag" '
                    f'rel="tag">#<span>{html.escape(tag)}</span></a>'
                )
            last = end
        out.append(html.escape(line[last:], quote=False))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(
        "<p>" + "<br />".join(inline(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


class MastodonApi(NetworkApi):
    networks = (NETWORK,)

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.url_map = Map(
            [
                Rule("/api/v2/instance", endpoint="instance", methods=["GET"]),
                Rule("/api/v1/accounts/verify_credentials", endpoint="me", methods=["GET"]),
                Rule(
                    "/api/v1/accounts/<account_id>/statuses", endpoint="timeline", methods=["GET"]
                ),
                Rule("/api/v1/statuses", endpoint="create", methods=["POST"]),
                Rule("/api/v1/statuses/<status_id>", endpoint="get", methods=["GET"]),
                Rule("/api/v1/statuses/<status_id>", endpoint="delete", methods=["DELETE"]),
                Rule("/api/v1/statuses/<status_id>/context", endpoint="context", methods=["GET"]),
                Rule("/api/v2/media", endpoint="upload", methods=["POST"]),
                Rule("/api/v1/media/<media_id>", endpoint="media", methods=["GET"]),
                Rule("/api/v1/notifications", endpoint="notifications", methods=["GET"]),
            ],
            strict_slashes=False,
        )
        self.endpoints: dict[str, Callable[..., Response]] = {
            name: getattr(self, f"_{name}")
            for name in (
                "instance",
                "me",
                "timeline",
                "create",
                "get",
                "delete",
                "context",
                "upload",
                "media",
                "notifications",
            )
        }

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        path = self._split(request)[1].rstrip("/")
        if path == "/api/v2/instance":
            return "public"  # the instance's description needs no login, as on Mastodon
        if path in SIGN_IN:
            return "oauth"  # registering an app and signing in come before any token
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip() or None
        return None

    def handle(self, request: Request, network: str, token: str) -> Response:
        instance, path = self._split(request)
        if path.rstrip("/") in SIGN_IN:
            try:
                return SIGN_IN[path.rstrip("/")](self, request, instance)
            except MastodonError as error:
                return self._error(error.status, error.message)
        adapter = self.url_map.bind("sandbox")
        try:
            name, args = adapter.match(path, method=request.method)
        except (NotFound, MethodNotAllowed):
            return self._error(404, "Record not found")
        account = None
        if name != "instance":
            account = self._account(token, instance)
            limited = self._count_request(account)
            if limited is not None:
                return limited
        try:
            response = self.endpoints[str(name)](request, instance, account, **args)
        except MastodonError as error:
            response = self._error(error.status, error.message)
        if account is not None:
            self._rate_headers(response, account)
        return response

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        words = {
            401: "The access token is invalid",
            403: "This action is not allowed",
            404: "Record not found",
            422: "Validation failed",
            429: "Too many requests",
        }.get(status, "Internal server error" if status >= 500 else "Error")
        response = json_response({"error": words, **(overrides or {})}, status)
        if status == 429:
            reset = time.time() + (retry_after if retry_after is not None else 60.0)
            response.headers["X-RateLimit-Limit"] = str(self._setting("rate_limit"))
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Reset"] = iso(datetime.fromtimestamp(reset, UTC))
        return response

    def expired_response(self, network: str) -> Response:
        return self._error(401, "The access token was revoked")

    def missing_token_response(self, network: str) -> Response:
        return self._error(401, "The access token is invalid")

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A citizen (on another server) replies; the reply is addressed to whom it answers,
        as Mastodon's apps do (``@name@server`` before the text in ``content``). ``text``
        stays what the citizen wrote, as the control endpoints show it."""
        target = self.state.accounts.get((NETWORK, post.account_id))
        with self.state.lock:
            self.state.bucket(INSTANCE_BUCKET).setdefault(author.id, CITIZEN_INSTANCE)
        comment = self._new_status(author, text, parent=post, visibility="public")
        if target is not None and target.id != author.id:
            comment.options["addressed"] = self._acct(target)
        return comment

    def edit_comment(self, post: Post, text: str) -> Post:
        """The author edits: the same id, a new text, ``edited_at`` set (as Mastodon does)."""
        with self.state.lock:
            post.text = text
            post.options["edited_at"] = iso(utcnow())
        return post

    def city_account(self, instance: str) -> Account:
        """The city's account on ``instance`` (who signs in on its consent page): the first
        one hub's tokens used there, else a new ``@stadt``."""
        with self.state.lock:
            homes = self.state.bucket(INSTANCE_BUCKET)
            for account in self.state.accounts.values():
                if (
                    account.network == NETWORK
                    and not account.is_citizen
                    and homes.get(account.id) == instance
                ):
                    return account
            account = self.state.put_account(
                Account(NETWORK, mastodon_id(), "stadt", f"Stadt ({instance})")
            )
            homes[account.id] = instance
            return account

    def settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        bucket = self.state.bucket(SETTINGS_BUCKET)
        with self.state.lock:
            for name, value in values.items():
                if name == "instance_limits":
                    if not isinstance(value, Mapping):
                        raise ValueError("instance_limits is {instance: max_characters}")
                    limits = bucket.setdefault("instance_limits", {})
                    limits.update({str(k).lower(): int(v) for k, v in value.items()})
                elif name in DEFAULTS:
                    bucket[name] = int(value)
                else:
                    raise ValueError(f"unknown setting {name!r}")
            return {**DEFAULTS, **bucket}

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        return self._counts(post)

    # -- plumbing -----------------------------------------------------------------------------

    def _split(self, request: Request) -> tuple[str, str]:
        """``/mastodon/bochum.social/api/v1/...`` -> (``bochum.social``, ``/api/v1/...``)."""
        rest = request.path[len(PREFIX) :]
        instance, _, path = rest.partition("/")
        return instance.lower(), "/" + path

    def _setting(self, name: str) -> int:
        return int(self.state.bucket(SETTINGS_BUCKET).get(name, DEFAULTS[name]))

    def _max_characters(self, instance: str) -> int:
        limits = self.state.bucket(SETTINGS_BUCKET).get("instance_limits") or {}
        return int(limits.get(instance) or self._setting("max_characters"))

    def _error(self, status: int, message: str) -> Response:
        return json_response({"error": message}, status)

    def _account(self, token: str, instance: str) -> Account:
        account = self.state.account_for_token(NETWORK, token, account_id=None)
        with self.state.lock:
            self.state.bucket(INSTANCE_BUCKET).setdefault(account.id, instance)
        return account

    def _instance_of(self, account: Account) -> str:
        return self.state.bucket(INSTANCE_BUCKET).get(account.id) or CITIZEN_INSTANCE

    def _acct(self, account: Account) -> str:
        """``username@instance`` (Mastodon shows the server only for remote accounts)."""
        return f"{account.username}@{self._instance_of(account)}"

    def _count_request(self, account: Account) -> Response | None:
        window = int(time.time() // WINDOW_SECONDS * WINDOW_SECONDS)
        counts = self.state.bucket("mastodon.rate")
        with self.state.lock:
            key = (account.id, window)
            counts[key] = used = counts.get(key, 0) + 1
        if used > self._setting("rate_limit"):
            return self.error_response(
                NETWORK, 429, retry_after=window + WINDOW_SECONDS - time.time()
            )
        return None

    def _rate_headers(self, response: Response, account: Account) -> None:
        if "X-RateLimit-Limit" in response.headers:
            return
        limit = self._setting("rate_limit")
        window = int(time.time() // WINDOW_SECONDS * WINDOW_SECONDS)
        used = self.state.bucket("mastodon.rate").get((account.id, window), 0)
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(max(limit - used, 0))
        response.headers["X-RateLimit-Reset"] = iso(
            datetime.fromtimestamp(window + WINDOW_SECONDS, UTC)
        )

    def _form(self, request: Request) -> dict[str, Any]:
        """Mastodon takes form fields (``media_ids[]``) or JSON."""
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            return body
        form: dict[str, Any] = {k: v for k, v in request.form.items()}
        form["media_ids"] = request.form.getlist("media_ids[]") or request.form.getlist("media_ids")
        return form

    # -- JSON as Mastodon renders it ----------------------------------------------------------

    def account_json(self, account: Account, *, own: bool = False) -> dict[str, Any]:
        instance = self._instance_of(account)
        # Mastodon names the server only for accounts on other servers (the citizens').
        local = self._acct(account) if account.is_citizen else account.username
        url = f"https://{instance}/@{account.username}"
        data: dict[str, Any] = {
            "id": account.id,
            "username": account.username,
            "acct": local,
            "display_name": account.name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": True,
            "group": False,
            "created_at": "2023-01-01T00:00:00.000Z",
            "note": "",
            "url": url,
            "uri": f"https://{instance}/users/{account.username}",
            "avatar": f"https://{instance}/avatars/original/missing.png",
            "avatar_static": f"https://{instance}/avatars/original/missing.png",
            "avatar_description": "",
            "header": f"https://{instance}/headers/original/missing.png",
            "header_static": f"https://{instance}/headers/original/missing.png",
            "header_description": "",
            "followers_count": account.followers,
            "following_count": 0,
            "statuses_count": sum(
                1
                for p in self.state.posts_of(NETWORK)
                if p.account_id == account.id and not p.deleted
            ),
            "last_status_at": None,
            "hide_collections": False,
            "noindex": False,
            "emojis": [],
            "roles": [],
            "fields": []
            if account.is_citizen
            else [{"name": "Website", "value": f"https://{instance}/about", "verified_at": None}],
        }
        if own:
            data["source"] = {
                "privacy": "public",
                "sensitive": False,
                "language": "de",
                "note": "",
                "fields": [],
                "follow_requests_count": 0,
                "hide_collections": False,
                "discoverable": True,
                "indexable": True,
                "attribution_domains": [],
                "quote_policy": "public",
            }
        return data

    def media_json(self, media: Media, instance: str) -> dict[str, Any]:
        path = "/".join(media.id[i : i + 3] for i in range(0, len(media.id), 3))
        base = f"https://files.{instance}/media_attachments"
        return {
            "id": media.id,
            "type": media.kind,
            "url": f"{base}/files/{path}/original/{media.sha256 or 'file'}"
            if media.ready
            else None,
            "preview_url": f"{base}/small/{path}/small.jpg",
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": {"original": {"width": 1200, "height": 800}},
            "description": media.alt_text,
            "blurhash": "UPN1Ddxup{IT9an~.8RjK-oy%gkE%#W?i^t6",
        }

    def _counts(self, post: Post) -> dict[str, int]:
        grown = engagement.figures(self.state, post)
        replies = sum(
            1 for p in self.state.posts_of(NETWORK) if p.parent_id == post.id and not p.deleted
        )
        return {
            "replies_count": int(post.metrics.get("comments", replies)),
            "reblogs_count": int(post.metrics.get("shares", grown["shares"])),
            "favourites_count": int(post.metrics.get("likes", grown["likes"])),
            "quotes_count": 0,
        }

    def status_json(self, post: Post, viewer: Account | None = None) -> dict[str, Any]:
        """A status as ``viewer`` sees it (``pinned`` is there only for the author)."""
        author = self.state.accounts.get((NETWORK, post.account_id)) or Account(
            NETWORK, post.account_id, "unknown", "unknown"
        )
        instance = self._instance_of(author)
        parent = self.state.post(NETWORK, post.parent_id) if post.parent_id else None
        mentions = []
        shown = (
            f"@{post.options['addressed']} {post.text}"
            if post.options.get("addressed")
            else post.text
        )
        for match in MENTION_RE.finditer(shown):
            host = match.group(2) or instance
            mentioned = next(
                (
                    a
                    for a in list(self.state.accounts.values())
                    if a.network == NETWORK
                    and a.username == match.group(1)
                    and self._instance_of(a) == host
                ),
                None,
            )
            if mentioned is not None:
                mentions.append(
                    {
                        "id": mentioned.id,
                        "username": mentioned.username,
                        "url": f"https://{host}/@{mentioned.username}",
                        "acct": self._acct(mentioned),
                    }
                )
        data: dict[str, Any] = {
            "id": post.id,
            "created_at": iso(post.created_at),
            "in_reply_to_id": post.parent_id,
            "in_reply_to_account_id": parent.account_id if parent else None,
            "sensitive": bool(post.options.get("sensitive")),
            "spoiler_text": post.options.get("spoiler_text") or "",
            "visibility": post.options.get("visibility") or "public",
            "language": "de",
            "uri": f"https://{instance}/users/{author.username}/statuses/{post.id}",
            "url": post.url,
            **self._counts(post),
            "edited_at": post.options.get("edited_at"),
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": render_html(shown, instance),
            "filtered": [],
            "reblog": None,
            "application": {"name": "hub", "website": None},
            "account": self.account_json(author),
            "media_attachments": [self.media_json(m, instance) for m in post.media],
            "mentions": mentions,
            "tags": [
                {"name": t.lower(), "url": f"https://{instance}/tags/{t.lower()}"}
                for t in HASHTAG_RE.findall(post.text)
            ],
            "emojis": [],
            "quote": None,
            "card": None,
            "poll": None,
        }
        if viewer is not None and viewer.id == post.account_id:
            data["pinned"] = False
        return data

    # -- statuses -----------------------------------------------------------------------------

    def _new_status(
        self,
        author: Account,
        text: str,
        *,
        parent: Post | None = None,
        visibility: str = "public",
        spoiler: str = "",
        media: list[Media] | None = None,
    ) -> Post:
        status_id = mastodon_id()
        instance = self._instance_of(author)
        root = (parent.root_id or parent.id) if parent else None
        post = self.state.add_post(
            Post(
                network=NETWORK,
                id=status_id,
                account_id=author.id,
                text=text,
                url=f"https://{instance}/@{author.username}/{status_id}",
                media=list(media or []),
                parent_id=parent.id if parent else None,
                root_id=root,
                options={
                    "visibility": visibility,
                    "spoiler_text": spoiler,
                    "sensitive": bool(spoiler),
                },
            )
        )
        # Everyone mentioned (or answered) hears of it, as a "mention" notification.
        notified = {parent.account_id} if parent else set()
        for match in MENTION_RE.finditer(text):
            host = match.group(2) or instance
            for account in list(self.state.accounts.values()):
                if (
                    account.network == NETWORK
                    and account.username == match.group(1)
                    and self._instance_of(account) == host
                ):
                    notified.add(account.id)
        notified.discard(author.id)
        with self.state.lock:
            queue = self.state.bucket(NOTIFY_BUCKET).setdefault("items", [])
            for account_id in sorted(notified):
                queue.append((str(len(queue) + 1), account_id, status_id, utcnow()))
        return post

    def _visible(self, status_id: str) -> Post:
        post = self.state.post(NETWORK, status_id)
        if post is None or post.deleted:
            raise MastodonError(404, "Record not found")
        return post

    def _instance(self, request: Request, instance: str, account: None) -> Response:
        return json_response(
            {
                "domain": instance,
                "title": f"{instance} (sandbox)",
                "version": "4.5.0",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "A Mastodon server in hub's sandbox.",
                "usage": {"users": {"active_month": 1200}},
                "thumbnail": {"url": f"https://{instance}/packs/media/images/preview.png"},
                "icon": [],
                "languages": ["de"],
                "configuration": {
                    "urls": {"streaming": f"wss://{instance}", "status": None},
                    "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                    "statuses": {
                        "max_characters": self._max_characters(instance),
                        "max_media_attachments": 4,
                        "characters_reserved_per_url": 23,
                    },
                    "media_attachments": {
                        "description_limit": 1500,
                        "image_matrix_limit": 33177600,
                        "image_size_limit": 16777216,
                        "supported_mime_types": [
                            "image/jpeg",
                            "image/png",
                            "image/gif",
                            "image/webp",
                            "video/mp4",
                            "video/webm",
                            "video/quicktime",
                        ],
                        "video_frame_rate_limit": 120,
                        "video_matrix_limit": 8294400,
                        "video_size_limit": 103809024,
                    },
                    "polls": {
                        "max_options": 4,
                        "max_characters_per_option": 50,
                        "min_expiration": 300,
                        "max_expiration": 2629746,
                    },
                    "translation": {"enabled": False},
                },
                "registrations": {"enabled": False, "approval_required": True, "message": None},
                "api_versions": {"mastodon": 6},
                "contact": {"email": f"presse@{instance}", "account": None},
                "rules": [],
            }
        )

    def _me(self, request: Request, instance: str, account: Account) -> Response:
        return json_response(self.account_json(account, own=True))

    def _timeline(
        self, request: Request, instance: str, account: Account, account_id: str
    ) -> Response:
        statuses = [
            p for p in self.state.posts_of(NETWORK) if p.account_id == account_id and not p.deleted
        ]
        return self._page(request, statuses, account)

    def _page(self, request: Request, statuses: list[Post], viewer: Account) -> Response:
        """Newest first, ``since_id``/``min_id``/``max_id`` as Mastodon reads them, ``limit`` at
        most 40, and the ``Link`` header for the next page."""
        args = request.args
        limit = min(int(args.get("limit") or 20), 40)
        for name, keep in (
            ("since_id", lambda i, v: i > v),
            ("min_id", lambda i, v: i > v),
            ("max_id", lambda i, v: i < v),
        ):
            if args.get(name):
                bound = int(args[name])
                statuses = [s for s in statuses if keep(int(s.id), bound)]
        statuses.sort(key=lambda s: int(s.id), reverse=True)
        page = statuses[:limit]
        response = json_response([self.status_json(s, viewer) for s in page])
        if page:
            response.headers["Link"] = link_header(request.base_url, page[-1].id, page[0].id)
        return response

    def _create(self, request: Request, instance: str, account: Account) -> Response:
        key = request.headers.get("Idempotency-Key")
        seen = self.state.bucket(IDEMPOTENCY_BUCKET)
        with self.state.lock:
            earlier = seen.get((account.id, key)) if key else None
            if earlier and time.time() - earlier[1] < IDEMPOTENCY_SECONDS:
                first = self.state.post(NETWORK, earlier[0])
                if first is not None and not first.deleted:
                    return json_response(self.status_json(first, account))
            form = self._form(request)
            text = str(form.get("status") or "")
            spoiler = str(form.get("spoiler_text") or "")
            media_ids = [str(m) for m in form.get("media_ids") or []]
            if not text.strip() and not media_ids:
                raise MastodonError(422, "Validation failed: Text can't be blank")
            limit = self._max_characters(instance)
            if countable_length(text) + countable_length(spoiler) > limit:
                raise MastodonError(
                    422, f"Validation failed: Text character limit of {limit} exceeded"
                )
            if len(media_ids) > 4:
                raise MastodonError(422, "Validation failed: Cannot attach more than 4 files")
            media = []
            for media_id in media_ids:
                item = self.state.get_media(NETWORK, media_id)
                if item is None or item.account_id != account.id or item.extra.get("attached"):
                    raise MastodonError(422, f"Media ({media_id}) not found or already attached")
                if not item.ready:
                    raise MastodonError(
                        422,
                        "Cannot attach files that have not finished processing. "
                        "Try again in a moment!",
                    )
                media.append(item)
            kinds = {m.kind for m in media}
            if "video" in kinds and len(media) > 1:
                raise MastodonError(
                    422, "Cannot attach a video to a post that already contains images"
                )
            visibility = str(form.get("visibility") or "public")
            if visibility not in ("public", "unlisted", "private", "direct"):
                raise MastodonError(
                    422, "Validation failed: Visibility is not included in the list"
                )
            parent = None
            if form.get("in_reply_to_id"):
                parent = self.state.post(NETWORK, str(form["in_reply_to_id"]))
                if parent is None or parent.deleted:
                    raise MastodonError(404, "Record not found")
            for item in media:
                item.extra["attached"] = True
            post = self._new_status(
                account, text, parent=parent, visibility=visibility, spoiler=spoiler, media=media
            )
            if key:
                seen[(account.id, key)] = (post.id, time.time())
        return json_response(self.status_json(post, account))

    def _get(self, request: Request, instance: str, account: Account, status_id: str) -> Response:
        return json_response(self.status_json(self._visible(status_id), account))

    def _delete(
        self, request: Request, instance: str, account: Account, status_id: str
    ) -> Response:
        post = self._visible(status_id)
        if post.account_id != account.id:
            raise MastodonError(403, "This action is not allowed")
        # Mastodon answers with the source text (for "delete and redraft"), not the HTML.
        answer = {**self.status_json(post, account), "text": post.text}
        answer.pop("content")
        post.deleted = True
        return json_response(answer)

    def _context(
        self, request: Request, instance: str, account: Account, status_id: str
    ) -> Response:
        post = self._visible(status_id)
        statuses = [p for p in self.state.posts_of(NETWORK) if not p.deleted]
        ancestors = []
        parent = self.state.post(NETWORK, post.parent_id) if post.parent_id else None
        while parent is not None:
            if not parent.deleted:
                ancestors.insert(0, parent)
            parent = self.state.post(NETWORK, parent.parent_id) if parent.parent_id else None
        descendants, frontier = [], [post.id]
        while frontier:
            children = sorted(
                (p for p in statuses if p.parent_id in frontier), key=lambda p: int(p.id)
            )
            descendants.extend(children)
            frontier = [p.id for p in children]
        return json_response(
            {
                "ancestors": [self.status_json(p, account) for p in ancestors],
                "descendants": [self.status_json(p, account) for p in descendants],
            }
        )

    # -- media --------------------------------------------------------------------------------

    def _upload(self, request: Request, instance: str, account: Account) -> Response:
        upload = request.files.get("file")
        if upload is None:
            raise MastodonError(422, "Validation failed: File can't be blank")
        data = upload.read()
        mime = upload.mimetype or "application/octet-stream"
        kind = (
            "video" if mime.startswith("video/") else "image" if mime.startswith("image/") else ""
        )
        if not kind:
            raise MastodonError(422, "Validation failed: File content type is invalid")
        media = Media(
            network=NETWORK,
            id=mastodon_id(),
            account_id=account.id,
            mime_type=mime,
            kind=kind,
            size=len(data),
            sha256=sha256_hex(data),
            alt_text=request.form.get("description") or None,
            ready=kind == "image",
        )
        media.extra["polls_left"] = self._setting("media_processing_polls")
        self.state.add_media(media)
        return json_response(self.media_json(media, instance), 200 if media.ready else 202)

    def _media(self, request: Request, instance: str, account: Account, media_id: str) -> Response:
        media = self.state.get_media(NETWORK, media_id)
        if media is None or media.account_id != account.id:
            raise MastodonError(404, "Record not found")
        with self.state.lock:
            if not media.ready:
                left = int(media.extra.get("polls_left") or 0)
                if left > 0:
                    media.extra["polls_left"] = left - 1
                else:
                    media.ready = True
        if media.extra.get("failed"):
            raise MastodonError(422, "Error processing thumbnail for uploaded media")
        return json_response(self.media_json(media, instance), 200 if media.ready else 206)

    # -- notifications ------------------------------------------------------------------------

    def _notifications(self, request: Request, instance: str, account: Account) -> Response:
        types = request.args.getlist("types[]") or request.args.getlist("types")
        with self.state.lock:
            queue = list(self.state.bucket(NOTIFY_BUCKET).get("items") or [])
        items = []
        for notification_id, account_id, status_id, created in queue:
            if account_id != account.id or (types and "mention" not in types):
                continue
            status = self.state.post(NETWORK, status_id)
            if status is None or status.deleted:
                continue
            items.append((notification_id, status, created))
        args = request.args
        for name, keep in (
            ("since_id", lambda i, v: i > v),
            ("min_id", lambda i, v: i > v),
            ("max_id", lambda i, v: i < v),
        ):
            if args.get(name):
                bound = int(args[name])
                items = [n for n in items if keep(int(n[0]), bound)]
        items.sort(key=lambda n: int(n[0]), reverse=True)
        page = items[: min(int(args.get("limit") or 40), 80)]
        body = []
        for notification_id, status, created in page:
            author = self.state.accounts.get((NETWORK, status.account_id))
            body.append(
                {
                    "id": notification_id,
                    "type": "mention",
                    "created_at": iso(created),
                    "group_key": f"ungrouped-{notification_id}",
                    "account": self.account_json(author) if author else None,
                    "status": self.status_json(status, account),
                }
            )
        response = json_response(body)
        if page:
            response.headers["Link"] = link_header(request.base_url, page[-1][0], page[0][0])
        return response


# ---------------------------------------------------------------------------------------------
# Signing in: an app per server, OAuth 2.0 authorization code (PKCE where the client sends it)


def _register_app(api: MastodonApi, request: Request, instance: str) -> Response:
    """``POST /api/v1/apps``: any client registers; the answer names its id and secret."""
    if request.method != "POST":
        raise MastodonError(405, "Method not allowed")
    form = api._form(request)
    uris = str(form.get("redirect_uris") or "").split()
    if not form.get("client_name") or not uris:
        raise MastodonError(
            422, "Validation failed: Name can't be blank, Redirect URI can't be blank"
        )
    client_id, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    scopes = str(form.get("scopes") or "read").split()
    with api.state.lock:
        apps = api.state.bucket(APPS_BUCKET)
        apps[client_id] = {"secret": secret, "redirect_uris": uris, "instance": instance}
        app_id = str(len(apps))
    return json_response(
        {
            "id": app_id,
            "name": form["client_name"],
            "website": form.get("website") or None,
            "scopes": scopes,
            "redirect_uris": uris,
            "vapid_key": VAPID_KEY,
            "redirect_uri": "\n".join(uris),
            "client_id": client_id,
            "client_secret": secret,
            "client_secret_expires_at": 0,
        }
    )


def _authorize(api: MastodonApi, request: Request, instance: str) -> Response:
    """``GET /oauth/authorize``: the consent page, signed in as the city's account on this
    server ("Authorize" sends the code back, "Deny" ``error=access_denied``)."""
    args = request.args
    app = api.state.bucket(APPS_BUCKET).get(args.get("client_id") or "")
    redirect_uri = args.get("redirect_uri") or ""
    if app is None or app["instance"] != instance or redirect_uri not in app["redirect_uris"]:
        return Response(
            "<h1>The redirect uri included is not valid.</h1>", 400, content_type="text/html"
        )
    state = args.get("state") or ""
    if args.get("decision") == "deny":
        return _redirect(redirect_uri, {"error": "access_denied", "state": state})
    account = api.city_account(instance)
    if args.get("decision") == "allow":
        code = secrets.token_urlsafe(32)
        with api.state.lock:
            api.state.bucket(CODES_BUCKET)[code] = {
                "client_id": args["client_id"],
                "redirect_uri": redirect_uri,
                "challenge": args.get("code_challenge"),
                "account_id": account.id,
                "until": time.time() + 600,
            }
        return _redirect(redirect_uri, {"code": code, "state": state})
    allow = request.base_url + "?" + urlencode({**args.to_dict(), "decision": "allow"})
    deny = request.base_url + "?" + urlencode({**args.to_dict(), "decision": "deny"})
    body = (
        f"<!doctype html><title>{html.escape(instance)}</title>"
        f"<h1>Authorization required</h1><p>Signed in as @{html.escape(account.username)}"
        f"@{html.escape(instance)}. Allow this app to read and write "
        f"({html.escape(args.get('scope') or 'read')})?</p>"
        f'<a id="authorize" href="{html.escape(allow)}">Authorize</a> '
        f'<a id="deny" href="{html.escape(deny)}">Deny</a>'
    )
    return Response(body, 200, content_type="text/html; charset=utf-8")


def _token(api: MastodonApi, request: Request, instance: str) -> Response:
    """``POST /oauth/token`` (authorization code): a token that does not expire."""
    form = api._form(request)
    app = api.state.bucket(APPS_BUCKET).get(str(form.get("client_id") or ""))
    if app is None or app["secret"] != form.get("client_secret"):
        return json_response(
            {"error": "invalid_client", "error_description": "Client authentication failed"}, 401
        )
    with api.state.lock:
        grant = api.state.bucket(CODES_BUCKET).pop(str(form.get("code") or ""), None)
    verifier = str(form.get("code_verifier") or "")
    if (
        grant is None
        or grant["until"] < time.time()
        or grant["client_id"] != form.get("client_id")
        or grant["redirect_uri"] != form.get("redirect_uri")
        or (grant["challenge"] and _s256(verifier) != grant["challenge"])
    ):
        return json_response(
            {
                "error": "invalid_grant",
                "error_description": "The provided authorization grant is invalid, expired, "
                "revoked, does not match the redirection URI used in the authorization "
                "request, or was issued to another client.",
            },
            400,
        )
    token = secrets.token_urlsafe(32)
    with api.state.lock:
        api.state.tokens[(NETWORK, token)] = grant["account_id"]
    return json_response(
        {
            "access_token": token,
            "token_type": "Bearer",
            "scope": str(form.get("scope") or "read"),
            "created_at": int(time.time()),
        }
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _redirect(url: str, params: Mapping[str, str]) -> Response:
    joiner = "&" if "?" in url else "?"
    return Response("", 302, headers={"Location": url + joiner + urlencode(params)})


SIGN_IN: dict[str, Callable[[MastodonApi, Request, str], Response]] = {
    "/api/v1/apps": _register_app,
    "/oauth/authorize": _authorize,
    "/oauth/token": _token,
}
