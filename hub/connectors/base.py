"""The connector contract: what hub asks of every network, in plain dataclasses.

Connectors know nothing of the database or of Celery. They take an :class:`OutgoingPost` (or a
comment id, or a cursor) and return plain values, or raise one of the typed errors below, which
the publishing pipeline and the inbox turn into states and messages:

- :class:`Transient` and :class:`RateLimited`: try again later (``retry_after`` seconds if known);
- :class:`AuthExpired`: the channel needs a new login; retrying cannot help;
- :class:`Rejected`: the network refused this content; ``message`` says why in plain words;
- :class:`Unsupported`: the network has no such capability (hiding comments on Flickr).

``message`` is for the press officer, in the office's language: connectors write it with
Flask-Babel's ``gettext`` when they raise, so a worker (an app context without a request) says it
in the office's default language (German), a request in the language its user chose, and code
outside any app context (connector tests, bench scripts) in English. Placeholders are named; the
network's own reason is passed in as the network sent it. ``detail`` (the network's raw answer)
is for the log and stays English.
"""

from __future__ import annotations

import enum
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from flask_babel import gettext as _

from hub.publishing.network_state import UploadSessions, stores
from hub.publishing.rules import NetworkRules
from hub.redact import redact

# ---------------------------------------------------------------------------------------------
# Errors


class ConnectorError(Exception):
    """Base of every connector error. ``message`` for people, ``detail`` for the log."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, detail: str | None = None) -> None:
        # A lazy text is said now, in the language of the raising code. Both texts may quote
        # the request (a URL with its token): redacted here, once, for the log and the database.
        message = redact(str(message))
        super().__init__(message)
        self.message = message
        self.detail = redact(detail)

    def __str__(self) -> str:
        return self.message if not self.detail else f"{self.message} ({self.detail})"


class Transient(ConnectorError):
    """A passing fault (5xx, timeout, connection reset): safe to try again later."""

    code = "transient"

    def __init__(
        self, message: str, detail: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, detail)
        self.retry_after = retry_after


class RateLimited(Transient):
    """The network said 429 (or its own way of saying "too many requests")."""

    code = "rate_limited"


class AuthExpired(ConnectorError):
    """The token is expired or revoked: the channel needs a new login."""

    code = "auth_expired"


class Rejected(ConnectorError):
    """The network refused the request for good (content, permissions, limits)."""

    code = "rejected"


class Unsupported(ConnectorError):
    """The network does not offer this at all; shown as unavailable, not as a failure."""

    code = "unsupported"


# ---------------------------------------------------------------------------------------------
# Values crossing the boundary

# How much the clocks of a worker and a network may disagree (see OutgoingPost.search_since).
CLOCK_SKEW = timedelta(minutes=2)


class Capability(enum.StrEnum):
    publish_text = "publish_text"
    publish_link = "publish_link"
    publish_image = "publish_image"
    publish_images = "publish_images"  # several in one post (carousel, album)
    publish_video = "publish_video"
    alt_text = "alt_text"
    find_published = "find_published"
    fetch_comments = "fetch_comments"
    reply = "reply"
    hide_comment = "hide_comment"  # hide and unhide others' comments under our posts
    delete_comment = "delete_comment"  # delete any comment under our posts
    delete_own_comment = "delete_own_comment"  # delete only our own replies (X)
    post_metrics = "post_metrics"
    account_metrics = "account_metrics"


@dataclass(frozen=True)
class ChannelAccess:
    """What a connector needs to act as one channel: its id on the network and its secrets."""

    external_id: str
    credentials: Mapping[str, Any]
    base_url: str | None = None  # None: the network's real API


@dataclass(frozen=True)
class MediaFile:
    path: Path
    kind: str  # "image" | "video"
    mime_type: str
    size: int
    sha256: str
    alt_text: str | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    public_url: str | None = None  # for networks that fetch media themselves (Instagram)
    title: str | None = None


@dataclass(frozen=True)
class OutgoingPost:
    """One delivery as the network will see it. ``text`` is final (link appended if needed)."""

    delivery_id: int
    text: str
    title: str | None = None
    link: str | None = None
    media: Sequence[MediaFile] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    # When the first attempt started: find_published looks for posts made since then.
    not_before: datetime | None = None

    @property
    def idempotency_key(self) -> str:
        return f"hub-delivery-{self.delivery_id}"

    @property
    def search_since(self) -> datetime | None:
        """Where find_published starts looking: a little before ``not_before``, because the
        worker's clock and the network's may disagree. A naive time is taken as UTC."""
        if self.not_before is None:
            return None
        moment = self.not_before
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - CLOCK_SKEW


@dataclass(frozen=True)
class Published:
    """The post exists on the network. ``note``: what the editor must know although it went
    out (YouTube locked the video to private, Flickr refused the licence), in the office's
    language; the pipeline keeps it as the delivery's message. None when all went as asked."""

    remote_id: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RemoteComment:
    """One comment, reply or mention as the network shows it now. hub stores it as one inbox
    item per (channel, ``remote_id``), whatever brought it (a poll, a webhook, our own reply).

    - ``remote_id``: the comment's id on the network. Where an edit gets a new id (X), give the
      id of the first version (X: ``edit_history_tweet_ids[0]``), so the edit updates the item.
    - ``text``: plain text as the network holds it now (HTML entities decoded); hub escapes it.
    - ``created_at``: when it was written, aware UTC.
    - ``author_name``, ``author_handle`` (without "@"), ``author_id``: who wrote it.
    - ``post_remote_id``: the post the conversation hangs under (its root), ours or not (a
      mention); None if the network does not say.
    - ``parent_remote_id``: the comment this one answers; None when it answers the post itself.
    - ``is_own``: written by the channel's own account (our replies, our own comments).
    - ``hidden``: hidden on the network (True/False), or None where the listing does not say
      (X): hub keeps what it knows then.
    - ``deleted``: True only when the network reports it gone (a webhook's "remove"); a comment
      that merely no longer appears is handled through ``CommentPage.complete``.
    - ``edited_at``: when the text last changed, where the network says; otherwise None (hub
      notices a changed text by itself).
    - ``url``: a link to the comment on the network, if there is one.
    """

    remote_id: str
    text: str
    created_at: datetime
    author_name: str = ""
    author_handle: str | None = None
    author_id: str | None = None
    post_remote_id: str | None = None
    parent_remote_id: str | None = None
    is_own: bool = False
    hidden: bool | None = None
    deleted: bool = False
    edited_at: datetime | None = None
    url: str | None = None


