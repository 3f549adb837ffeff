"""Facebook Pages: publish text, links and photos (with alt text), find posts, read page figures.

Built on python-facebook-api (``pyfacebook.GraphAPI``), which is maintained, accepts any Graph
API version and takes a ``base_url`` (so the same code talks to the sandbox). facebook-sdk, the
long-standing alternative, is not used: it has been unmaintained since 2018 and its ``GraphAPI``
rejects every version after 3.1, which Facebook switched off long ago.

pyfacebook reads error bodies only when the answer is JSON and keeps no HTTP status, so the
connector hooks into its ``requests`` session: any answer with status >= 400 is raised with the
response attached, and :meth:`FacebookConnector.errors` turns Graph's ``code``/``error_subcode``
(plus the status and usage headers) into hub's typed errors. Its "sleep when near the rate
limit" is switched off: waiting is the pipeline's job (``RateLimited.retry_after``), not a
worker thread's.

What is published where (Graph API ``/{page-id}/...``):

- text and link: ``POST /feed`` with ``message`` and ``link``;
- one photo: ``POST /photos`` with the file as ``source``, ``caption`` and ``alt_text_custom``;
- several photos: each ``POST /photos`` with ``published=false``, then ``POST /feed`` with
  ``attached_media[i]={"media_fbid": ...}``;
- a link with photos: Facebook allows no ``link`` field then, so it goes into the text.

Comments (the inbox): ``GET /{post}/comments`` with ``filter=stream`` (every level, with
``parent``), oldest first, continuing after a stored paging cursor per post; the page answers
with ``POST /{comment}/comments``, hides with ``POST /{comment}`` ``is_hidden``, deletes with
``DELETE /{comment}``. Graph keeps threads two levels deep, so a reply to a reply is looked for
under its top-level comment too.

Credentials: the page ``access_token`` (optionally ``app_secret`` for ``appsecret_proof``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any, ClassVar

import requests
from pyfacebook import FacebookError, GraphAPI, LibraryError

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    ChannelAccess,
    CommentPage,
    Connector,
    ConnectorError,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    Transient,
    Unsupported,
)
from hub.models import Network
from hub.publishing.rules import RULES

GRAPH_URL = "https://graph.facebook.com/"
GRAPH_VERSION = "v23.0"
# https://developers.facebook.com/docs/graph-api/guides/error-handling
AUTH_CODES = frozenset({102, 104, 190, 2500})
AUTH_SUBCODES = frozenset({458, 459, 460, 463, 464, 467, 492})
RATE_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden,permalink_url"
GONE_SUBCODE = 33  # "Object ... does not exist": a comment deleted already
# Post figures under their current names: "views" replaced the impressions metrics (deprecated
# 2025); post_total_media_view_unique (viewers) replaced post_impressions_unique (reach).
POST_INSIGHTS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_reactions_by_type_total",
    "post_clicks",
)
POST_FIGURE_FIELDS = (
    f"insights.metric({','.join(POST_INSIGHTS)}),shares,comments.limit(0).summary(total_count)"
)
POST_LOOKUP_BATCH = 50  # Graph answers at most 50 ids per request


class GraphHTTPError(Exception):
    """An answer with an HTTP error status (raised from the session hook, response attached).

    Deliberately not a ``requests.HTTPError``: pyfacebook would wrap that and lose the response.
    """

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code >= 400:
        raise GraphHTTPError(response)


def comparable(text: str) -> str:
    """Facebook keeps the text as sent; compare it NFC- and whitespace-normalised."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def plain_reason(error: Mapping[str, Any]) -> str:
    """The network's reason, in the words Facebook meant for people where it has them."""
    reason = error.get("error_user_msg") or error.get("message") or "no reason given"
    if reason.startswith("(#"):
        reason = reason.split(")", 1)[-1].strip()
    return str(reason)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After, else the page's ``estimated_time_to_regain_access`` (minutes)."""
    value = headers.get("Retry-After")
    if value and value.isdigit():
        return float(value)
    try:
        usage = json.loads(headers.get("x-business-use-case-usage") or "{}")
    except ValueError:
        return None
    minutes = [
        float(item.get("estimated_time_to_regain_access") or 0)
        for items in usage.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict)
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def error_for(
    error: Mapping[str, Any], status: int | None, headers: Mapping[str, str], what: str, detail: str
) -> ConnectorError:
    """One Graph error body (+ HTTP status and headers) as hub's typed error."""
    code = error.get("code")
    subcode = error.get("error_subcode")
    if code in AUTH_CODES or subcode in AUTH_SUBCODES:
        return AuthExpired(
            "The Facebook login of this page has expired or was revoked; connect it again.",
            detail=detail,
        )
    if code in RATE_CODES or status == 429:
        return RateLimited(
            "Facebook limits how often hub may do this right now; hub tries again later.",
            detail=detail,
            retry_after=retry_after(headers),
        )
    if code in TRANSIENT_CODES or error.get("is_transient") or (status or 0) >= 500:
        return Transient(
            f"Facebook had a temporary problem: {plain_reason(error)}; hub tries again.",
            detail=detail,
        )
    return Rejected(f"Facebook refused {what}: {plain_reason(error)}", detail=detail)


