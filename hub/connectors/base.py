"""The connector contract: what hub asks of every network, in plain dataclasses.

Connectors know nothing of the database or of Celery. They take an :class:`OutgoingPost` (or a
comment id, or a cursor) and return plain values, or raise one of the typed errors below, which
the publishing pipeline and the inbox turn into states and messages:

- :class:`Transient` and :class:`RateLimited`: try again later (``retry_after`` seconds if known);
- :class:`AuthExpired`: the channel needs a new login; retrying cannot help;
- :class:`Rejected`: the network refused this content; ``message`` says why in plain words;
- :class:`Unsupported`: the network has no such capability (hiding comments on Flickr).

``message`` is for the press officer; ``detail`` (the network's raw answer) is for the log.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from hub.publishing.rules import NetworkRules

# ---------------------------------------------------------------------------------------------
# Errors


class ConnectorError(Exception):
    """Base of every connector error. ``message`` for people, ``detail`` for the log."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

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
    hide_comment = "hide_comment"
    delete_comment = "delete_comment"
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
    remote_id: str
    url: str | None = None


@dataclass(frozen=True)
class RemoteComment:
    remote_id: str
    text: str
    created_at: datetime
    author_name: str = ""
    author_handle: str | None = None
    author_id: str | None = None
    post_remote_id: str | None = None
    parent_remote_id: str | None = None
    is_own: bool = False
    hidden: bool = False
    deleted: bool = False
    edited_at: datetime | None = None


@dataclass(frozen=True)
class CommentPage:
    items: Sequence[RemoteComment]
    cursor: Mapping[str, Any]  # stored per channel; given back on the next call
    more: bool = False


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
        raise Unsupported("This network cannot be tested yet.")

    def fetch_comments(self, cursor: Mapping[str, Any], posts: Sequence[str]) -> CommentPage:
        raise Unsupported("This network offers no comments.")

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        raise Unsupported("Replying is not possible on this network.")

    def find_reply(self, comment_remote_id: str, text: str) -> str | None:
        raise Unsupported("Replies cannot be looked up on this network.")

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        raise Unsupported("Hiding comments is not possible on this network.")

    def delete_comment(self, comment_remote_id: str) -> None:
        raise Unsupported("Deleting comments is not possible on this network.")

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        raise Unsupported("This network offers no post figures.")

    def fetch_account_metrics(self) -> AccountMetrics:
        raise Unsupported("This network offers no account figures.")
