"""YouTube Data API v3 on the sandbox: resumable video uploads, captions, the channel, comments.

What the YouTube connector (google-api-python-client over real HTTP) calls, shaped after the
discovery document that ships with the client (``youtube.v3.json``); the tests validate every
answer against its schemas. Endpoints:

- ``POST /oauth2/v4/token`` (``grant_type=refresh_token``): a fresh access token for the same
  channel, ``expires_in`` 3599; a revoked refresh token answers ``invalid_grant``;
- ``POST /upload/youtube/v3/videos?uploadType=resumable&part=...`` with the JSON metadata:
  ``200`` and a ``Location`` (the session URI, ``upload_id=...``); then ``PUT`` chunks with
  ``Content-Range: bytes a-b/total``: ``308 Resume Incomplete`` with ``Range: bytes=0-n`` until
  the last byte, which answers the ``Video``. ``PUT`` with ``Content-Range: bytes */total`` asks
  how far the upload got (the resume after a broken connection). Bytes are hashed as they
  arrive and not kept, so a 1 GB upload costs the sandbox no memory;
- ``POST /upload/youtube/v3/captions`` (same protocol): a caption track for one of our videos;
- ``GET /youtube/v3/channels?mine=true``, ``GET /youtube/v3/playlistItems?playlistId=UU...``
  (our uploads, newest first), ``GET /youtube/v3/videos?id=a,b`` (up to 50 ids),
  ``DELETE /youtube/v3/videos?id=``;
- ``GET /youtube/v3/commentThreads`` (``allThreadsRelatedToChannelId`` or ``videoId``,
  ``order=time``, ``pageToken``, ``moderationStatus``; ``replies`` only with
  ``part=...,replies``), ``POST /youtube/v3/commentThreads`` (a new thread),
  ``GET /youtube/v3/comments?parentId=`` (``pageInfo`` without ``totalResults``) or ``?id=``,
  ``POST /youtube/v3/comments`` (a reply), ``POST /youtube/v3/comments/setModerationStatus``,
  ``DELETE /youtube/v3/comments?id=``.

The shapes follow the real answers recorded in tests/fixtures/youtube (held to them by
tests/conformance/test_youtube.py): replies carry no ``videoId``/``channelId``, videos have
``player`` and five thumbnail sizes, captions their ``isCC``/``isLarge``/... flags.

Moderation as YouTube does it: a comment is ``published``, ``heldForReview`` (by the channel's
settings, or hidden by hub through ``setModerationStatus``), ``likelySpam`` or ``rejected``.
``commentThreads.list`` returns published threads unless ``moderationStatus`` asks for held or
likely-spam ones (a thread is listed there when its top-level comment or one of its replies has
that status); ``comments.list`` by ``parentId`` lists published replies only. The switches under
``/_sandbox/settings/youtube``:

- ``hold_comments``: the status new citizen comments get (``published`` by default,
  ``heldForReview`` as with "hold all comments for review", ``likelySpam``);
- ``unverified_project``: the Google project is not verified (not audited): as YouTube does
  since 2020-07-28, every ``videos.insert`` is locked to ``private`` whatever was asked.

``statistics.favoriteCount`` is always ``"0"`` (deprecated by YouTube in 2015).

A video whose bytes are not a video container (no ``ftyp`` box) ends with
``uploadStatus: failed``/``failureReason: conversion``, as YouTube's processing would. Errors
use Google's body ``{"error": {"code", "message", "errors": [{"reason", "domain", ...}],
"status"}}``; a fault's ``error`` object may set ``reason`` (``quotaExceeded``...).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from hub.sandbox.core import Account, Media, NetworkApi, Post, json_response, utcnow

NETWORK = "youtube"
API = "/youtube/v3/"
UPLOAD = "/upload/youtube/v3/"
TOKEN_PATH = "/oauth2/v4/token"  # noqa: S105 (a path)
MAX_RESULTS = 50
LISTED_STATUSES = ("published", "heldForReview", "likelySpam")
SETTINGS_BUCKET = "youtube.settings"
DEFAULT_SETTINGS: dict[str, Any] = {"unverified_project": False, "hold_comments": "published"}
READ_BLOCK = 1024 * 1024
ID_CHARS = string.ascii_letters + string.digits + "-_"

STATUS_REASONS: dict[int, tuple[str, str, str]] = {
    400: ("badRequest", "INVALID_ARGUMENT", "Bad Request"),
    401: ("authError", "UNAUTHENTICATED", "Invalid Credentials"),
    403: ("forbidden", "PERMISSION_DENIED", "Forbidden"),
    404: ("notFound", "NOT_FOUND", "Not Found"),
    429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED", "Rate Limit Exceeded"),
    500: ("backendError", "INTERNAL", "Backend Error"),
    503: ("backendError", "UNAVAILABLE", "The service is currently unavailable."),
}
QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def google_error(
    status: int, message: str | None = None, reason: str | None = None, **extra: Any
) -> dict[str, Any]:
    default_reason, grpc, default_message = STATUS_REASONS.get(status, STATUS_REASONS[500])
    reason = reason or default_reason
    if reason == "quotaExceeded":
        message = message or QUOTA_MESSAGE
    message = message or default_message
    domain = "youtube.quota" if reason == "quotaExceeded" else "global"
    item = {"message": message, "domain": domain, "reason": reason, **extra}
    return {"error": {"code": status, "message": message, "errors": [item], "status": grpc}}


class YouTubeError(Exception):
    def __init__(self, status: int, message: str | None = None, reason: str | None = None) -> None:
        super().__init__(message or reason)
        self.status = status
        self.body = google_error(status, message, reason)


THUMBNAILS = {
    "default": (120, 90),
    "medium": (320, 180),
    "high": (480, 360),
    "standard": (640, 480),
    "maxres": (1280, 720),
}
FILE_NAMES = {
    "default": "default",
    "medium": "mqdefault",
    "high": "hqdefault",
    "standard": "sddefault",
    "maxres": "maxresdefault",
}


def _thumbnails(sizes: Iterable[tuple[str, str, int, int]]) -> dict[str, Any]:
    """A ``thumbnails`` object from (size, url, width, height)."""
    return {
        size: {"url": url, "width": width, "height": height} for size, url, width, height in sizes
    }


def video_thumbnails(video_id: str) -> dict[str, Any]:
    return _thumbnails(
        (size, f"https://i.ytimg.com/vi/{video_id}/{FILE_NAMES[size]}.jpg", width, height)
        for size, (width, height) in THUMBNAILS.items()
    )


def channel_thumbnails(channel_id: str) -> dict[str, Any]:
    return _thumbnails(
        (size, f"https://yt3.ggpht.com/sandbox-{channel_id}=s{pixels}-c-k-no-rj", pixels, pixels)
        for size, pixels in (("default", 88), ("medium", 240), ("high", 800))
    )


def _etag() -> str:
    return secrets.token_urlsafe(20)


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()[1:])
    except (ValueError, UnicodeDecodeError):
        raise YouTubeError(
            400, "The request specifies an invalid page token.", "invalidPageToken"
        ) from None


class YouTubeApi(NetworkApi):
    networks = (NETWORK,)

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path.startswith((API, UPLOAD)) or path == TOKEN_PATH

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        if request.path == TOKEN_PATH:
            return request.form.get("refresh_token") or None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip() or None
        return request.args.get("access_token") or None

    def handle(self, request: Request, network: str, token: str) -> Response:
        try:
            if request.path == TOKEN_PATH:
                return self._token(request, token)
            account = self.state.account_for_token(NETWORK, token, account_id=self._channel_id())
            self._account_defaults(account)
            if request.path.startswith(UPLOAD):
                return self._upload(request, account)
            route = (request.method, request.path[len(API) :].strip("/"))
            handler = {
                ("GET", "channels"): self._channels,
                ("GET", "playlistItems"): self._playlist_items,
                ("GET", "videos"): self._videos,
                ("DELETE", "videos"): self._delete_video,
                ("GET", "commentThreads"): self._comment_threads,
                ("GET", "comments"): self._comments,
                ("POST", "comments"): self._reply,
                ("POST", "commentThreads"): self._new_thread,
                ("POST", "comments/setModerationStatus"): self._moderate,
                ("DELETE", "comments"): self._delete_comment,
            }.get(route)
            if handler is None:
                raise YouTubeError(404, f"Method not found: {request.method} {request.path}")
            return handler(request, account)
        except YouTubeError as error:
            return json_response(error.body, error.status)

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        overrides = dict(overrides or {})
        body = google_error(status, overrides.pop("message", None), overrides.pop("reason", None))
        body["error"]["errors"][0].update(overrides)
        response = json_response(body, status)
        if status == 429 and retry_after is not None:
            response.headers["Retry-After"] = str(int(retry_after))
        return response

    def expired_response(self, network: str) -> Response:
        return json_response(
            google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                location="Authorization",
                locationType="header",
            ),
            401,
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )

    def missing_token_response(self, network: str) -> Response:
        return json_response(
            google_error(
                401,
                "Request is missing required authentication credential.",
                reason="required",
            ),
            401,
        )

    def settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The sandbox's YouTube switches (see the module's doc); ``values`` changes some."""
        unknown = set(values) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ValueError(f"unknown YouTube settings: {sorted(unknown)}")
        hold = values.get("hold_comments", "published") or "published"
        if hold not in LISTED_STATUSES:
            raise ValueError(f"hold_comments must be one of {list(LISTED_STATUSES)}")
        with self.state.lock:
            current = self.state.bucket(SETTINGS_BUCKET)
            if not current:
                current.update(DEFAULT_SETTINGS)
            if "hold_comments" in values:
                current["hold_comments"] = hold
            if "unverified_project" in values:
                current["unverified_project"] = bool(values["unverified_project"])
            return dict(current)

    def _setting(self, name: str) -> Any:
        with self.state.lock:
            return self.state.bucket(SETTINGS_BUCKET).get(name, DEFAULT_SETTINGS[name])

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A citizen comments: on a video it is a new thread, on a comment a reply in it. It is
        held or taken for spam when the ``hold_comments`` switch says so."""
        thread_root = post.root_id if post.is_comment else None
        video = self.state.post(NETWORK, thread_root or post.id) if thread_root else post
        comment_id = "Ug" + self._new_id(24)
        if post.is_comment:
            thread_id = post.parent_id if post.options.get("is_reply") else post.id
            comment_id = f"{thread_id}.{self._new_id(22)}"
        status = str(self._setting("hold_comments") or "published")
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=comment_id,
                account_id=author.id,
                text=text,
                url=f"https://www.youtube.com/watch?v={(video or post).id}&lc={comment_id}",
                parent_id=post.id,
                root_id=(video or post).id,
                hidden=status != "published",
                options={"is_reply": post.is_comment, "moderation": status},
            )
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _new_id(self, length: int = 22) -> str:
        return "".join(secrets.choice(ID_CHARS) for _ in range(length))

    def _channel_id(self) -> str:
        return "UC" + self._new_id(22)

    def _account_defaults(self, account: Account) -> None:
        if not account.id.startswith("UC"):
            return
        if account.username.startswith("sandbox_"):
            with self.state.lock:
                account.username = f"@stadt{account.id[-4:].lower()}"

    def _ints(self, request: Request, name: str, default: int, top: int) -> int:
        try:
            return min(max(int(request.args.get(name, default)), 0), top)
        except ValueError:
            raise YouTubeError(400, f"Invalid value for {name}.", "invalidParameter") from None

    def _listing(
        self,
        kind: str,
        items: list[dict[str, Any]],
        offset: int,
        limit: int,
        total: int,
        *,
        page_info: str = "full",
    ) -> Response:
        """A list answer. ``page_info``: "full" (totalResults and resultsPerPage), "per_page"
        (comments.list says only resultsPerPage) or "none" (a listing by id has no pages)."""
        body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": _etag()}
        if page_info == "full":
            body["pageInfo"] = {"totalResults": total, "resultsPerPage": limit}
        elif page_info == "per_page":
            body["pageInfo"] = {"resultsPerPage": limit}
        body["items"] = items
        if offset + len(items) < total:
            body["nextPageToken"] = _page_token(offset + len(items))
        return json_response(body)

    # -- OAuth --------------------------------------------------------------------------------

    def _token(self, request: Request, refresh_token: str) -> Response:
        if request.form.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if refresh_token.startswith("revoked"):
            return json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
                400,
            )
        account = self.state.account_for_token(
            NETWORK, refresh_token, account_id=self._channel_id()
        )
        access = "ya29.sandbox-" + secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens[(NETWORK, access)] = account.id
        return json_response(
            {
                "access_token": access,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
                "token_type": "Bearer",
            }
        )

    # -- channels and videos ------------------------------------------------------------------

    def _channels(self, request: Request, account: Account) -> Response:
        if request.args.get("mine", "").lower() != "true" and request.args.get("id") != account.id:
            raise YouTubeError(400, "Use mine=true in the sandbox.", "invalidFilters")
        parts = set(request.args.get("part", "").split(","))
        videos = [p for p in self._videos_of(account.id)]
        item: dict[str, Any] = {"kind": "youtube#channel", "etag": _etag(), "id": account.id}
        if "snippet" in parts:
            item["snippet"] = {
                "title": account.name,
                "description": "",
                "customUrl": account.username,
                "publishedAt": "2012-03-01T09:00:00Z",
                "thumbnails": channel_thumbnails(account.id),
                "localized": {"title": account.name, "description": ""},
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "relatedPlaylists": {"likes": "", "uploads": "UU" + account.id[2:]}
            }
        if "statistics" in parts:
            item["statistics"] = {
                "viewCount": str(sum(v.metrics.get("viewCount", 0) for v in videos)),
                "subscriberCount": str(account.followers),
                "hiddenSubscriberCount": False,
                "videoCount": str(len(videos)),
            }
        return self._listing("channel", [item], 0, 5, 1)

    def _videos_of(self, channel_id: str) -> list[Post]:
        videos = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.account_id == channel_id and not p.is_comment and not p.deleted
        ]
        return sorted(videos, key=lambda p: (p.created_at, p.id), reverse=True)

    def _video_json(self, post: Post, parts: set[str]) -> dict[str, Any]:
        channel = self.state.account(NETWORK, post.account_id)
        item: dict[str, Any] = {"kind": "youtube#video", "etag": _etag(), "id": post.id}
        opts = post.options
        if "snippet" in parts:
            snippet = {
                "publishedAt": rfc3339(post.created_at),
                "channelId": post.account_id,
                "title": opts.get("title", ""),
                "description": post.text,
                "thumbnails": video_thumbnails(post.id),
                "channelTitle": channel.name,
                "categoryId": str(opts.get("categoryId") or "25"),
                "liveBroadcastContent": "none",
                "defaultLanguage": str(opts.get("defaultLanguage") or "de"),
                "localized": {"title": opts.get("title", ""), "description": post.text},
                "defaultAudioLanguage": str(opts.get("defaultLanguage") or "de"),
            }
            if opts.get("tags"):
                snippet["tags"] = list(opts["tags"])
            item["snippet"] = snippet
        if "status" in parts:
            status = {
                "uploadStatus": opts.get("uploadStatus", "processed"),
                "privacyStatus": opts.get("privacyStatus", "public"),
                "license": opts.get("license", "youtube"),
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": False,
            }
            if opts.get("failureReason"):
                status["failureReason"] = opts["failureReason"]
            item["status"] = status
        if "player" in parts:
            item["player"] = {
                "embedHtml": f'<iframe width="480" height="270" '
                f'src="//www.youtube.com/embed/{post.id}" frameborder="0" allow="accelerometer; '
                f'autoplay; encrypted-media; gyroscope; picture-in-picture" '
                f"allowfullscreen></iframe>"
            }
        if "statistics" in parts:
            item["statistics"] = {
                name: str(post.metrics.get(name, 0))
                for name in ("viewCount", "likeCount", "favoriteCount", "commentCount")
            }
            item["statistics"]["favoriteCount"] = "0"  # deprecated: YouTube always says 0
            item["statistics"]["commentCount"] = str(
                post.metrics.get("commentCount", len(self._comments_on(post.id)))
            )
        if "fileDetails" in parts and post.media:
            item["fileDetails"] = {"fileSize": str(post.media[0].size or 0)}
        return item

    def _videos(self, request: Request, account: Account) -> Response:
        ids = [i for i in request.args.get("id", "").split(",") if i]
        if not ids:
            raise YouTubeError(
                400, "No filter selected. Expected one of: id", "missingRequiredParameter"
            )
        if len(ids) > MAX_RESULTS:
            raise YouTubeError(400, "Too many ids: at most 50.", "invalidParameter")
        parts = set(request.args.get("part", "snippet").split(","))
        items = [
            self._video_json(post, parts)
            for video_id in ids
            if (post := self.state.post(NETWORK, video_id)) is not None and not post.deleted
        ]
        return self._listing("video", items, 0, MAX_RESULTS, len(items))

    def _playlist_items(self, request: Request, account: Account) -> Response:
        playlist = request.args.get("playlistId", "")
        if not playlist.startswith("UU"):
            raise YouTubeError(
                404,
                "The playlist identified with the request's playlistId parameter cannot be found.",
                "playlistNotFound",
            )
        videos = self._videos_of("UC" + playlist[2:])
        limit = self._ints(request, "maxResults", 5, MAX_RESULTS)
        offset = _offset(request.args.get("pageToken"))
        page = videos[offset : offset + limit]
        items = []
        for position, post in enumerate(page, start=offset):
            snippet = self._video_json(post, {"snippet"})["snippet"]
            items.append(
                {
                    "kind": "youtube#playlistItem",
                    "etag": _etag(),
                    "id": base64.urlsafe_b64encode(f"{playlist}.{post.id}".encode()).decode(),
                    "snippet": {
                        "publishedAt": snippet["publishedAt"],
                        "channelId": post.account_id,
                        "title": snippet["title"],
                        "description": snippet["description"],
                        "thumbnails": snippet["thumbnails"],
                        "channelTitle": snippet["channelTitle"],
                        "playlistId": playlist,
                        "position": position,
                        "resourceId": {"kind": "youtube#video", "videoId": post.id},
                        "videoOwnerChannelId": post.account_id,
                        "videoOwnerChannelTitle": snippet["channelTitle"],
                    },
                    "contentDetails": {
                        "videoId": post.id,
                        "videoPublishedAt": snippet["publishedAt"],
                    },
                }
            )
        return self._listing("playlistItem", items, offset, limit, len(videos))

    def _delete_video(self, request: Request, account: Account) -> Response:
        post = self.state.post(NETWORK, request.args.get("id", ""))
        if post is None or post.deleted or post.account_id != account.id:
            raise YouTubeError(
                404, "The video that you are trying to delete cannot be found.", "videoNotFound"
            )
        with self.state.lock:
            post.deleted = True
        return Response(status=204)

    # -- resumable uploads --------------------------------------------------------------------

    @property
    def _sessions(self) -> dict[str, dict[str, Any]]:
        return self.state.bucket("youtube.uploads")

    def _upload(self, request: Request, account: Account) -> Response:
        what = request.path[len(UPLOAD) :].strip("/")
        if what not in ("videos", "captions"):
            raise YouTubeError(404, f"Method not found: {request.path}")
        upload_id = request.args.get("upload_id")
        if upload_id is None:
            if request.method != "POST" or request.args.get("uploadType") != "resumable":
                raise YouTubeError(400, "Use uploadType=resumable.", "invalidParameter")
            return self._start_upload(request, account, what)
        if request.method != "PUT":
            raise YouTubeError(405, "Use PUT to send the file.", "methodNotAllowed")
        return self._put_chunk(request, account, upload_id)

    def _start_upload(self, request: Request, account: Account, what: str) -> Response:
        try:
            metadata = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise YouTubeError(
                400, "The request metadata is not valid JSON.", "parseError"
            ) from None
        snippet = metadata.get("snippet") or {}
        if what == "videos":
            title = str(snippet.get("title") or "").strip()
            if not title:
                raise YouTubeError(
                    400, "The request metadata does not specify a video title.", "invalidTitle"
                )
            if len(title) > 100 or any(c in title for c in "<>"):
                raise YouTubeError(
                    400, "The request metadata specifies an invalid video title.", "invalidTitle"
                )
            if len((snippet.get("description") or "").encode()) > 5000:
                raise YouTubeError(
                    400,
                    "The request metadata specifies an invalid video description.",
                    "invalidDescription",
                )
        else:
            video = self.state.post(NETWORK, str(snippet.get("videoId") or ""))
            if video is None or video.account_id != account.id:
                raise YouTubeError(
                    404,
                    "The video identified by the videoId parameter cannot be found.",
                    "videoNotFound",
                )
        total = request.headers.get("X-Upload-Content-Length")
        upload_id = "ADPycd" + secrets.token_urlsafe(30)
        with self.state.lock:
            self._sessions[upload_id] = {
                "what": what,
                "account": account.id,
                "metadata": metadata,
                "parts": request.args.get("part", "snippet,status"),
                "mime": request.headers.get("X-Upload-Content-Type", "video/*"),
                "total": int(total) if total and total.isdigit() else None,
                "received": 0,
                "hash": hashlib.sha256(),
                "head": b"",
                "result": None,
            }
        location = f"{request.host_url.rstrip('/')}{request.path}?" + urlencode(
            {
                "uploadType": "resumable",
                "upload_id": upload_id,
                "part": request.args.get("part", ""),
            }
        )
        return Response(
            status=200, headers={"Location": location, "X-GUploader-UploadID": upload_id}
        )

    def _put_chunk(self, request: Request, account: Account, upload_id: str) -> Response:
        with self.state.lock:
            session = self._sessions.get(upload_id)
        if session is None or session["account"] != account.id:
            raise YouTubeError(404, "The upload session was not found or has expired.", "notFound")
        if session["result"] is not None:
            return json_response(session["result"], 200)
        span, _, total_text = (
            request.headers.get("Content-Range", "").removeprefix("bytes ").partition("/")
        )
        total = int(total_text) if total_text.isdigit() else session["total"]
        if span == "*":  # "how far did you get?"
            return self._progress(session)
        try:
            first, last = (int(n) for n in span.split("-"))
        except ValueError:
            raise YouTubeError(400, "Invalid Content-Range header.", "badContent") from None
        if first != session["received"]:
            # Not where the server is: say where it is, as YouTube does.
            return self._progress(session)
        expected = last - first + 1
        received = 0
        try:
            while received < expected:
                block = request.stream.read(min(READ_BLOCK, expected - received))
                if not block:
                    break
                received += len(block)
                with self.state.lock:
                    session["hash"].update(block)
                    if len(session["head"]) < 64:
                        session["head"] = (session["head"] + block)[:64]
                    session["received"] += len(block)
        except Exception:  # the client went away mid-chunk: keep what arrived, as YouTube does
            return self._progress(session)
        if total is not None and session["received"] >= total:
            session["total"] = total
            return self._finish(session, account)
        return self._progress(session)

    def _progress(self, session: Mapping[str, Any]) -> Response:
        headers = {}
        if session["received"]:
            headers["Range"] = f"bytes=0-{session['received'] - 1}"
        return Response(status=308, headers=headers)

    def _finish(self, session: dict[str, Any], account: Account) -> Response:
        media = Media(
            network=NETWORK,
            id="m" + secrets.token_hex(8),
            account_id=account.id,
            mime_type=session["mime"],
            kind="video" if session["what"] == "videos" else "captions",
            size=session["received"],
            sha256=session["hash"].hexdigest(),
            ready=True,
        )
        metadata = session["metadata"]
        snippet = metadata.get("snippet") or {}
        if session["what"] == "captions":
            result = self._new_caption(snippet, media)
        else:
            status = metadata.get("status") or {}
            privacy = status.get("privacyStatus", "public")
            if self._setting("unverified_project"):
                # An unverified API project's uploads are locked to private (since 2020-07-28).
                privacy = "private"
            is_video = session["head"][4:8] == b"ftyp"
            post = self.state.add_post(
                Post(
                    network=NETWORK,
                    id=self._new_id(11),
                    account_id=account.id,
                    text=str(snippet.get("description") or ""),
                    media=[media],
                    options={
                        "title": snippet.get("title", ""),
                        "tags": list(snippet.get("tags") or []),
                        "categoryId": snippet.get("categoryId") or "22",
                        "defaultLanguage": snippet.get("defaultLanguage") or "de",
                        "privacyStatus": privacy,
                        "license": status.get("license", "youtube"),
                        "uploadStatus": "uploaded" if is_video else "failed",
                        "failureReason": None if is_video else "conversion",
                    },
                )
            )
            post.url = f"https://www.youtube.com/watch?v={post.id}"
            self.state.add_media(media)
            result = self._video_json(
                post, set(session["parts"].split(",")) | {"snippet", "status"}
            )
        with self.state.lock:
            session["result"] = result
        return json_response(result, 200)

    def _new_caption(self, snippet: Mapping[str, Any], media: Media) -> dict[str, Any]:
        video = self.state.post(NETWORK, str(snippet.get("videoId")))
        caption_id = "AUieDa" + secrets.token_urlsafe(30)
        language = str(snippet.get("language") or "de")
        with self.state.lock:
            media.alt_text = f"{language}: {snippet.get('name') or ''}".strip()
            media.extra["caption_id"] = caption_id
            if video is not None:
                video.media.append(media)
        return {
            "kind": "youtube#caption",
            "etag": _etag(),
            "id": caption_id,
            "snippet": {
                "videoId": str(snippet.get("videoId")),
                "lastUpdated": rfc3339(utcnow()),
                "trackKind": "standard",
                "language": language,
                "name": str(snippet.get("name") or ""),
                "audioTrackType": "unknown",
                "isCC": False,
                "isLarge": False,
                "isEasyReader": False,
                "isDraft": bool(snippet.get("isDraft", False)),
                "isAutoSynced": False,
                "status": "serving",
            },
        }

    # -- comments -----------------------------------------------------------------------------

    def _comments_on(self, video_id: str) -> list[Post]:
        return [
            p
            for p in self.state.posts_of(NETWORK)
            if p.is_comment and p.root_id == video_id and not p.deleted
        ]

    @staticmethod
    def _status(comment: Post) -> str:
        """The comment's moderation status, kept in step with ``hidden`` (which the control
        endpoints and other modules set, too)."""
        status = str(comment.options.get("moderation") or "published")
        if comment.hidden and status == "published":
            return "heldForReview"
        if not comment.hidden and status in ("heldForReview", "likelySpam"):
            return "published"
        return status

    def _comment_json(self, comment: Post, *, by_id: bool = False) -> dict[str, Any]:
        author = self.state.account(NETWORK, comment.account_id)
        video = self.state.post(NETWORK, comment.root_id or "")
        snippet: dict[str, Any] = {}
        if not comment.options.get("is_reply") and not by_id:
            # Replies name neither (comments_by_parent_*.json, comments/insert_response.json),
            # nor do comments listed by id (comments_multi.json).
            snippet["channelId"] = video.account_id if video else ""
            snippet["videoId"] = comment.root_id
        snippet |= {
            "textDisplay": comment.text,
            "textOriginal": comment.text,
            "authorDisplayName": author.name,
            "authorProfileImageUrl": "",
            "authorChannelUrl": f"http://www.youtube.com/{author.username}",
            "authorChannelId": {"value": author.id},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": comment.metrics.get("likeCount", 0),
            "publishedAt": rfc3339(comment.created_at),
            "updatedAt": rfc3339(comment.created_at),
        }
        if not by_id:
            # "Will not be set if the comments were requested through the id filter."
            snippet["moderationStatus"] = self._status(comment)
        if comment.options.get("is_reply"):
            snippet["parentId"] = comment.parent_id
        return {"kind": "youtube#comment", "etag": _etag(), "id": comment.id, "snippet": snippet}

    def _comment_threads(self, request: Request, account: Account) -> Response:
        channel = request.args.get("allThreadsRelatedToChannelId")
        video_id = request.args.get("videoId")
        if not channel and not video_id:
            raise YouTubeError(400, "No filter selected.", "missingRequiredParameter")
        parts = set(request.args.get("part", "snippet").split(","))
        wanted = request.args.get("moderationStatus") or "published"
        if wanted not in LISTED_STATUSES:
            raise YouTubeError(
                400,
                "Invalid value for parameter moderationStatus.",
                "invalidParameter",
            )
        video_ids = {video_id} if video_id else {v.id for v in self._videos_of(channel or "")}
        comments = [
            p for p in self.state.posts_of(NETWORK) if p.is_comment and p.root_id in video_ids
        ]
        replies_of: dict[str, list[Post]] = {}
        for reply in comments:
            if reply.options.get("is_reply") and not reply.deleted:
                replies_of.setdefault(reply.parent_id or "", []).append(reply)
        # Published: the top-level comment is published. Held or likely spam: the top-level
        # comment or one of its replies has that status.
        tops = [
            p
            for p in comments
            if not p.deleted
            and not p.options.get("is_reply")
            and (
                self._status(p) == wanted
                or (
                    wanted != "published"
                    and any(self._status(r) == wanted for r in replies_of.get(p.id, []))
                )
            )
        ]
        newest = lambda p: (p.created_at, p.id)  # noqa: E731
        tops.sort(key=newest, reverse=True)
        limit = self._ints(request, "maxResults", 20, 100)
        offset = _offset(request.args.get("pageToken"))
        page = tops[offset : offset + limit]
        items = []
        for top in page:
            thread_replies = sorted(replies_of.get(top.id, []), key=newest)
            published = [r for r in thread_replies if self._status(r) == "published"]
            shown = [r for r in thread_replies if self._status(r) in ("published", wanted)]
            item: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": _etag(),
                "id": top.id,
                "snippet": {
                    "channelId": self.state.post(NETWORK, top.root_id or "").account_id,  # type: ignore[union-attr]
                    "videoId": top.root_id,
                    "topLevelComment": self._comment_json(top),
                    "canReply": True,
                    "totalReplyCount": len(published),
                    "isPublic": True,
                },
            }
            if shown and "replies" in parts:
                item["replies"] = {"comments": [self._comment_json(r) for r in shown[:5]]}
            items.append(item)
        return self._listing("commentThread", items, offset, limit, len(tops))

    def _comments(self, request: Request, account: Account) -> Response:
        """Replies by ``parentId`` (published ones only), or comments by ``id``."""
        parent = request.args.get("parentId")
        ids = [i for i in request.args.get("id", "").split(",") if i]
        found = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.is_comment
            and not p.deleted
            and (p.parent_id == parent or p.id in ids)
            and (parent is None or (p.options.get("is_reply") and self._status(p) == "published"))
        ]
        found.sort(key=lambda p: (p.created_at, p.id))
        limit = self._ints(request, "maxResults", 20, 100)
        offset = _offset(request.args.get("pageToken"))
        page = found[offset : offset + limit]
        return self._listing(
            "comment",
            [self._comment_json(p, by_id=parent is None) for p in page],
            offset,
            limit,
            len(found),
            page_info="none" if parent is None else "per_page",
        )

    def _reply(self, request: Request, account: Account) -> Response:
        body = request.get_json(silent=True) or {}
        snippet = body.get("snippet") or {}
        parent = self.state.post(NETWORK, str(snippet.get("parentId") or ""))
        text = str(snippet.get("textOriginal") or "").strip()
        if parent is None or parent.deleted or not parent.is_comment:
            raise YouTubeError(
                404, "The comment identified by parentId cannot be found.", "parentCommentNotFound"
            )
        if not text:
            raise YouTubeError(400, "The comment text is empty.", "commentTextRequired")
        thread_id = parent.parent_id if parent.options.get("is_reply") else parent.id
        reply = self.state.add_post(
            Post(
                network=NETWORK,
                id=f"{thread_id}.{self._new_id(22)}",
                account_id=account.id,
                text=text,
                parent_id=thread_id,
                root_id=parent.root_id,
                options={"is_reply": True},
            )
        )
        return json_response(self._comment_json(reply))

    def _new_thread(self, request: Request, account: Account) -> Response:
        """``commentThreads.insert``: a top-level comment by the channel on a video."""
        body = request.get_json(silent=True) or {}
        snippet = body.get("snippet") or {}
        top = (snippet.get("topLevelComment") or {}).get("snippet") or {}
        text = str(top.get("textOriginal") or "").strip()
        video = self.state.post(NETWORK, str(snippet.get("videoId") or ""))
        if video is None or video.deleted or video.is_comment:
            raise YouTubeError(
                404,
                "The video identified by the videoId parameter cannot be found.",
                "videoNotFound",
            )
        if not text:
            raise YouTubeError(400, "The comment text is empty.", "commentTextRequired")
        comment = self.state.add_post(
            Post(
                network=NETWORK,
                id="Ug" + self._new_id(24),
                account_id=account.id,
                text=text,
                url=f"https://www.youtube.com/watch?v={video.id}",
                parent_id=video.id,
                root_id=video.id,
                options={"is_reply": False, "moderation": "published"},
            )
        )
        return json_response(
            {
                "kind": "youtube#commentThread",
                "etag": _etag(),
                "id": comment.id,
                "snippet": {
                    "channelId": video.account_id,
                    "videoId": video.id,
                    "topLevelComment": self._comment_json(comment),
                    "canReply": True,
                    "totalReplyCount": 0,
                    "isPublic": True,
                },
            }
        )

    def _moderate(self, request: Request, account: Account) -> Response:
        status = request.args.get("moderationStatus")
        if status not in ("heldForReview", "published", "rejected"):
            raise YouTubeError(400, "Invalid moderationStatus.", "invalidModerationStatus")
        for comment_id in request.args.get("id", "").split(","):
            comment = self.state.post(NETWORK, comment_id)
            if comment is None or not comment.is_comment:
                raise YouTubeError(404, "The comment cannot be found.", "commentNotFound")
            with self.state.lock:
                comment.options["moderation"] = status
                comment.hidden = status != "published"
                comment.deleted = comment.deleted or status == "rejected"
        return Response(status=204)

    def _delete_comment(self, request: Request, account: Account) -> Response:
        comment = self.state.post(NETWORK, request.args.get("id", ""))
        if comment is None or comment.deleted or not comment.is_comment:
            raise YouTubeError(404, "The comment cannot be found.", "commentNotFound")
        if comment.account_id != account.id:
            raise YouTubeError(403, "Only the author can delete a comment.", "forbidden")
        with self.state.lock:
            comment.deleted = True
        return Response(status=204)