def post_metrics_from_graph(post: Mapping[str, Any]) -> PostMetrics:
    """One post's Graph answer (insights, shares, comment summary) under hub's common names.

    Graph leaves ``shares`` out of a post nobody shared, so a missing field asked for is 0.
    """
    insights = {
        item.get("name"): (item.get("values") or [{}])[-1].get("value")
        for item in (post.get("insights") or {}).get("data") or []
    }
    reactions = insights.get("post_reactions_by_type_total")
    comments = ((post.get("comments") or {}).get("summary") or {}).get("total_count")
    return PostMetrics(
        views=_count(insights.get("post_media_view")),
        reach=_count(insights.get("post_total_media_view_unique")),
        likes=sum(int(v) for v in reactions.values()) if isinstance(reactions, dict) else None,
        comments=_count(comments),
        shares=_count((post.get("shares") or {}).get("count", 0)),
        clicks=_count(insights.get("post_clicks")),
        raw={"insights": insights, "shares": post.get("shares"), "comments": comments},
    )


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class FacebookConnector(Connector):
    network = Network.facebook.value
    api = "graph"
    rules = RULES[Network.facebook]
    capabilities = frozenset(
        {
            Capability.publish_text,
            Capability.publish_link,
            Capability.publish_image,
            Capability.publish_images,
            Capability.alt_text,
            Capability.find_published,
            Capability.post_metrics,
            Capability.account_metrics,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_comment,
        }
    )
    graph_version: ClassVar[str] = GRAPH_VERSION
    # find_published reads at most this many posts back.
    lookup_posts: ClassVar[int] = 300

    def __init__(self, access: ChannelAccess, *, timeout: float | None = None) -> None:
        super().__init__(access, timeout=timeout)
        self.page_id = access.external_id
        self._graph: GraphAPI | None = None

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def graph(self) -> GraphAPI:
        if self._graph is None:
            token = self.access.credentials.get("access_token")
            if not token:
                raise AuthExpired("This Facebook page has no login yet; connect it first.")
            base_url = self.access.base_url.rstrip("/") + "/" if self.access.base_url else GRAPH_URL
            self._graph = GraphAPI(
                access_token=token,
                app_secret=self.access.credentials.get("app_secret"),
                version=self.graph_version,
                base_url=base_url,
                timeout=self.http_timeout,  # type: ignore[arg-type]  # passed to requests as is
                sleep_on_rate_limit=False,
            )
            self._graph.session.hooks["response"].append(_raise_for_status)
        return self._graph

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn what pyfacebook or requests raise into hub's typed errors."""
        try:
            yield
        except GraphHTTPError as exc:
            raise self._from_response(exc.response, what) from exc
        except FacebookError as exc:  # an error body with a 2xx status
            body = getattr(exc, "_data", {}) or {}
            raise error_for(
                body.get("error") or {}, None, {}, what, json.dumps(body)[:2000]
            ) from exc
        except LibraryError as exc:
            raise Transient(
                "Facebook sent an answer hub could not read; hub tries again.", detail=repr(exc)
            ) from exc
        except requests.Timeout as exc:
            raise Transient(
                f"Facebook did not answer within {self.timeout:g} seconds; hub tries again.",
                detail=repr(exc),
            ) from exc
        except requests.RequestException as exc:
            raise Transient(
                "The connection to Facebook failed; hub tries again.", detail=repr(exc)
            ) from exc

    def _from_response(self, response: requests.Response, what: str) -> ConnectorError:
        detail = (
            f"HTTP {response.status_code} {response.request.method} "
            f"{response.url.split('?')[0]}: {response.text[:2000]}"
        )
        try:
            error = response.json().get("error")
        except ValueError:
            error = None
        if isinstance(error, dict):
            return error_for(error, response.status_code, response.headers, what, detail)
        if response.status_code == 429:
            return RateLimited(
                "Facebook limits how often hub may do this right now; hub tries again later.",
                detail=detail,
                retry_after=retry_after(response.headers),
            )
        if response.status_code >= 500:
            return Transient(
                f"Facebook had a temporary problem (HTTP {response.status_code}); hub tries again.",
                detail=detail,
            )
        return Rejected(f"Facebook refused {what} (HTTP {response.status_code}).", detail=detail)

    # -- the contract -------------------------------------------------------------------------

    def check_connection(self) -> str:
        with self.errors("the login check"):
            page = self.graph.get_object(self.page_id, fields="id,name")
        return str(page.get("name") or page["id"])

    def publish(self, post: OutgoingPost) -> Published:
        if any(m.kind != "image" for m in post.media):
            raise Unsupported("hub cannot publish videos to Facebook yet.")
        if len(post.media) == 1:
            post_id = self._publish_photo(post, post.media[0])
        elif post.media:
            post_id = self._publish_photos(post)
        else:
            data = {"message": post.text}
            if post.link:
                data["link"] = post.link
            with self.errors("the post"):
                post_id = str(self.graph.post_object(self.page_id, "feed", data=data)["id"])
        return Published(post_id, self._permalink(post_id))

    def find_published(self, post: OutgoingPost) -> Published | None:
        wanted = comparable(self.message_for(post))
        args: dict[str, Any] = {"fields": "id,message,created_time,permalink_url"}
        if post.search_since is not None:
            args["since"] = int(post.search_since.timestamp())
        with self.errors("the lookup"):
            found = self.graph.get_full_connections(
                self.page_id, "posts", count=self.lookup_posts, limit=100, **args
            )
        for item in found.get("data") or []:
            if comparable(item.get("message", "")) == wanted:
                return Published(str(item["id"]), item.get("permalink_url"))
        return None

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors("the page figures"):
            page = self.graph.get_object(self.page_id, fields="followers_count,fan_count")
        followers = page.get("followers_count", page.get("fan_count"))
        return AccountMetrics(followers=followers, raw=page)

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Figures of up to 50 posts per request (Graph's ``?ids=``). Graph refuses the whole
        request if one id is gone, so a refused batch is asked again post by post."""
        figures: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), POST_LOOKUP_BATCH):
            batch = ids[start : start + POST_LOOKUP_BATCH]
            try:
                with self.errors("the figures"):
                    found = self.graph.get_objects(ids=",".join(batch), fields=POST_FIGURE_FIELDS)
            except Rejected:
                found = {}
                for post_id in batch:
                    try:
                        with self.errors("the figures"):
                            found[post_id] = self.graph.get_object(
                                post_id, fields=POST_FIGURE_FIELDS
                            )
                    except Rejected:
                        continue  # deleted or not ours any more: no figures
            for post_id, post in found.items():
                if isinstance(post, dict):
                    figures[str(post_id)] = post_metrics_from_graph(post)
        return figures

    # -- comments -----------------------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Comments and replies under our posts: ``GET /{post}/comments`` with
        ``filter=stream`` (every level, with ``parent``), oldest first, continuing after the
        stored paging cursor of each post. Cursor: ``{"posts": {post id: {"after": ...}}}``."""
        positions = {str(k): dict(v) for k, v in (cursor.get("posts") or {}).items()}
        round_ = cursor.get("round") or {}
        done = set(round_.get("done") or []) if bool(round_.get("full")) == full else set()
        todo = [p for p in posts if p not in done] or list(posts)
        found: dict[str, RemoteComment] = {}
        complete: list[str] = []
        budget = self.comment_pages
        for post_id in todo:
            if budget <= 0:
                break
            # A full listing starts at the beginning, unless it is being continued.
            position = positions.get(post_id, {})
            after = position.get("after") if not full or position.get("listing") else None
            finished = False
            while budget > 0:
                budget -= 1
                args: dict[str, Any] = {
                    "filter": "stream",
                    "order": "chronological",
                    "limit": 100,
                    "fields": COMMENT_FIELDS,
                }
                if after:
                    args["after"] = after
                with self.errors("reading comments"):
                    page = self.graph.get_connection(post_id, "comments", **args)
                for item in page.get("data") or []:
                    comment = self._comment(item, post_id)
                    found[comment.remote_id] = comment
                paging = page.get("paging") or {}
                if page.get("data"):
                    after = (paging.get("cursors") or {}).get("after") or after
                if not paging.get("next"):
                    finished = True
                    break
            started_here = full and not position.get("listing")
            if finished:
                done.add(post_id)
                if started_here:
                    complete.append(post_id)
            positions[post_id] = {
                k: v
                for k, v in {
                    "after": after or position.get("after"),
                    "listing": full and not finished,
                }.items()
                if v
            }
        more = any(p not in done for p in posts)
        return CommentPage(
            items=list(found.values()),
            cursor={
                "posts": positions,
                "round": {"full": full, "done": sorted(done & set(posts))} if more else {},
            },
            more=more,
            complete=complete,
        )

    def _comment(self, item: Mapping[str, Any], post_id: str) -> RemoteComment:
        author = item.get("from") or {}
        parent = (item.get("parent") or {}).get("id")
        created = item.get("created_time")
        try:
            created_at = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S%z") if created else None
        except ValueError:
            created_at = None
        return RemoteComment(
            remote_id=str(item["id"]),
            text=item.get("message") or "",
            created_at=created_at or datetime.now().astimezone(),
            author_name=str(author.get("name") or ""),
            author_id=str(author["id"]) if author.get("id") else None,
            post_remote_id=post_id,
            parent_remote_id=str(parent) if parent and parent != post_id else None,
            is_own=str(author.get("id")) == self.page_id,
            hidden=bool(item["is_hidden"]) if "is_hidden" in item else None,
            url=item.get("permalink_url"),
        )

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        # Graph takes no idempotency key; a retry after an unclear answer uses find_reply.
        with self.errors("the reply"):
            answer = self.graph.post_object(comment_remote_id, "comments", data={"message": text})
        return str(answer["id"])

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        """Our reply is under the comment, or (Facebook keeps threads two levels deep) under
        the top-level comment the answered reply belongs to."""
        wanted = comparable(text)
        places = [comment_remote_id]
        with self.errors("the lookup"):
            parent = self.graph.get_object(comment_remote_id, fields="parent").get("parent") or {}
        if parent.get("id"):
            places.append(str(parent["id"]))
        for place in places:
            with self.errors("the lookup"):
                found = self.graph.get_connection(
                    place,
                    "comments",
                    order="reverse_chronological",
                    limit=100,
                    fields=COMMENT_FIELDS,
                )
            for item in found.get("data") or []:
                comment = self._comment(item, "")
                if since is not None and comment.created_at < since:
                    break
                if comment.is_own and comparable(comment.text) == wanted:
                    return comment.remote_id
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        with self.errors("hiding the comment" if hidden else "showing the comment"):
            self.graph.post_object(
                comment_remote_id, data={"is_hidden": "true" if hidden else "false"}
            )

    def delete_comment(self, comment_remote_id: str) -> None:
        try:
            with self.errors("deleting the comment"):
                self.graph.delete_object(comment_remote_id)
        except Rejected as exc:
            if f'"error_subcode":{GONE_SUBCODE}' in (exc.detail or "").replace(" ", ""):
                return  # gone already: what was asked for is so
            raise

    # -- publishing ---------------------------------------------------------------------------

    @staticmethod
    def message_for(post: OutgoingPost) -> str:
        """The text Facebook will show: with photos there is no link field, so the link joins."""
        if post.media and post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def _photo_source(
        self, media: MediaFile, data: dict[str, str], stack: ExitStack
    ) -> dict[str, Any] | None:
        """The file as multipart ``source``; or, where hub has only a public URL, ``url``."""
        try:
            handle = stack.enter_context(media.path.open("rb"))
        except OSError as exc:
            if media.public_url:
                data["url"] = media.public_url
                return None
            raise Rejected(
                f"The file {media.path.name} is missing on the hub server.", detail=repr(exc)
            ) from exc
        return {"source": (media.path.name, handle, media.mime_type)}

    def _publish_photo(self, post: OutgoingPost, media: MediaFile) -> str:
        data = {"caption": self.message_for(post), "published": "true"}
        if media.alt_text:
            data["alt_text_custom"] = media.alt_text
        with ExitStack() as stack, self.errors("the photo"):
            files = self._photo_source(media, data, stack)
            answer = self.graph.post_object(self.page_id, "photos", data=data, files=files)
        return str(answer.get("post_id") or answer["id"])

    def _publish_photos(self, post: OutgoingPost) -> str:
        photo_ids = []
        for media in post.media:
            data = {"published": "false"}
            if media.alt_text:
                data["alt_text_custom"] = media.alt_text
            with ExitStack() as stack, self.errors("a photo"):
                files = self._photo_source(media, data, stack)
                answer = self.graph.post_object(self.page_id, "photos", data=data, files=files)
            photo_ids.append(str(answer["id"]))
        feed = {"message": self.message_for(post)}
        for index, photo_id in enumerate(photo_ids):
            feed[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
        with self.errors("the post"):
            return str(self.graph.post_object(self.page_id, "feed", data=feed)["id"])

    def _permalink(self, post_id: str) -> str:
        """The post's link. It exists already, so a failure here must not fail the publish."""
        try:
            with self.errors("the link lookup"):
                found = self.graph.get_object(post_id, fields="permalink_url")
            if found.get("permalink_url"):
                return str(found["permalink_url"])
        except ConnectorError:
            pass
        page, _, local = post_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{local or page}"
