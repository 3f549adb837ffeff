"""Bluesky: publish, look up, read and answer replies, hide them, read figures (AT Protocol).

Built on the ``atproto`` SDK's :class:`~atproto.Client` (XRPC over httpx), talking to the PDS
that holds the account (``access.base_url``: the sandbox or a proxy; otherwise the PDS the
session names, ``https://bsky.social`` at first).

- **Exactly once by record key.** A post is ``com.atproto.repo.createRecord`` with an ``rkey``
  derived from the delivery (:func:`record_key`: a valid TID made of the first attempt's second
  and the delivery id), so every attempt writes the same key. A second attempt cannot make a
  second post: the PDS refuses a key that exists (today with HTTP 500, see
  bluesky-social/atproto#4728), and :meth:`find_published` reads the record back by its key.
  Replies get a key derived from the moderation action's idempotency key the same way.
- **Rich text.** Links, ``@handle`` mentions and ``#tags`` become facets with UTF-8 byte
  offsets (Bluesky does not find them itself); a link gets a card (``app.bsky.embed.external``)
  unless images take the post's one embed. Up to four images with alt text; an image over the
  1,000,000-byte blob limit of ``app.bsky.embed.images`` is scaled down first.
- **The session is kept.** ``createSession`` (app password) is limited to 30 calls in five
  minutes and 300 a day per account, so hub logs in once and keeps the session: the access and
  refresh JWTs are stored encrypted in the channel's credentials and renewed with
  ``refreshSession`` by :mod:`hub.publishing.tokens` (ahead of expiry and after an
  ``ExpiredToken``), which stores the rotated refresh token under the channel's row lock. The
  SDK's own refresh is switched off (:class:`SessionClient`): it would spend the refresh token
  where nobody keeps its successor.
- **The inbox.** Replies from ``getPostThread`` of each post; mentions and quotes from
  ``listNotifications`` (after the newest one seen). Hiding is the threadgate's
  ``hiddenReplies`` on our root post; only our own replies can be deleted.

Credentials: ``handle`` (or the account's DID) and ``app_password``; the session hub keeps:
``access_token`` (accessJwt), ``refresh_token`` (refreshJwt), ``access_token_expires_at``,
``did`` and ``pds``.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from atproto import Client, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    AtProtocolError,
    InvokeTimeoutError,
    NetworkError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_server.auth.jwt import get_jwt_payload
from flask_babel import gettext as _

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    ChannelAccess,
    CommentPage,
    Connector,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    Transient,
    Unsupported,
    comparable,
    missing_file,
    parse_time,
    round_done,
    round_left,
)
from hub.connectors.http import retry_after_seconds
from hub.models import Network
from hub.publishing.rules import RULES
from hub.publishing.tokens import REFUSED, LoginRefresh

PDS = "https://bsky.social"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
# app.bsky.embed.images: image blobs of at most 1,000,000 bytes.
MAX_IMAGE_BYTES = 1_000_000
MAX_ALT = 2000  # graphemes the Bluesky app allows for alt text
# The office's language when the editor chose none (``langs`` option).
DEFAULT_LANGS = ("de",)
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Keys made without a first attempt's time (tests, a delivery from before hub kept it) count
# from this moment, so they are valid TIDs all the same.
TID_FALLBACK_EPOCH = 1_672_531_200  # 2023-01-01T00:00:00Z
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"})
GONE_ERRORS = frozenset({"RecordNotFound", "NotFound", "InvalidRequest"})
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'\u2019]")
MENTION = re.compile(r"(?<![\w@/])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z]{2,})")
TAG = re.compile(r"(?<![\w&#])#([^\s#.,;:!?()\[\]\"'\u2019]{1,64})")
NOTIFIED = ("mention", "quote", "reply")
THREAD_DEPTH = 1000  # getPostThread's maximum: the whole tree in one call


def tid(microseconds: int, clock_id: int = 0) -> str:
    """A TID: 64 bits (the top one zero), 53 of microseconds since 1970 and 10 of clock id,
    as 13 characters of the sortable base32 alphabet."""
    value = ((microseconds & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (60 - 5 * i)) & 0x1F] for i in range(13))


def record_key(delivery_id: int, first_attempt: datetime | None) -> str:
    """The post's record key, the same for every attempt of one delivery: the first attempt's
    second with the delivery id in its microseconds (and clock id), so two deliveries never
    share one and the key sorts near the time the post was made."""
    second = (
        int(first_attempt.replace(tzinfo=first_attempt.tzinfo or UTC).timestamp())
        if first_attempt is not None
        else TID_FALLBACK_EPOCH
    )
    return tid(second * 1_000_000 + delivery_id % 1_000_000, delivery_id // 1_000_000)


def key_for(idempotency_key: str) -> str:
    """A record key derived from any idempotency key (our replies): a TID whose time part is a
    hash of it, so the same request always writes the same key."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    # Between 2023 and about 2065: a plausible TID whatever the hash.
    micros = (TID_FALLBACK_EPOCH * 1_000_000) + digest % (1 << 50)
    return tid(micros, digest >> 54)


