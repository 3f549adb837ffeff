"""Threads profiles in the sandbox: graph.threads.net, served under ``/graph.threads.net``.

The Threads API is the Graph API's twin on its own host, so this module reuses the sandbox's
Graph ground (:mod:`hub.sandbox.graph`: the error body, ``fields`` picking, cursor paging,
usage headers, faults) and adds what Threads answers (Meta's Threads API reference):

- ``GET /v1.0/{user-id}`` and ``/v1.0/me`` (``id``, ``username``, ``name``,
  ``threads_profile_picture_url``, ``threads_biography``);
- ``POST /v1.0/{user-id}/threads``: a container, ``media_type`` ``TEXT`` (``text``, 500
  characters), ``IMAGE`` (``image_url``), ``VIDEO`` (``video_url``), each with ``alt_text``;
  ``is_carousel_item``; ``CAROUSEL`` + ``children`` (2 to 20); ``reply_to_id`` (a reply);
  ``reply_control``. Threads fetches media itself, so the sandbox downloads the URL in the
  background: ``IN_PROGRESS`` until the bytes are in and checked, then ``FINISHED`` or
  ``ERROR`` with an ``error_message`` (``FAILED_DOWNLOADING_VIDEO``, ``UNKNOWN``, ...);
- ``GET /v1.0/{container-id}?fields=status,error_message`` (``EXPIRED`` after 24 hours);
- ``POST /v1.0/{user-id}/threads_publish`` (``creation_id``): 250 posts per 24 hours (code 4,
  "Application request limit reached", beyond), shown by
  ``GET /v1.0/{user-id}/threads_publishing_limit`` (``quota_usage``, ``config``, and the
  replies' ``reply_quota_usage``/``reply_config``, 1,000);
- ``GET /v1.0/{user-id}/threads`` (newest first, ``since``/``until``, ``limit``, ``after``),
  ``GET /v1.0/{thread-id}``, ``DELETE /v1.0/{thread-id}`` (only the caller's own threads and
  replies: ``{"success": true, "deleted_id"}``);
- ``GET /v1.0/{thread-id}/replies`` (direct replies) and ``/conversation`` (every depth,
  flattened), ``reverse`` (default ``true``: newest first), with ``hide_status``,
  ``root_post``, ``replied_to``, ``is_reply_owned_by_me``;
- ``POST /v1.0/{reply-id}/manage_reply`` (``hide``): top-level replies only;
- ``GET /v1.0/{thread-id}/insights?metric=views,likes,replies,reposts,quotes,shares``
  (lifetime ``values``) and ``GET /v1.0/{user-id}/threads_insights?metric=...``
  (``followers_count``, ``likes``, ... as ``total_value``; ``views`` as a day series);
- ``GET /refresh_access_token?grant_type=th_refresh_token`` and ``GET
  /access_token?grant_type=th_exchange_token`` (unversioned): a new ``TH...`` token for the
  same profile, ``expires_in`` about 60 days.

Faults for processing, which is no HTTP request: a fault on network ``threads`` with method
``PROCESS`` is taken when a container starts processing: ``kind=timeout`` keeps it
``IN_PROGRESS``; ``kind=status`` ends it in ``ERROR`` (``error.message`` as its
``error_message``).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from hub.sandbox.core import Account, FaultKind, Media, Post, SandboxState, json_response, utcnow
from hub.sandbox.engagement import figures
from hub.sandbox.fetching import FetchedContainers, download
from hub.sandbox.graph import (
    THREADS_HOST,
    VERSION_PATH,
    GraphApi,
    GraphCall,
    GraphError,
    GraphProduct,
    Handler,
    graph_time,
    offset_page,
    parse_graph_time,
    pick,
)

NETWORK = "threads"
PUBLISH_LIMIT = 250
REPLY_LIMIT = 1000
MAX_TEXT = 500
MAX_CAROUSEL = 20
# What the real refresh answered (python-facebook's recorded payload): not quite 60 days.
TOKEN_SECONDS = 5183944
UNVERSIONED = frozenset({"refresh_access_token", "access_token"})
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
POST_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
USER_METRICS = ("views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count")
METRIC_DESCRIPTIONS = {
    "views": "The number of times your post was played or displayed.",
    "likes": "The number of likes on your post.",
    "replies": "The number of replies on your post.",
    "reposts": "The number of times your post was reposted.",
    "quotes": "The number of times your post was quoted.",
    "shares": "The number of shares of your post.",
    "clicks": "The number of times users clicked on a link.",
    "followers_count": "Your total number of followers on Threads.",
}
HIDE_STATUS = {False: "NOT_HUSHED", True: "HIDDEN"}


def _threads_length(text: str) -> int:
    from hub.publishing.rules import threads_length

    return threads_length(text)


class ThreadsProfiles(FetchedContainers, GraphProduct):
    network = NETWORK
    edges = frozenset(
        {
            "threads",
            "threads_publish",
            "threads_publishing_limit",
            "threads_insights",
            "replies",
            "conversation",
            "manage_reply",
            "insights",
        }
    )

    @property
    def _containers(self) -> dict[str, dict[str, Any]]:
        return self.state.bucket("threads.containers")

    def owns(self, object_id: str) -> bool:
        return True  # graph.threads.net knows nothing else

    def kind_of(self, object_id: str) -> str | None:
        with self.state.lock:
            kind = self._objects.get(object_id)
            if kind is None and object_id.isdigit():
                # An unknown numeric id is a profile seen for the first time.
                self.state.account(NETWORK, object_id, username=f"stadt_{object_id[-4:]}")
                self._objects[object_id] = kind = "user"
            return kind

    def routes(self) -> dict[tuple[str, str | None, str], Handler]:
        return {
            ("user", None, "GET"): self._user,
            ("user", "threads", "POST"): self._create_container,
            ("user", "threads", "GET"): self._list_threads,
            ("user", "threads_publish", "POST"): self._publish,
            ("user", "threads_publishing_limit", "GET"): self._publishing_limit,
            ("user", "threads_insights", "GET"): self._user_insights,
            ("container", None, "GET"): self._container,
            ("thread", None, "GET"): self._thread,
            ("thread", None, "DELETE"): self._delete,
            ("thread", "replies", "GET"): self._replies,
            ("thread", "conversation", "GET"): self._conversation,
            ("thread", "manage_reply", "POST"): self._manage_reply,
            ("thread", "insights", "GET"): self._insights,
        }

    def _new_id(self, kind: str) -> str:
        object_id = self.state.number(17)
        self._objects[object_id] = kind
        return object_id

    def caller(self, call: GraphCall) -> str | None:
        """The profile the call's token acts for, if the sandbox knows it."""
        return self.state.tokens.get((NETWORK, call.token))

    # -- logins -------------------------------------------------------------------------------

    def renew_token(self, name: str, params: Mapping[str, str], token: str) -> dict[str, Any]:
        """``/refresh_access_token`` (``th_refresh_token``) and ``/access_token``
        (``th_exchange_token`` with the app's ``client_secret``): a new token, same profile."""
        grant = params.get("grant_type")
        wanted = {"refresh_access_token": "th_refresh_token", "access_token": "th_exchange_token"}
        if grant != wanted[name]:
            raise GraphError(100, "(#100) Unsupported grant_type")
        if grant == "th_exchange_token" and not params.get("client_secret"):
            raise GraphError(101, "Error validating application. Invalid application ID.")
        new = "THQV" + secrets.token_urlsafe(32)
        with self.state.lock:
            bound = self.state.tokens.get((NETWORK, token))
            if bound:
                self.state.tokens[(NETWORK, new)] = bound
        return {"access_token": new, "token_type": "bearer", "expires_in": TOKEN_SECONDS}

    # -- the profile --------------------------------------------------------------------------

    def _user(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        values = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "threads_profile_picture_url": f"https://scontent.cdninstagram.sandbox.invalid/{user.id}.jpg",
            "threads_biography": f"Das offizielle Threads-Profil von {user.name}.",
        }
        return pick(values, call.fields(("id",)))

    def _threads_of(self, user_id: str) -> list[Post]:
        posts = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.account_id == user_id and not p.is_comment and not p.deleted
        ]
        return sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)

    def _published_within_day(self, user_id: str, replies: bool = False) -> int:
        since = utcnow() - timedelta(hours=24)
        return sum(
            1
            for p in self.state.posts_of(NETWORK)
            if p.account_id == user_id and p.is_comment == replies and p.created_at >= since
        )

    def _publishing_limit(self, call: GraphCall) -> dict[str, Any]:
        values = {
            "quota_usage": self._published_within_day(call.object_id),
            "config": {"quota_total": PUBLISH_LIMIT, "quota_duration": 86400},
            "reply_quota_usage": self._published_within_day(call.object_id, replies=True),
            "reply_config": {"quota_total": REPLY_LIMIT, "quota_duration": 86400},
        }
        fields = call.fields(("quota_usage", "config"))
        return {"data": [{k: v for k, v in values.items() if k in fields}]}

    # -- containers ---------------------------------------------------------------------------

    def _create_container(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        media_type = (call.params.get("media_type") or "").upper()
        text = call.params.get("text", "")
        if _threads_length(text) > MAX_TEXT:
            raise GraphError(
                100, "(#100) Param text must be at most 500 characters long.", subcode=2207035
            )
        container: dict[str, Any] = {
            "user": user.id,
            "type": media_type,
            "text": text,
            "alt_text": call.params.get("alt_text"),
            "carousel_item": call.flag("is_carousel_item", False),
            "reply_to": call.params.get("reply_to_id"),
            "reply_control": call.params.get("reply_control") or "everyone",
            "status": "IN_PROGRESS",
            "error": None,
            "created": utcnow(),
            "media": None,
        }
        if container["reply_to"]:
            parent = self.state.post(NETWORK, container["reply_to"])
            if parent is None or parent.deleted:
                raise GraphError(100, "(#100) The parameter reply_to_id is invalid", subcode=33)
        if media_type == "TEXT":
            if not text.strip():
                raise GraphError(100, "(#100) The parameter text is required for TEXT posts")
        elif media_type == "CAROUSEL":
            children = [c for c in call.params.get("children", "").split(",") if c]
            if not 2 <= len(children) <= MAX_CAROUSEL:
                raise GraphError(100, "(#100) A carousel needs 2 to 20 children.")
            for child in children:
                item = self._containers.get(child)
                if item is None or item["user"] != user.id or not item["carousel_item"]:
                    raise GraphError(100, f"(#100) Invalid child container: {child}")
            container["children"] = children
        elif media_type in ("IMAGE", "VIDEO"):
            url = call.params.get("image_url" if media_type == "IMAGE" else "video_url")
            if not url:
                raise GraphError(100, f"(#100) The parameter {media_type.lower()}_url is required.")
            container["url"] = url
        else:
            raise GraphError(
                100, "(#100) Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL"
            )
        with self.state.lock:
            container_id = self._new_id("container")
            self._containers[container_id] = container
        self._process(container_id, container)
        return {"id": container_id}

    def _process(self, container_id: str, container: dict[str, Any]) -> None:
        fault = self.state.take_fault(NETWORK, "PROCESS", f"/{container_id}")
        if fault is not None and fault.kind == FaultKind.status:
            self.settle(container, "ERROR", str((fault.error or {}).get("message") or "UNKNOWN"))
            return
        if container["type"] == "TEXT":
            self.settle(container, "FINISHED")
            return
        if container["type"] == "CAROUSEL":
            states = {self._containers[c]["status"] for c in container["children"]}
            self.settle(
                container, *(("FINISHED",) if states == {"FINISHED"} else ("ERROR", "UNKNOWN"))
            )
            return
        self.fetch_later(self._fetch, container, fault, "sandbox-threads-fetch")

    def _fetch(self, container: dict[str, Any]) -> None:
        """Download the file as Threads' fetcher would and look at what arrived."""
        video = container["type"] == "VIDEO"
        got = download(container["url"])
        if got.status != 200:
            self.settle(container, "ERROR", "FAILED_DOWNLOADING_VIDEO" if video else "UNKNOWN")
            return
        mime, head, size = got.mime, got.head, got.size
        fine = head[4:8] == b"ftyp" if video else head.startswith(IMAGE_MAGIC)
        media = Media(
            network=NETWORK,
            id="m" + secrets.token_hex(8),
            account_id=container["user"],
            mime_type=mime,
            kind="video" if video else "image",
            size=size,
            sha256=got.sha256,
            alt_text=container["alt_text"],
            ready=fine,
            source_url=container["url"].split("?")[0],
        )
        with self.state.lock:
            container["media"] = media
        self.settle(
            container,
            "FINISHED" if fine else "ERROR",
            None if fine else ("FAILED_PROCESSING_VIDEO" if video else "UNKNOWN"),
        )

    def _container(self, call: GraphCall) -> dict[str, Any]:
        with self.state.lock:
            container = self._containers[call.object_id]
            if container["status"] == "IN_PROGRESS" and utcnow() - container["created"] > timedelta(
                hours=24
            ):
                container["status"] = "EXPIRED"
            values = {
                "id": call.object_id,
                "status": container["status"],
                "error_message": container["error"],
            }
        return pick(values, call.fields(("id",)))

    # -- publishing ---------------------------------------------------------------------------

    def _publish(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        creation_id = call.params.get("creation_id", "")
        with self.state.lock:
            container = self._containers.get(creation_id)
            if container is None or container["user"] != user.id or container["carousel_item"]:
                raise GraphError(100, f"(#100) Invalid creation_id: {creation_id}", subcode=33)
            if container["status"] == "PUBLISHED":
                raise GraphError(24, "(#24) The media has already been published.", subcode=4279009)
            if container["status"] != "FINISHED":
                raise GraphError(
                    24,
                    "(#24) The requested resource does not exist",
                    subcode=4279009,
                    user_title="Media Not Found",
                    user_msg="The media is not ready for publishing, please wait for a moment",
                )
            reply = container["reply_to"]
            used = self._published_within_day(user.id, replies=bool(reply))
            if used >= (REPLY_LIMIT if reply else PUBLISH_LIMIT):
                raise GraphError(4, "(#4) Application request limit reached", transient=True)
            children = [self._containers[c] for c in container.get("children", [])]
            media = [c["media"] for c in children] if children else [container["media"]]
            media = [m for m in media if m is not None]
            for item in media:
                self.state.add_media(item)
            post = self._add(
                user.id,
                container["text"],
                parent=self.state.post(NETWORK, reply) if reply else None,
                media=media,
                options={"media_type": container["type"], "container": creation_id},
            )
            post.options["reply_control"] = container["reply_control"]
            container["status"] = "PUBLISHED"
        return {"id": post.id}

    def _add(
        self,
        author_id: str,
        text: str,
        *,
        parent: Post | None = None,
        media: list[Media] | None = None,
        options: dict[str, Any] | None = None,
    ) -> Post:
        with self.state.lock:
            post_id = self._new_id("thread")
            user = self.state.account(NETWORK, author_id)
        code = base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=post_id,
                account_id=author_id,
                text=text,
                url=f"https://www.threads.net/@{user.username}/post/{code}",
                media=media or [],
                parent_id=parent.id if parent else None,
                root_id=(parent.root_id or parent.id) if parent else None,
                options=options or {},
            )
        )

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        return self._add(author.id, text, parent=post, options={"media_type": "TEXT"})

    # -- threads ------------------------------------------------------------------------------

    def _media_type(self, post: Post) -> str:
        kind = post.options.get("media_type", "TEXT")
        return {"TEXT": "TEXT_POST", "CAROUSEL": "CAROUSEL_ALBUM"}.get(kind, kind)

    def _thread_json(self, post: Post, fields: list[str], caller: str | None) -> dict[str, Any]:
        user = self.state.account(NETWORK, post.account_id)
        values: dict[str, Any] = {
            "id": post.id,
            "media_product_type": "THREADS",
            "media_type": self._media_type(post),
            "permalink": post.url,
            "username": user.username,
            "text": post.text or None,
            "timestamp": graph_time(post.created_at),
            "shortcode": (post.url or "").rsplit("/", 1)[-1],
            "is_quote_post": False,
            "has_replies": bool(self._children(post.id)),
            "alt_text": post.media[0].alt_text if post.media else None,
        }
        if post.is_comment:
            values |= {
                "is_reply": True,
                "root_post": {"id": post.root_id},
                "replied_to": {"id": post.parent_id},
                "hide_status": HIDE_STATUS[post.hidden],
                "is_reply_owned_by_me": caller is not None and post.account_id == caller,
            }
        else:
            values |= {
                "is_reply": False,
                "owner": {"id": post.account_id},
                "reply_audience": str(post.options.get("reply_control") or "everyone").upper(),
            }
        return pick(values, fields)

    def _thread(self, call: GraphCall) -> dict[str, Any]:
        return self._thread_json(self.existing(call), call.fields(("id",)), self._me(call))

    def _me(self, call: GraphCall) -> str | None:
        """Whose the caller's token is; an unbound token acts for the city's profile (the
        owner of the thread asked about)."""
        bound = self.caller(call)
        if bound:
            return bound
        found = self.state.post(NETWORK, call.object_id)
        if found is None:
            return None
        root = self.state.post(NETWORK, found.root_id or found.id) or found
        return root.account_id

    def _list_threads(self, call: GraphCall) -> dict[str, Any]:
        since, until = call.params.get("since"), call.params.get("until")
        start = parse_graph_time(since, "since") if since else None
        end = parse_graph_time(until, "until") if until else None
        posts = [
            p
            for p in self._threads_of(call.object_id)
            if (start is None or p.created_at >= start) and (end is None or p.created_at <= end)
        ]
        fields = call.fields(("id",))
        return offset_page(
            call,
            posts,
            lambda p: self._thread_json(p, fields, call.object_id),
            default_limit=25,
            before=True,
        )

    def _delete(self, call: GraphCall) -> dict[str, Any]:
        post = self.existing(call)
        if post.account_id != self._me(call):
            raise GraphError(10, "(#10) Application does not have permission for this action")
        with self.state.lock:
            post.deleted = True
        return {"success": True, "deleted_id": post.id}

    # -- replies ------------------------------------------------------------------------------

    def _children(self, parent_id: str) -> list[Post]:
        found = [
            p for p in self.state.posts_of(NETWORK) if p.parent_id == parent_id and not p.deleted
        ]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def _reply_listing(self, call: GraphCall, items: list[Post]) -> dict[str, Any]:
        if call.flag("reverse", True):
            items = list(reversed(items))
        fields = call.fields(("id",))
        me = self._me(call)
        return offset_page(
            call, items, lambda p: self._thread_json(p, fields, me), default_limit=25, before=True
        )

    def _replies(self, call: GraphCall) -> dict[str, Any]:
        return self._reply_listing(call, self._children(self.existing(call).id))

    def _conversation(self, call: GraphCall) -> dict[str, Any]:
        root = self.existing(call)
        found = [p for p in self.state.posts_of(NETWORK) if p.root_id == root.id and not p.deleted]
        return self._reply_listing(call, sorted(found, key=lambda p: (p.created_at, p.id)))

    def _manage_reply(self, call: GraphCall) -> dict[str, Any]:
        reply = self.existing(call)
        if "hide" not in call.params:
            raise GraphError(100, "(#100) The parameter hide is required")
        if not reply.is_comment or reply.parent_id != reply.root_id:
            raise GraphError(
                100,
                "(#100) Only top-level replies can be hidden or unhidden.",
                user_msg="Replies nested deeper than the top-level reply cannot be hidden.",
            )
        with self.state.lock:
            reply.hidden = call.flag("hide", False)
        return {"success": True}

    # -- figures ------------------------------------------------------------------------------

    def _values(self, post: Post) -> dict[str, int]:
        common = {**figures(self.state, post), **post.metrics}
        return {
            "views": int(common.get("views", 0)),
            "likes": int(common.get("likes", 0)),
            "replies": int(common.get("replies", common.get("comments", 0))),
            "reposts": int(common.get("reposts", common.get("shares", 0))),
            "quotes": int(common.get("quotes", 0)),
            "shares": int(common.get("shares", 0)),
        }

    def _insight(self, owner: str, name: str, period: str, **value: Any) -> dict[str, Any]:
        return {
            "name": name,
            "period": period,
            **value,
            "title": name,
            "description": METRIC_DESCRIPTIONS[name],
            "id": f"{owner}/insights/{name}/{period}",
        }

    @staticmethod
    def _metrics(call: GraphCall, allowed: tuple[str, ...]) -> list[str]:
        wanted = [m for m in call.params.get("metric", "").split(",") if m]
        if not wanted:
            raise GraphError(100, "(#100) The parameter metric is required")
        for index, metric in enumerate(wanted):
            if metric not in allowed:
                raise GraphError(
                    100,
                    f"(#100) metric[{index}] must be one of the following values: "
                    + ", ".join(allowed),
                )
        return wanted

    def _insights(self, call: GraphCall) -> dict[str, Any]:
        post = self.existing(call)
        wanted = self._metrics(call, POST_METRICS)
        values = self._values(post)
        return {
            "data": [
                self._insight(post.id, m, "lifetime", values=[{"value": values[m]}]) for m in wanted
            ]
        }

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        """What ``GET /{thread-id}/insights?metric=views,likes,replies,reposts,quotes`` says."""
        values = self._values(post)
        return {
            "data": [
                self._insight(post.id, m, "lifetime", values=[{"value": values[m]}])
                for m in POST_METRICS
            ]
        }

    def _user_insights(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        wanted = self._metrics(call, USER_METRICS)
        posts = self._threads_of(user.id)
        totals = {
            name: sum(self._values(p)[name] for p in posts)
            for name in ("views", "likes", "replies", "reposts", "quotes")
        }
        data = []
        for metric in wanted:
            if metric == "followers_count":
                data.append(
                    self._insight(user.id, metric, "day", total_value={"value": user.followers})
                )
            elif metric == "views":
                day = graph_time(utcnow())
                data.append(
                    self._insight(
                        user.id, metric, "day", values=[{"value": totals[metric], "end_time": day}]
                    )
                )
            elif metric == "clicks":
                data.append(self._insight(user.id, metric, "day", link_total_values=[]))
            else:
                data.append(
                    self._insight(user.id, metric, "day", total_value={"value": totals[metric]})
                )
        return {"data": data}


class ThreadsApi(GraphApi):
    """graph.threads.net: the Graph API's machinery with one product, under its own prefix."""

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state, [ThreadsProfiles])
        self.profiles: ThreadsProfiles = self.products[NETWORK]  # type: ignore[assignment]

    def claims(self, path: str) -> bool:
        if path != THREADS_HOST and not path.startswith(THREADS_HOST + "/"):
            return False
        rest = path[len(THREADS_HOST) :] or "/"
        return VERSION_PATH.match(rest) is not None or rest.strip("/") in UNVERSIONED

    def _split(self, path: str) -> tuple[str, str, str, str | None]:
        rest = path[len(THREADS_HOST) :] or "/"
        if rest.strip("/") in UNVERSIONED:
            return NETWORK, "", rest.strip("/"), None
        match = VERSION_PATH.match(rest)
        if match is None:  # pragma: no cover - claims() ran first
            raise GraphError(100, "Unknown path components")
        return NETWORK, match.group(1), match.group(2) or "", match.group(3)

    def network_of(self, request: Request) -> str:
        return NETWORK

    def handle(self, request: Request, network: str, token: str) -> Response:
        _host, version, object_id, edge = self._split(request.path)
        params: MultiDict[str, str] = MultiDict(request.args)
        params.update(request.form)
        call = GraphCall(
            request=request,
            version=version,
            object_id=object_id,
            edge=edge,
            method=request.method,
            params=params,
            files=request.files,
            token=token,
            host=NETWORK,
        )
        try:
            if object_id in UNVERSIONED and not version:
                response = json_response(self.profiles.renew_token(object_id, params, token))
            else:
                if object_id == "me":
                    bound = self.profiles.caller(call)
                    if bound is None:
                        raise self.profiles.not_found(call)
                    call.object_id = bound
                if not call.object_id:
                    raise GraphError(100, "(#100) An object id is required")
                response = json_response(self.profiles.handle(call))
        except GraphError as error:
            response = json_response(error.body(), error.status)
        self._usage_headers(response, None)
        return response