@dataclass(frozen=True)
class CommentPage:
    """What one :meth:`Connector.fetch_comments` call found.

    - ``items``: new and changed comments, each at most once, in any order. Returning a comment
      hub already has is harmless (it is updated, never doubled).
    - ``cursor``: the connector's whole new cursor for the channel. hub stores it (JSON, keep it
      small: positions, not comments) and passes it back on the next call.
    - ``more``: True when the connector stopped early (its page budget) although the network has
      more right now; hub calls again soon with ``cursor``.
    - ``complete``: posts (from the call's ``posts``) whose every existing comment is in
      ``items``: hub marks the comments it knows under those posts that are missing from
      ``items`` as deleted on the network. Name a post only after a ``full=True`` listing of it
      ended without error; leave it out where the network cannot list everything (X's recent
      search covers seven days).
    - ``units``: quota units the call used (YouTube's cost units), for hub's daily budget.
    """

    items: Sequence[RemoteComment]
    cursor: Mapping[str, Any]  # stored per channel; given back on the next call
    more: bool = False
    complete: Sequence[str] = ()
    units: int = 0


@dataclass(frozen=True)
class PostMetrics:
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    clicks: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountMetrics:
    followers: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


def comparable(text: str | None) -> str:
    """``text`` as :meth:`Connector.find_published` and :meth:`Connector.find_reply` compare it
    where the network keeps a text as it was sent: NFC-normalised, whitespace folded to single
    spaces (an editor's line breaks and trailing spaces are no difference). A network that
    changes texts (X: links, HTML escapes) compares in its own way."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def missing_file(media: MediaFile, exc: OSError) -> Rejected:
    """The refusal of a post whose file ``media`` is gone from the hub server (``exc``: how
    opening it failed, for the log)."""
    return Rejected(
        _("The file %(name)s is missing on the hub server.", name=media.path.name),
        detail=repr(exc),
    )


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 moment as networks and stored credentials write it ("Z" for UTC), aware (a
    naive one is UTC); None for nothing or what is no moment."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def round_done(cursor: Mapping[str, Any], full: bool) -> set[str]:
    """What an unfinished round of the same kind (complete or incremental listings) has read
    already, by ``cursor["round"]``: the next call goes on with the rest. A connector that reads
    post after post keeps ``{"full", "done"}`` there while its page budget ends before the last
    post, and drops it when the round is over; without it, posts behind the budget were never
    reached (every call began with the first posts again)."""
    round_ = cursor.get("round") or {}
    return set(round_.get("done") or []) if bool(round_.get("full")) == full else set()


def round_left(full: bool, done: set[str], keys: Sequence[str]) -> dict[str, Any]:
    """``cursor["round"]`` of a call that stopped before the last of ``keys`` (posts, and
    mentions on X): what :func:`round_done` reads back in the next call."""
    return {"full": full, "done": sorted(done & set(keys))}


# ---------------------------------------------------------------------------------------------
# The contract


class Connector(ABC):
    """One network. Subclasses set the class variables and implement what the network offers;
    the defaults raise :class:`Unsupported`."""

    network: ClassVar[str]
    # Which API base URL the connector speaks (``Settings.api_url(api)``): "x", "graph", ...
    api: ClassVar[str]
    rules: ClassVar[NetworkRules]
    capabilities: ClassVar[frozenset[Capability]]
    # How long one publish may take before a worker's lease on the delivery expires.
    lease_seconds: ClassVar[int] = 300
    # Seconds to wait for one HTTP answer (read), and for a connection to open.
    timeout: float = 30.0
    connect_timeout: ClassVar[float] = 5.0

    def __init__(self, access: ChannelAccess, *, timeout: float | None = None) -> None:
        self.access = access
        if timeout is not None:
            self.timeout = timeout

    @property
    def http_timeout(self) -> tuple[float, float]:
        """(connect, read) for requests: a hung network raises instead of blocking a worker."""
        return (min(self.connect_timeout, self.timeout), self.timeout)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @classmethod
    def api_for(cls, credentials: Mapping[str, Any]) -> str:
        """Which API base URL a channel with these credentials speaks (``Settings.api_url``):
        :attr:`api`, unless the login decides (Instagram Login: ``"instagram"``)."""
        return cls.api

    @abstractmethod
    def publish(self, post: OutgoingPost) -> Published:
        """Create the post. Raise a typed error; never return half a post."""

    @abstractmethod
    def find_published(self, post: OutgoingPost) -> Published | None:
        """Look on the network for ``post`` made since ``post.not_before``.

        Used after a worker died mid-call: found means it went out; None means it did not;
        raise :class:`Transient` if the network cannot tell right now.
        """

    def check_connection(self) -> str:
        """Call a cheap authenticated endpoint; return the account's name on the network."""
        raise Unsupported(_("This network cannot be tested yet."))

    def learned_settings(self) -> dict[str, Any]:
        """What :meth:`check_connection` learned about the channel that hub keeps in its
        credentials (a Mastodon server's own text limit, ``max_characters``, which the compose
        form counts against); empty where the network has nothing such."""
        return {}

    # -- the inbox: comments, replies, moderation ---------------------------------------------

    #: The network's daily quota in its own units (YouTube: 10,000 per project and day), or
    #: None where it counts requests instead. hub lets the comment sync spend only a share of it
    #: (``HUB_INBOX_QUOTA_SHARE``), from the ``units`` each :class:`CommentPage` reports.
    daily_quota_units: ClassVar[int | None] = None
    #: At most this many network pages per :meth:`fetch_comments` call; then ``more=True``.
    comment_pages: ClassVar[int] = 10
    #: Why the network offers no hiding, in the press officer's words (a lazy text), shown in
    #: the inbox instead of the general "not possible"; None: the general sentence.
    no_hiding_reason: ClassVar[Any] = None
    #: Why hub cannot delete other people's comments there (a lazy text), where the network
    #: deletes only our own; None: the general sentence.
    no_deleting_reason: ClassVar[Any] = None
    #: Can a comment that answers another comment be hidden on its own? Threads hides only
    #: replies directly under the post (their answers with them).
    hides_answers: ClassVar[bool] = True

    @classmethod
    def supports_hiding(cls) -> bool:
        return Capability.hide_comment in cls.capabilities

    @classmethod
    def comment_actions(cls, *, own: bool, on_our_post: bool) -> frozenset[Capability]:
        """Which of ``reply``, ``hide_comment`` (hide and unhide) and ``delete_comment`` the
        channel can do to one comment, decided from the class alone (no network call), so the
        inbox shows the others as unavailable instead of letting them fail.

        ``own``: the comment is the channel's own (our reply); ``on_our_post``: it hangs under a
        post the channel made (not a mention elsewhere). The default: reply with
        :attr:`Capability.reply`; hide others' comments under our posts with
        :attr:`Capability.hide_comment`; delete comments under our posts with
        :attr:`Capability.delete_comment`, or only our own with
        :attr:`Capability.delete_own_comment`. Override where the network differs.
        """
        allowed = set()
        if Capability.reply in cls.capabilities:
            allowed.add(Capability.reply)
        if Capability.hide_comment in cls.capabilities and on_our_post and not own:
            allowed.add(Capability.hide_comment)
        if (Capability.delete_comment in cls.capabilities and (on_our_post or own)) or (
            Capability.delete_own_comment in cls.capabilities and own
        ):
            allowed.add(Capability.delete_comment)
        return frozenset(allowed)

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """New and changed comments under ``posts`` since ``cursor``, and mentions of the
        account where the network offers them (X).

        ``posts``: remote ids of our published posts that hub wants looked at now (recent posts
        more often than old ones; none past hub's window). A network that lists comments per
        account (YouTube's ``commentThreads.list(allThreadsRelatedToChannelId)``) may read the
        account's comments instead, stopping at its cursor.

        ``cursor``: the ``CommentPage.cursor`` of the previous call, ``{}`` the first time (and
        after hub forgot it). It is the connector's own: keep positions per post (and for
        mentions) under keys of your choosing, and carry over every entry you did not touch, so
        posts not asked about this time keep theirs. After a restart hub passes the stored
        cursor: nothing is fetched twice in bulk, nothing is skipped.

        ``full``: list every existing comment under ``posts`` from the start, whatever the
        positions say, and name each post whose listing finished in ``CommentPage.complete``
        (hub marks comments missing from a complete listing as deleted). Also pick up edits.

        Read at most ``comment_pages`` network pages per call and set ``more=True`` if you
        stopped early; hub then calls again with the same ``posts`` and the new cursor. Keep the
        progress of such an unfinished round in the cursor and continue with the posts (and
        mentions) not yet read, so every one gets its turn however many there are
        (:func:`round_done` reads ``cursor["round"]``); inside a post whose listing the budget
        cut, go on from its next page, and name it ``complete`` only if one call listed it from
        its first page to its last. Raise the
        typed errors as anywhere (:class:`RateLimited` with ``retry_after``): hub keeps the
        previous cursor then, so nothing is lost.
        """
        raise Unsupported(_("This network offers no comments."))

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        """Answer the comment as the channel; return the remote id of the new reply.

        hub shows the reply in the thread as ours and calls this once per attempt.
        ``idempotency_key`` is the same for every attempt of one request: send it where the
        network takes one. Where it does not, hub asks :meth:`find_reply` before any attempt
        that follows one whose outcome is unknown (timeout, crash), never replying blindly.
        """
        raise Unsupported(_("Replying is not possible on this network."))

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        """The remote id of our reply with ``text`` (compared as the network gives text back)
        to that comment, made since ``since`` (aware UTC, clock skew already subtracted; None:
        the latest replies), or None if there is none. Raise :class:`Transient` when the
        network cannot tell right now: hub then asks a person rather than guessing."""
        raise Unsupported(_("Replies cannot be looked up on this network."))

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        """Hide (``True``) or show again (``False``) a comment under one of our posts. Asking
        for the state the comment is already in is no error."""
        raise Unsupported(_("Hiding comments is not possible on this network."))

    def delete_comment(self, comment_remote_id: str) -> None:
        """Delete a comment under one of our posts, or our own reply. A comment already gone is
        no error. Raise :class:`Unsupported` where the network does not let the channel delete
        this comment (X: other people's replies)."""
        raise Unsupported(_("Deleting comments is not possible on this network."))

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        raise Unsupported(_("This network offers no post figures."))

    def fetch_account_metrics(self) -> AccountMetrics:
        raise Unsupported(_("This network offers no account figures."))


class ResumesUploads(Connector):
    """A connector whose uploads outlive one attempt: what an upload has reached is kept in
    ``sessions`` (given, else :func:`~hub.publishing.network_state.stores`), so the next
    attempt continues it instead of starting again."""

    def __init__(
        self,
        access: ChannelAccess,
        *,
        timeout: float | None = None,
        sessions: UploadSessions | None = None,
    ) -> None:
        super().__init__(access, timeout=timeout)
        self.sessions = sessions or stores()[1]
