"""The sandbox's shared core: in-memory state, fault injection, the request log, ids.

Every network module (``x.py``, ``graph.py`` + ``facebook.py``, later Instagram, YouTube, Flickr)
keeps its data here, in the same few shapes (:class:`Account`, :class:`Post`, :class:`Media`),
so the control endpoints (``/_sandbox/posts``, ``/_sandbox/faults``, ...) work for every network
without knowing its wire protocol. What only one module needs lives in a named
:meth:`SandboxState.bucket`, which a reset empties like everything else.

All state sits behind one re-entrant lock: the server is threaded (a slow request must not block
the others), and the state is small, so one lock is simpler than fine-grained ones and never the
bottleneck. Nothing here sleeps while holding the lock.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import json
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

# X's snowflake epoch (2010-11-04); Graph ids are plain large numbers.
SNOWFLAKE_EPOCH_MS = 1288834974657
MAX_LOG = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer the way the networks send them (compact, UTF-8)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# ---------------------------------------------------------------------------------------------
# What the networks hold


@dataclass
class Account:
    """A user, page or channel on one network: ours (the city's) or a simulated citizen's."""

    network: str
    id: str
    username: str
    name: str
    followers: int = 0
    is_citizen: bool = False

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Media:
    """An uploaded file as the network received it; ``sha256`` is over the bytes that arrived."""

    network: str
    id: str
    account_id: str | None
    mime_type: str
    kind: str  # "image" | "video"
    declared_size: int | None = None
    segments: dict[int, bytes] = field(default_factory=dict, repr=False)
    size: int | None = None
    sha256: str | None = None
    alt_text: str | None = None
    ready: bool = False
    source_url: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    extra: dict[str, Any] = field(default_factory=dict)

    def assemble(self) -> bytes:
        data = b"".join(self.segments[i] for i in sorted(self.segments))
        self.segments = {}
        self.size = len(data)
        self.sha256 = sha256_hex(data)
        return data

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "mime_type": self.mime_type,
            "alt_text": self.alt_text,
            "size": self.size,
            "sha256": self.sha256,
            "source_url": self.source_url,
        }


@dataclass
class Post:
    """A post, or a comment/reply when ``parent_id`` is set (X replies are tweets, too)."""

    network: str
    id: str
    account_id: str
    text: str
    created_at: datetime = field(default_factory=utcnow)
    url: str | None = None
    media: list[Media] = field(default_factory=list)
    link: str | None = None
    parent_id: str | None = None
    root_id: str | None = None  # the top-level post a reply belongs to (X: conversation id)
    hidden: bool = False
    deleted: bool = False
    published: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, int] = field(default_factory=dict)

    @property
    def is_comment(self) -> bool:
        return self.parent_id is not None

    def public(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "id": self.id,
            "account_id": self.account_id,
            "text": self.text,
            "media": [m.public() for m in self.media],
            "link": self.link,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "url": self.url,
            "parent_id": self.parent_id,
            "root_id": self.root_id,
            "hidden": self.hidden,
            "deleted": self.deleted,
            "published": self.published,
            "options": dict(self.options),
            "metrics": dict(self.metrics),
        }


# ---------------------------------------------------------------------------------------------
# Faults


class FaultKind(enum.StrEnum):
    latency = "latency"  # sleep, then answer normally (the post is made even if nobody waits)
    status = "status"  # answer with this HTTP status and the network's error body
    timeout = "timeout"  # hold the request, then drop it without an answer
    reset = "reset"  # drop the connection
    expired_token = "expired_token"  # noqa: S105 (a fault's name) every later call: "expired"


class FaultError(ValueError):
    """A fault request that cannot be honoured; the message says why."""


@dataclass
class Fault:
    id: int
    network: str
    kind: FaultKind
    count: int | None = None  # how many matching requests it hits; None with probability
    probability: float | None = None
    status: int | None = None
    retry_after: float | None = None
    seconds: float | None = None
    method: str | None = None  # only requests with this method
    path: str | None = None  # only requests whose path contains this
    after: bool = False  # let the network do the work first, then fail the answer
    error: dict[str, Any] | None = None  # merged into the network's error body
    hits: int = 0

    @classmethod
    def from_spec(cls, fault_id: int, spec: Mapping[str, Any], networks: set[str]) -> Fault:
        network = spec.get("network")
        if network not in networks:
            raise FaultError(f"network must be one of {sorted(networks)}")
        try:
            kind = FaultKind(spec.get("kind"))
        except ValueError:
            raise FaultError(f"kind must be one of {[k.value for k in FaultKind]}") from None
        probability = spec.get("probability")
        count = spec.get("count")
        if probability is not None:
            probability = float(probability)
            if not 0 <= probability <= 1:
                raise FaultError("probability must be between 0 and 1")
        elif count is None:
            count = 1
        status = spec.get("status")
        if kind == FaultKind.status:
            status = int(status or 503)
            if not 400 <= status <= 599:
                raise FaultError("status must be an HTTP error status (400-599)")
        seconds = spec.get("seconds")
        if seconds is None:
            seconds = {FaultKind.latency: 1.0, FaultKind.timeout: 60.0}.get(kind)
        error = spec.get("error")
        if error is not None and not isinstance(error, dict):
            raise FaultError("error must be an object")
        return cls(
            id=fault_id,
            network=network,
            kind=kind,
            count=None if count is None else int(count),
            probability=probability,
            status=status,
            retry_after=None if spec.get("retry_after") is None else float(spec["retry_after"]),
            seconds=None if seconds is None else float(seconds),
            method=(spec.get("method") or None) and str(spec["method"]).upper(),
            path=spec.get("path") or None,
            after=bool(spec.get("after", False)),
            error=error,
        )

    def matches(self, network: str, method: str, path: str) -> bool:
        return (
            self.network == network
            and (self.method is None or self.method == method)
            and (self.path is None or self.path in path)
        )

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


# ---------------------------------------------------------------------------------------------
# The request log


@dataclass
class LoggedRequest:
    seq: int
    network: str
    method: str
    path: str
    query: str
    started_at: datetime
    status: int | str | None = None  # HTTP status, or "dropped" / "timeout"
    fault: str | None = None
    duration_ms: float | None = None
    _start: float = field(default_factory=time.monotonic, repr=False)

    def public(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "network": self.network,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "fault": self.fault,
            "time": self.started_at.isoformat().replace("+00:00", "Z"),
            "duration_ms": self.duration_ms,
        }


# ---------------------------------------------------------------------------------------------
# The state


class SandboxState:
    """Everything the sandbox holds, thread-safe. :meth:`reset` returns to an empty world."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.accounts: dict[tuple[str, str], Account] = {}
            self.tokens: dict[tuple[str, str], str] = {}
            self.posts: dict[tuple[str, str], Post] = {}
            self.media: dict[tuple[str, str], Media] = {}
            self.faults: list[Fault] = []
            self.expired: set[str] = set()
            self.log: list[LoggedRequest] = []
            self._buckets: dict[str, dict[Any, Any]] = {}
            self._fault_ids = itertools.count(1)
            self._log_seq = itertools.count(1)
            self._citizens = itertools.count(1)
            self.release_held()

    # -- ids ----------------------------------------------------------------------------------

    def snowflake(self) -> str:
        """An id shaped like X's: time-ordered, 18-19 digits."""
        ms = int(time.time() * 1000) - SNOWFLAKE_EPOCH_MS
        return str((ms << 22) | (next(self._ids) & 0x3FFFFF))

    def number(self, digits: int = 15) -> str:
        """A Graph-style numeric id, unique in this process."""
        return str(10 ** (digits - 1) + int(time.time()) % 10**6 * 10**6 + next(self._ids))

    # -- accounts -----------------------------------------------------------------------------

    def account(self, network: str, account_id: str, **defaults: Any) -> Account:
        """The account with this id, created the first time it is seen."""
        with self.lock:
            key = (network, account_id)
            if key not in self.accounts:
                from hub.sandbox.engagement import starting_followers

                defaults.setdefault("followers", starting_followers(self, network))
                self.accounts[key] = Account(
                    network=network,
                    id=account_id,
                    username=defaults.pop("username", None) or f"sandbox_{account_id[-6:]}",
                    name=defaults.pop("name", None) or f"Sandbox {account_id[-6:]}",
                    **defaults,
                )
            return self.accounts[key]

    def put_account(self, account: Account, token: str | None = None) -> Account:
        with self.lock:
            self.accounts[(account.network, account.id)] = account
            if token:
                self.tokens[(account.network, token)] = account.id
            return account

    def account_for_token(self, network: str, token: str, account_id: str | None = None) -> Account:
        """The account a token acts for: bound the first time the token is seen."""
        with self.lock:
            bound = self.tokens.get((network, token))
            if bound is None:
                bound = account_id or self.snowflake()
                self.tokens[(network, token)] = bound
            return self.account(network, bound)

    def citizen(
        self, network: str, name: str | None = None, username: str | None = None
    ) -> Account:
        """A simulated member of the public (commenter)."""
        with self.lock:
            n = next(self._citizens)
            account = Account(
                network=network,
                id=self.snowflake() if network == "x" else self.number(),
                username=username or f"buerger_{n}",
                name=name or f"Bürgerin {n}",
                is_citizen=True,
            )
            return self.put_account(account)

    # -- posts and media ----------------------------------------------------------------------

    def add_post(self, post: Post) -> Post:
        with self.lock:
            self.posts[(post.network, post.id)] = post
            return post

    def post(self, network: str, post_id: str) -> Post | None:
        with self.lock:
            return self.posts.get((network, post_id))

    def posts_of(self, network: str | None = None) -> list[Post]:
        with self.lock:
            return [p for p in self.posts.values() if network is None or p.network == network]

    def add_media(self, media: Media) -> Media:
        with self.lock:
            self.media[(media.network, media.id)] = media
            return media

    def get_media(self, network: str, media_id: str) -> Media | None:
        with self.lock:
            return self.media.get((network, media_id))

    def bucket(self, name: str) -> dict[Any, Any]:
        """A module's own scratch space (an index, counters), emptied by :meth:`reset`."""
        with self.lock:
            return self._buckets.setdefault(name, {})

    # -- faults -------------------------------------------------------------------------------

    def add_fault(self, spec: Mapping[str, Any], networks: set[str]) -> Fault:
        with self.lock:
            fault = Fault.from_spec(next(self._fault_ids), spec, networks)
            if fault.kind == FaultKind.expired_token:
                # Sticky: a revoked token stays revoked until someone clears the faults.
                self.expired.add(fault.network)
            else:
                self.faults.append(fault)
            return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.expired.clear()
            self.release_held()

    def take_fault(self, network: str, method: str, path: str) -> Fault | None:
        """The first fault that hits this request (and count it), or None."""
        with self.lock:
            for fault in self.faults:
                if not fault.matches(network, method, path):
                    continue
                if fault.probability is not None:
                    if random.random() >= fault.probability:
                        continue
                else:
                    fault.count = (fault.count or 0) - 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                fault.hits += 1
                return fault
            return None

    def is_expired(self, network: str) -> bool:
        with self.lock:
            return network in self.expired

    # -- holding requests ---------------------------------------------------------------------

    def hold(self, seconds: float) -> None:
        """Keep a request waiting; a reset, cleared faults or shutdown let it go early."""
        with self.lock:
            release = self._release
        release.wait(seconds)

    def release_held(self) -> None:
        with self.lock:
            self._release.set()
            self._release = threading.Event()

    # -- the request log ----------------------------------------------------------------------

    def log_start(self, network: str, method: str, path: str, query: str) -> LoggedRequest:
        with self.lock:
            entry = LoggedRequest(
                seq=next(self._log_seq),
                network=network,
                method=method,
                path=path,
                query=query,
                started_at=utcnow(),
            )
            self.log.append(entry)
            if len(self.log) > MAX_LOG:
                del self.log[: len(self.log) - MAX_LOG]
            return entry

    def log_end(self, entry: LoggedRequest, status: int | str) -> None:
        with self.lock:
            entry.status = status
            entry.duration_ms = round((time.monotonic() - entry._start) * 1000, 1)

    def requests(self, network: str | None = None) -> Iterator[LoggedRequest]:
        with self.lock:
            entries = list(self.log)
        return (e for e in entries if network is None or e.network == network)


# ---------------------------------------------------------------------------------------------
# What a network module provides


class NetworkApi(ABC):
    """One API's wire protocol. The server picks the API by path, asks it which network a
    request belongs to (for faults and the log), then lets it answer."""

    #: the networks this API serves (the Graph API serves Facebook and, later, Instagram)
    networks: tuple[str, ...]

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def remote_id(self, post: Post) -> str:
        """The id the network's API gives this post or comment, the one hub stores. The same as
        the sandbox's own id, except where the network's id cannot name a control path."""
        return post.id

    @abstractmethod
    def claims(self, path: str) -> bool:
        """Is this path part of this API?"""

    @abstractmethod
    def network_of(self, request: Request) -> str:
        """Which network the request is for."""

    @abstractmethod
    def token_of(self, request: Request) -> str | None:
        """The access token the request carries, if any."""

    @abstractmethod
    def handle(self, request: Request, network: str, token: str) -> Response:
        """Answer an authenticated request."""

    @abstractmethod
    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        """The network's own error answer for an HTTP status (used by faults)."""

    @abstractmethod
    def expired_response(self, network: str) -> Response:
        """The network's answer to an expired or revoked token."""

    def missing_token_response(self, network: str) -> Response:
        return self.error_response(network, 401)

    @abstractmethod
    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A simulated citizen comments on (replies to) one of the posts."""