def at_uri(did: str, collection: str, rkey: str) -> str:
    return f"at://{did}/{collection}/{rkey}"


def split_uri(uri: str) -> tuple[str, str, str]:
    """``at://did/collection/rkey`` -> (did, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3:
        raise Rejected(_("This is not a Bluesky post."), detail=uri)
    return parts[0], parts[1], parts[2]


def post_url(handle_or_did: str, uri: str) -> str:
    return f"https://bsky.app/profile/{handle_or_did}/post/{split_uri(uri)[2]}"


def byte_slice(text: str, start: int, end: int) -> models.AppBskyRichtextFacet.ByteSlice:
    """Facets count UTF-8 bytes, not characters."""
    return models.AppBskyRichtextFacet.ByteSlice(
        byte_start=len(text[:start].encode()), byte_end=len(text[:end].encode())
    )


def expires_at(jwt: str) -> datetime | None:
    """When an access JWT expires, read from its ``exp`` (not verified: the PDS does that)."""
    try:
        exp = get_jwt_payload(jwt).exp
    except Exception:
        return None
    return datetime.fromtimestamp(exp, UTC) if exp else None


def shrink(data: bytes, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """An image of more than ``limit`` bytes as a JPEG that fits, scaled down as far as needed
    (as the Bluesky app does before uploading)."""
    if len(data) <= limit:
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    scale = 1.0
    for _attempt in range(12):
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        out = io.BytesIO()
        image.resize(size).save(out, "JPEG", quality=85, optimize=True)
        if out.tell() <= limit:
            return out.getvalue()
        scale *= 0.75
    return out.getvalue()


class SessionClient(Client):
    """The SDK's client, resumed from the session hub stored, without refreshing on its own:
    hub renews the session (:mod:`hub.publishing.tokens`) and keeps the rotated refresh token;
    a refresh in here would spend it unseen."""

    def _should_refresh_session(self) -> bool:
        return False

    def resume(self, session: Session) -> None:
        self._set_session(SessionEvent.IMPORT, session)


class BlueskyConnector(Connector):
    network = Network.bluesky.value
    api = "bluesky"
    rules = RULES[Network.bluesky]
    capabilities = frozenset(
        {
            Capability.publish_text,
            Capability.publish_link,
            Capability.publish_image,
            Capability.publish_images,
            Capability.alt_text,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_own_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    # getPosts takes at most 25 URIs; listNotifications at most 100 a page.
    posts_per_lookup: ClassVar[int] = 25

    def __init__(
        self,
        access: ChannelAccess,
        *,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(access, timeout=timeout)
        self.transport = transport  # tests: recorded answers through the real SDK
        self._client: SessionClient | None = None

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def identifier(self) -> str:
        creds = self.access.credentials
        return str(creds.get("handle") or creds.get("did") or self.access.external_id)

    def _pds(self) -> str:
        return self.access.base_url or str(self.access.credentials.get("pds") or PDS)

    def _new_client(self) -> SessionClient:
        read, connect = self.timeout, min(self.connect_timeout, self.timeout)
        from atproto_client.request import Request

        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(read, connect=connect)}
        if self.transport is not None:
            kwargs["transport"] = self.transport
        return SessionClient(self._pds(), request=Request(**kwargs))

    @property
    def client(self) -> SessionClient:
        """A client on the stored session; :class:`AuthExpired` when there is none yet (hub's
        token renewal then logs in once and stores it)."""
        if self._client is None:
            creds = self.access.credentials
            if not creds.get("access_token") or not creds.get("did"):
                if creds.get("app_password") and not creds.get(REFUSED):
                    # hub's login with the app password failed for now (its own limit, the
                    # network): the next attempt logs in again.
                    raise Transient(
                        _("hub could not log in to Bluesky just now; it tries again later.")
                    )
                raise AuthExpired(
                    _("Bluesky refused the app password of this channel; connect it again.")
                    if creds.get(REFUSED)
                    else _("This Bluesky channel has no app password; connect it again.")
                )
            client = self._new_client()
            client.resume(
                Session(
                    handle=str(creds.get("handle") or creds["did"]),
                    did=str(creds["did"]),
                    access_jwt=str(creds["access_token"]),
                    refresh_jwt=str(creds.get("refresh_token") or ""),
                    pds_endpoint=self._pds(),
                )
            )
            self._client = client
        return self._client

    @property
    def did(self) -> str:
        return str(self.access.credentials.get("did") or self.access.external_id)

    @property
    def handle(self) -> str:
        return str(self.access.credentials.get("handle") or self.did)

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn what the SDK raises into hub's typed errors."""
        try:
            yield
        except InvokeTimeoutError as exc:
            raise Transient(
                _(
                    "%(network)s did not answer within %(seconds)s seconds; hub tries again.",
                    network="Bluesky",
                    seconds=f"{self.timeout:g}",
                ),
                detail=repr(exc),
            ) from exc
        except RequestErrorBase as exc:
            raise self._typed(exc, what) from exc
        except AtProtocolError as exc:  # a model the SDK could not read
            raise Transient(
                _(
                    "%(network)s sent an answer hub could not read; hub tries again.",
                    network="Bluesky",
                ),
                detail=repr(exc),
            ) from exc

    def _typed(self, exc: RequestErrorBase, what: str) -> Exception:
        response = exc.response
        if response is None:  # no answer at all
            return Transient(
                _("The connection to %(network)s failed; hub tries again.", network="Bluesky"),
                detail=repr(exc.__cause__ or exc),
            )
        content = response.content
        error = str(getattr(content, "error", "") or "")
        message = str(getattr(content, "message", "") or "")
        detail = f"HTTP {response.status_code} {what}: {error} {message}".strip()
        status = response.status_code
        if status == 429:
            return RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network="Bluesky",
                ),
                detail=detail,
                retry_after=rate_limit_wait(response.headers),
            )
        if error in AUTH_ERRORS or isinstance(exc, UnauthorizedError):
            return AuthExpired(
                _("The Bluesky session of this channel has expired or was revoked."),
                detail=detail,
            )
        if status >= 500 or (isinstance(exc, NetworkError) and status != 413):
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network="Bluesky",
                    status=status,
                ),
                detail=detail,
            )
        return Rejected(
            _(
                "%(network)s refused %(what)s: %(reason)s",
                network="Bluesky",
                what=what,
                reason=message or error or f"HTTP {status}",
            ),
            detail=detail,
        )

    # -- login --------------------------------------------------------------------------------

    def refresh_login(self) -> LoginRefresh:
        """A fresh session to store: ``refreshSession`` with the stored refresh JWT, else (none
        stored, or the PDS refused it) ``createSession`` with the app password, once. The login
        has no end of its own while it is renewed (``expires_at`` None); the access JWT's end
        is ``access_token_expires_at``."""
        creds = self.access.credentials
        client = self._new_client()
        if creds.get("refresh_token"):
            try:
                with self.errors(_("renewing the session")):
                    session = client.com.atproto.server.refresh_session(
                        headers={"Authorization": f"Bearer {creds['refresh_token']}"},
                        ignore_session_check=True,
                    )
                return self._stored(session, client)
            except AuthExpired:
                if not creds.get("app_password"):
                    raise
        if not creds.get("app_password"):
            raise AuthExpired(_("This Bluesky channel has no app password; connect it again."))
        with self.errors(_("the login")):
            try:
                session = client.com.atproto.server.create_session(
                    models.ComAtprotoServerCreateSession.Data(
                        identifier=self.identifier, password=str(creds["app_password"])
                    ),
                    ignore_session_check=True,
                )
            except UnauthorizedError as exc:
                raise AuthExpired(
                    _("Bluesky refused the app password of this channel; connect it again."),
                    detail=repr(getattr(exc.response, "content", exc)),
                ) from exc
        return self._stored(session, client)

    def _stored(self, session: Any, client: SessionClient) -> LoginRefresh:
        client._set_session(SessionEvent.REFRESH, session)  # reads the PDS from the DID document
        expiry = expires_at(session.access_jwt)
        fresh = {
            "access_token": session.access_jwt,
            "refresh_token": session.refresh_jwt,
            "access_token_expires_at": expiry.isoformat() if expiry else None,
            "did": session.did,
            "handle": session.handle,
            "pds": client._session.pds_endpoint if client._session else None,
        }
        return LoginRefresh(fresh, None)

    def check_connection(self) -> str:
        with self.errors(_("the login check")):
            profile = self.client.app.bsky.actor.get_profile({"actor": self.did})
        return f"@{profile.handle}"

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        rkey = record_key(post.delivery_id, post.not_before)
        record = self._record(post)
        return self._create(rkey, record, _("the post"))

    def find_published(self, post: OutgoingPost) -> Published | None:
        return self._existing(record_key(post.delivery_id, post.not_before))

    def _create(self, rkey: str, record: Any, what: str) -> Published:
        """createRecord under ``rkey``; if the PDS fails (it answers a key that exists with a
        500) or the answer is lost, whether the record is there decides."""
        try:
            with self.errors(what):
                created = self.client.com.atproto.repo.create_record(
                    {"repo": self.did, "collection": POST, "rkey": rkey, "record": record}
                )
        except Transient:
            found = self._existing(rkey)
            if found is None:
                raise
            return found
        return Published(remote_id=created.uri, url=post_url(self.handle, created.uri))

    def _existing(self, rkey: str) -> Published | None:
        uri = at_uri(self.did, POST, rkey)
        try:
            with self.errors(_("the lookup")):
                self.client.com.atproto.repo.get_record(
                    {"repo": self.did, "collection": POST, "rkey": rkey}
                )
        except Rejected as exc:
            if _error_name(exc) in GONE_ERRORS:
                return None
            raise
        return Published(remote_id=uri, url=post_url(self.handle, uri))

    def _record(
        self, post: OutgoingPost, reply: models.AppBskyFeedPost.ReplyRef | None = None
    ) -> models.AppBskyFeedPost.Record:
        text = post.text
        langs = list(post.options.get("langs") or DEFAULT_LANGS)[:3]
        embed: Any = None
        if post.media:
            embed = models.AppBskyEmbedImages.Main(
                images=[self._image(media) for media in post.media[:4]]
            )
        elif post.link:
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=post.link,
                    title=post.title or _link_title(post.link),
                    description="",
                )
            )
        return models.AppBskyFeedPost.Record(
            text=text,
            created_at=self.client.get_current_time_iso(),
            facets=self.facets(text) or None,
            embed=embed,
            langs=langs,
            reply=reply,
        )

    def _image(self, media: MediaFile) -> models.AppBskyEmbedImages.Image:
        try:
            data = media.path.read_bytes()
        except OSError as exc:
            raise missing_file(media, exc) from exc
        with self.errors(_("the upload")):
            blob = self.client.upload_blob(shrink(data)).blob
        ratio = (
            models.AppBskyEmbedDefs.AspectRatio(width=media.width, height=media.height)
            if media.width and media.height
            else None
        )
        return models.AppBskyEmbedImages.Image(
            alt=(media.alt_text or "")[:MAX_ALT], image=blob, aspect_ratio=ratio
        )

    def facets(self, text: str) -> list[models.AppBskyRichtextFacet.Main]:
        """Links, mentions (of handles that resolve) and hashtags, with UTF-8 byte offsets."""
        found: list[models.AppBskyRichtextFacet.Main] = []
        taken: list[tuple[int, int]] = []
        for match in URL.finditer(text):
            taken.append(match.span())
            found.append(
                models.AppBskyRichtextFacet.Main(
                    index=byte_slice(text, *match.span()),
                    features=[models.AppBskyRichtextFacet.Link(uri=match.group(0))],
                )
            )

        def free(span: tuple[int, int]) -> bool:
            return all(span[1] <= a or span[0] >= b for a, b in taken)

        for match in MENTION.finditer(text):
            if not free(match.span()):
                continue
            did = self._resolve(match.group(1))
            if did:
                found.append(
                    models.AppBskyRichtextFacet.Main(
                        index=byte_slice(text, *match.span()),
                        features=[models.AppBskyRichtextFacet.Mention(did=did)],
                    )
                )
        for match in TAG.finditer(text):
            if free(match.span()) and not match.group(1).isdigit():
                found.append(
                    models.AppBskyRichtextFacet.Main(
                        index=byte_slice(text, *match.span()),
                        features=[models.AppBskyRichtextFacet.Tag(tag=match.group(1))],
                    )
                )
        return sorted(found, key=lambda facet: facet.index.byte_start)

    def _resolve(self, handle: str) -> str | None:
        """The DID of ``handle``, or None where it does not resolve (no mention then, as in the
        Bluesky app)."""
        try:
            with self.errors(_("the mention")):
                return str(self.client.com.atproto.identity.resolve_handle({"handle": handle}).did)
        except Rejected:
            return None

    # -- the inbox ----------------------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Replies under ``posts`` (one ``getPostThread`` each: the whole tree) and, on
        incremental calls, mentions and quotes from ``listNotifications``.

        Cursor: ``{"notifications": {"seen": newest indexedAt read}, "round": ...}``.
        """
        notifications = dict(cursor.get("notifications") or {})
        wanted = [*([] if full else ["@notifications"]), *posts]
        done = round_done(cursor, full)
        todo = [key for key in wanted if key not in done] or wanted
        found: dict[str, RemoteComment] = {}
        complete: list[str] = []
        budget = self.comment_pages
        for key in todo:
            if budget <= 0:
                break
            if key == "@notifications":
                notifications, used, finished = self._notifications(notifications, budget, found)
                budget -= used
            else:
                budget -= 1
                if self._thread(key, found):
                    complete.append(key)
                finished = True
            if finished:
                done.add(key)
        more = any(key not in done for key in wanted)
        return CommentPage(
            items=list(found.values()),
            cursor={
                "notifications": notifications,
                "round": round_left(full, done, wanted) if more else {},
            },
            more=more,
            complete=complete if full else (),
        )

    def _thread(self, uri: str, found: dict[str, RemoteComment]) -> bool:
        """Every reply under our post ``uri``; False if the post is gone."""
        try:
            with self.errors(_("reading replies")):
                answer = self.client.app.bsky.feed.get_post_thread(
                    {"uri": uri, "depth": THREAD_DEPTH, "parent_height": 0}
                )
        except Rejected as exc:
            if _error_name(exc) == "NotFound":
                return False
            raise
        thread = answer.thread
        gate = getattr(getattr(thread, "post", None), "threadgate", None)
        hidden = set(getattr(getattr(gate, "record", None), "hidden_replies", None) or [])
        stack = list(getattr(thread, "replies", None) or [])
        while stack:
            node = stack.pop()
            view = getattr(node, "post", None)
            if view is None:  # a reply that is blocked or gone
                continue
            found[view.uri] = self._comment(view, hidden=view.uri in hidden)
            stack.extend(getattr(node, "replies", None) or [])
        return True

    def _notifications(
        self, position: Mapping[str, Any], budget: int, found: dict[str, RemoteComment]
    ) -> tuple[dict[str, Any], int, bool]:
        """Mentions, quotes and replies newer than ``position["seen"]``, newest first, until
        an older one or the budget ends. Replies under our posts come with their thread too;
        here they also catch replies to posts hub no longer looks at."""
        seen = position.get("seen")
        page_cursor = position.get("cursor")
        newest = position.get("newest")
        used = 0
        while used < budget:
            used += 1
            params: dict[str, Any] = {"limit": 100, "reasons": list(NOTIFIED)}
            if page_cursor:
                params["cursor"] = page_cursor
            with self.errors(_("reading mentions")):
                page = self.client.app.bsky.notification.list_notifications(params)
            ended = False
            for item in page.notifications:
                if seen and item.indexed_at <= seen:
                    ended = True
                    break
                newest = max(newest or item.indexed_at, item.indexed_at)
                if item.reason in NOTIFIED:
                    found[item.uri] = self._comment_from_notification(item)
            page_cursor = page.cursor
            if ended or not page_cursor or not page.notifications:
                return {"seen": newest or seen}, used, True
        return {"seen": seen, "cursor": page_cursor, "newest": newest}, used, False

    def _comment(self, view: Any, *, hidden: bool | None = None) -> RemoteComment:
        record = view.record
        reply = getattr(record, "reply", None)
        root = reply.root.uri if reply else view.uri
        parent = reply.parent.uri if reply else None
        author = view.author
        return RemoteComment(
            remote_id=view.uri,
            text=getattr(record, "text", "") or "",
            created_at=parse_time(getattr(record, "created_at", None))
            or parse_time(view.indexed_at)
            or datetime.now(UTC),
            author_name=author.display_name or author.handle,
            author_handle=author.handle,
            author_id=author.did,
            post_remote_id=root,
            parent_remote_id=parent if parent and parent != root else None,
            is_own=author.did == self.did,
            hidden=hidden,
            url=post_url(author.handle, view.uri),
        )

    def _comment_from_notification(self, item: Any) -> RemoteComment:
        return self._comment(item)

    def _view(self, uri: str) -> Any:
        with self.errors(_("the lookup")):
            views = self.client.app.bsky.feed.get_posts({"uris": [uri]}).posts
        if not views:
            raise Rejected(_("This Bluesky post no longer exists."), detail=uri)
        return views[0]

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        parent = self._view(comment_remote_id)
        ref = models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid)
        above = getattr(parent.record, "reply", None)
        root = above.root if above else ref
        record = self._record(
            OutgoingPost(delivery_id=0, text=text),
            reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=ref),
        )
        return self._create(key_for(idempotency_key), record, _("the reply")).remote_id

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        with self.errors(_("the lookup")):
            thread = self.client.app.bsky.feed.get_post_thread(
                {"uri": comment_remote_id, "depth": 1, "parent_height": 0}
            ).thread
        wanted = comparable(text)
        for node in getattr(thread, "replies", None) or []:
            view = getattr(node, "post", None)
            if view is None or view.author.did != self.did:
                continue
            made = parse_time(getattr(view.record, "created_at", None))
            if since and made and made < since:
                continue
            if comparable(getattr(view.record, "text", "")) == wanted:
                return str(view.uri)
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        """Hide a reply in the threadgate of our root post (``hiddenReplies``)."""
        view = self._view(comment_remote_id)
        reply = getattr(view.record, "reply", None)
        if reply is None:
            raise Unsupported(_("On Bluesky only replies under our posts can be hidden."))
        root = reply.root.uri
        did, _collection, rkey = split_uri(root)
        if did != self.did:
            raise Unsupported(_("On Bluesky only replies under our posts can be hidden."))
        gate = self._threadgate(rkey)
        hidden_now = list(gate.get("hiddenReplies") or [])
        if (comment_remote_id in hidden_now) == hidden:
            return
        if hidden:
            hidden_now.append(comment_remote_id)
        else:
            hidden_now.remove(comment_remote_id)
        record = {
            **gate,
            "$type": THREADGATE,
            "post": root,
            "createdAt": gate.get("createdAt") or self.client.get_current_time_iso(),
            "hiddenReplies": hidden_now[-300:],  # the lexicon keeps at most 300
        }
        with self.errors(_("hiding the reply")):
            self.client.com.atproto.repo.put_record(
                {"repo": self.did, "collection": THREADGATE, "rkey": rkey, "record": record}
            )

    def _threadgate(self, rkey: str) -> dict[str, Any]:
        """Our post's threadgate record as stored (empty when it has none)."""
        try:
            with self.errors(_("the lookup")):
                found = self.client.com.atproto.repo.get_record(
                    {"repo": self.did, "collection": THREADGATE, "rkey": rkey}
                )
        except Rejected as exc:
            if _error_name(exc) in GONE_ERRORS:
                return {}
            raise
        from atproto_client.models.utils import get_model_as_dict

        value = found.value
        return dict(value if isinstance(value, Mapping) else get_model_as_dict(value))

    def delete_comment(self, comment_remote_id: str) -> None:
        did, collection, rkey = split_uri(comment_remote_id)
        if did != self.did:
            raise Unsupported(_("On Bluesky hub can delete only its own replies."))
        with self.errors(_("deleting the reply")):
            self.client.com.atproto.repo.delete_record(
                {"repo": did, "collection": collection, "rkey": rkey}
            )

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        figures: dict[str, PostMetrics] = {}
        uris = list(dict.fromkeys(remote_ids))
        for start in range(0, len(uris), self.posts_per_lookup):
            with self.errors(_("the figures")):
                views = self.client.app.bsky.feed.get_posts(
                    {"uris": uris[start : start + self.posts_per_lookup]}
                ).posts
            for view in views:
                raw = {
                    "likeCount": view.like_count,
                    "repostCount": view.repost_count,
                    "replyCount": view.reply_count,
                    "quoteCount": view.quote_count,
                }
                shares = (
                    (view.repost_count or 0) + (view.quote_count or 0)
                    if view.repost_count is not None or view.quote_count is not None
                    else None
                )
                figures[view.uri] = PostMetrics(
                    likes=view.like_count, comments=view.reply_count, shares=shares, raw=raw
                )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the account figures")):
            profile = self.client.app.bsky.actor.get_profile({"actor": self.did})
        raw = {
            "followersCount": profile.followers_count,
            "followsCount": profile.follows_count,
            "postsCount": profile.posts_count,
        }
        return AccountMetrics(followers=profile.followers_count, raw=raw)


def rate_limit_wait(headers: Mapping[str, Any]) -> float | None:
    """Seconds until the PDS takes the call again: ``Retry-After``, else ``RateLimit-Reset``
    (epoch seconds, as the PDS sends it)."""
    import time

    seconds = retry_after_seconds(headers.get("retry-after"))
    if seconds is not None:
        return seconds
    reset = str(headers.get("ratelimit-reset") or "")
    if reset.isdigit():
        return max(1.0, int(reset) - time.time())
    return None


def _error_name(exc: Exception) -> str:
    """The XRPC error name a typed error came from (``RecordNotFound``)."""
    cause = exc.__cause__
    content = getattr(getattr(cause, "response", None), "content", None)
    return str(getattr(content, "error", "") or "")


def _link_title(link: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", link).split("/")[0]
