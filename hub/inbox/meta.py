"""Meta's webhooks (Facebook Pages, Instagram, Threads): checking them, and reading comments out
of them.

Meta signs each POST with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body, keyed
with the app secret>``; the check is constant-time (:func:`hmac.compare_digest`), so timing
reveals nothing about the right signature. The subscription check (GET) compares the verify
token the same way.

Payloads (Graph API webhooks):

- Facebook, ``object: "page"``, field ``feed``, ``item: "comment"``: ``verb`` is ``add``,
  ``edited``, ``remove``, ``hide`` or ``unhide``; the value carries ``comment_id``, ``post_id``,
  ``parent_id`` (the post itself for a top-level comment), ``from``, ``message``,
  ``created_time`` (Unix seconds).
- Instagram, ``object: "instagram"``, fields ``comments`` / ``live_comments``: ``id``,
  ``text``, ``from {id, username}``, ``media {id}``, ``parent_id`` for a reply. ``mentions``
  carries only ids: hub then syncs the account soon instead.
- Threads sends its own envelope (``topic``, ``target_id``, ``time``, ``values: {field,
  value}``), signed with the Threads app's secret; :func:`threads_as_graph` turns it into the
  shape above (``object: "threads"``): ``replies`` carry the reply object (``id``, ``text``,
  ``username``, ``timestamp``, ``replied_to``, ``root_post {id, owner_id, username}``),
  ``delete`` a deleted post's id; ``mentions`` make hub sync the profile soon.

Every entry carries ``time``, when Meta sent it (Unix seconds; Messenger's own entries use
milliseconds). Meta signs the body but no timestamp of its own, so a captured delivery stays
validly signed for ever: hub recognises a replay by its receipt
(:class:`hub.models.WebhookReceipt`), and takes in nothing older than those receipts are kept
(:data:`MAX_EVENT_AGE`, derived from ``KEEP_RECEIPTS``). Meta itself stops re-sending a failed
delivery after about a day and a half, so a real one is never that old.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.connectors.base import RemoteComment
from hub.models.types import utcnow
from hub.models.webhook_receipt import KEEP_RECEIPTS

OBJECTS = {"page": "facebook", "instagram": "instagram", "threads": "threads"}
IG_COMMENT_FIELDS = frozenset({"comments", "live_comments"})
# How far Meta's clock may be ahead of or behind ours. A delivery is taken in while its newest
# possible receipt is kept: no older than the receipts' lifetime less this, no newer than this.
CLOCK_SKEW = timedelta(hours=1)
MAX_EVENT_AGE = KEEP_RECEIPTS - CLOCK_SKEW
MILLISECONDS_FROM = 10**11  # a Unix time this large is in milliseconds (seconds: year 5138)


def sign(secret: str, body: bytes) -> str:
    """The header value Meta sends for ``body`` (used by tests and the sandbox)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_signature(secret: str | None, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    scheme, _sep, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def valid_verify_token(expected: str | None, given: str | None) -> bool:
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass
class AccountChanges:
    """What one webhook entry says about one account (page or Instagram user)."""

    network: str
    external_id: str
    comments: list[RemoteComment] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    hidden: list[tuple[str, bool]] = field(default_factory=list)
    sync_soon: bool = False


class BadPayload(ValueError):
    """Not shaped like a Meta webhook."""


def _moment(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _facebook(account: AccountChanges, value: Mapping[str, Any]) -> None:
    if value.get("item") != "comment" or not value.get("comment_id"):
        return
    comment_id = str(value["comment_id"])
    verb = value.get("verb")
    if verb == "remove":
        account.deleted.append(comment_id)
        return
    if verb in ("hide", "unhide"):
        account.hidden.append((comment_id, verb == "hide"))
        return
    if verb not in ("add", "edited"):
        return
    author = value.get("from") if isinstance(value.get("from"), Mapping) else {}
    post_id = str(value["post_id"]) if value.get("post_id") else None
    parent = str(value["parent_id"]) if value.get("parent_id") else None
    account.comments.append(
        RemoteComment(
            remote_id=comment_id,
            text=_text(value.get("message")),
            created_at=_moment(value.get("created_time")),
            author_name=_text(author.get("name")),
            author_id=str(author["id"]) if author.get("id") else None,
            post_remote_id=post_id,
            parent_remote_id=parent if parent != post_id else None,
            is_own=bool(author.get("id")) and str(author.get("id")) == account.external_id,
            edited_at=utcnow() if verb == "edited" else None,
        )
    )


def _instagram(account: AccountChanges, name: str, value: Mapping[str, Any], at: Any) -> None:
    if name not in IG_COMMENT_FIELDS:
        if name == "mentions":
            account.sync_soon = True
        return
    if not value.get("id"):
        return
    author = value.get("from") if isinstance(value.get("from"), Mapping) else {}
    media = value.get("media") if isinstance(value.get("media"), Mapping) else {}
    username = _text(author.get("username"))
    account.comments.append(
        RemoteComment(
            remote_id=str(value["id"]),
            text=_text(value.get("text")),
            created_at=_moment(at),
            author_name=username,
            author_handle=username or None,
            author_id=str(author["id"]) if author.get("id") else None,
            post_remote_id=str(media["id"]) if media.get("id") else None,
            parent_remote_id=str(value["parent_id"]) if value.get("parent_id") else None,
            is_own=bool(author.get("id")) and str(author.get("id")) == account.external_id,
        )
    )


def _threads(account: AccountChanges, name: str, value: Mapping[str, Any]) -> None:
    """A Threads reply (``replies``: the reply object, under ``root_post`` of the account) or
    a deletion of one of the account's own posts and replies (``delete``)."""
    if not value.get("id"):
        return
    if name == "delete":
        account.deleted.append(str(value["id"]))
        return
    if name != "replies":
        if name == "mentions":
            account.sync_soon = True
        return
    root = value.get("root_post") if isinstance(value.get("root_post"), Mapping) else {}
    parent = value.get("replied_to") if isinstance(value.get("replied_to"), Mapping) else {}
    post_id = str(root["id"]) if root.get("id") else None
    parent_id = str(parent["id"]) if parent.get("id") else None
    username = _text(value.get("username"))
    account.comments.append(
        RemoteComment(
            remote_id=str(value["id"]),
            text=_text(value.get("text")),
            created_at=_graph_moment(value.get("timestamp")),
            author_name=username,
            author_handle=username or None,
            post_remote_id=post_id,
            parent_remote_id=parent_id if parent_id != post_id else None,
            is_own=bool(username) and username == _text(root.get("username")),
            url=_text(value.get("permalink")) or None,
        )
    )


def _graph_moment(value: Any) -> datetime:
    from hub.connectors.base import parse_time

    return parse_time(value) or utcnow()


def threads_as_graph(payload: Any) -> dict[str, Any]:
    """A Threads webhook (``app_id``, ``topic``, ``target_id``, ``time``, ``values: {value,
    field}``, one change each) in the Graph shape :func:`parse` reads: ``object: "threads"``,
    one entry for the profile that owns the thread (a reply's ``root_post.owner_id``, a
    deletion's ``owner.owner_id``, else ``target_id``) with the delivery's ``time``."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("values"), Mapping):
        raise BadPayload("expected a Threads webhook with 'values'")
    change = payload["values"]
    value = change.get("value") if isinstance(change.get("value"), Mapping) else {}
    root = value.get("root_post") if isinstance(value.get("root_post"), Mapping) else {}
    owner = value.get("owner") if isinstance(value.get("owner"), Mapping) else {}
    account = root.get("owner_id") or owner.get("owner_id") or payload.get("target_id")
    if not account:
        raise BadPayload("a Threads webhook names no profile")
    return {
        "object": "threads",
        "entry": [
            {
                "id": str(account),
                "time": payload.get("time"),
                "changes": [{"field": change.get("field"), "value": value}],
            }
        ],
    }


def parse(payload: Any) -> list[AccountChanges]:
    """Every account's changes in one webhook body; :class:`BadPayload` if it is not one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("entry"), list):
        raise BadPayload("expected an object with an 'entry' list")
    network = OBJECTS.get(str(payload.get("object")))
    if network is None:
        return []
    accounts: list[AccountChanges] = []
    for entry in payload["entry"]:
        if not isinstance(entry, Mapping) or not entry.get("id"):
            raise BadPayload("every entry needs an 'id'")
        account = AccountChanges(network, str(entry["id"]))
        changes = entry.get("changes") or []
        if not isinstance(changes, list):
            raise BadPayload("'changes' must be a list")
        for change in changes:
            if not isinstance(change, Mapping) or not isinstance(change.get("value"), Mapping):
                continue
            if network == "facebook" and change.get("field") == "feed":
                _facebook(account, change["value"])
            elif network == "instagram":
                _instagram(account, str(change.get("field")), change["value"], entry.get("time"))
            elif network == "threads":
                _threads(account, str(change.get("field")), change["value"])
        accounts.append(account)
    return accounts


def sent_at(payload: Mapping[str, Any]) -> list[datetime | None]:
    """When Meta sent each entry (``time``); None where it is missing or not a number."""
    moments: list[datetime | None] = []
    for entry in payload["entry"]:
        value = entry.get("time") if isinstance(entry, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            moments.append(None)
            continue
        seconds = value / 1000 if value >= MILLISECONDS_FROM else value
        try:
            moments.append(datetime.fromtimestamp(seconds, UTC))
        except (ValueError, OverflowError, OSError):
            moments.append(None)
    return moments


def too_old(payload: Mapping[str, Any], now: datetime) -> bool:
    """Whether a delivery may no longer be taken in: an entry older than :data:`MAX_EVENT_AGE`,
    from further ahead than :data:`CLOCK_SKEW` (its receipt could go before it gets old), or
    without a time (nothing shows it is not a replay)."""
    return any(
        moment is None or moment < now - MAX_EVENT_AGE or moment > now + CLOCK_SKEW
        for moment in sent_at(payload)
    )


# ---------------------------------------------------------------------------------------------
# Taking a checked webhook in


@dataclass(frozen=True)
class Received:
    replayed: bool = False
    too_old: bool = False  # not taken in: see too_old()
    comments: int = 0
    unknown_accounts: tuple[str, ...] = ()


def receive(payload: Any, body: bytes) -> Received:
    """Store what a signed webhook says. The same body twice is taken in once, and one older
    than its receipt would be kept not at all. Commits."""
    from sqlalchemy import select, update
    from sqlalchemy.exc import IntegrityError

    from hub.extensions import db
    from hub.inbox.ingest import mark_deleted, mark_hidden, store_comments
    from hub.inbox.rules import load_matcher
    from hub.models import Channel, CommentSync, WebhookReceipt

    accounts = parse(payload)
    if too_old(payload, utcnow()):
        return Received(too_old=True)
    digest = hashlib.sha256(body).hexdigest()
    try:
        with db.session.begin_nested():
            db.session.add(WebhookReceipt(digest=digest, source="meta"))
    except IntegrityError:
        db.session.rollback()
        return Received(replayed=True)
    matcher = load_matcher()
    stored = 0
    unknown = []
    for account in accounts:
        channel = db.session.scalar(
            select(Channel).where(
                Channel.network == account.network, Channel.external_id == account.external_id
            )
        )
        if channel is None:
            unknown.append(f"{account.network}:{account.external_id}")
            continue
        stored += store_comments(channel, account.comments, matcher=matcher)
        mark_deleted(channel.id, account.deleted)
        for remote_id, hidden in account.hidden:
            mark_hidden(channel.id, remote_id, hidden)
        if account.sync_soon:
            db.session.execute(
                update(CommentSync)
                .where(CommentSync.channel_id == channel.id)
                .values(next_sync_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
    return Received(comments=stored, unknown_accounts=tuple(unknown))
