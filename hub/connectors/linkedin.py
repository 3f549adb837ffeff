"""LinkedIn organization pages: posts with text, images (alt text), a link or a video; the
comments under them; their figures and the page's followers.

Client: LinkedIn's versioned REST API (``https://api.linkedin.com/rest/...``) over requests.
The official client (linkedin-api-python-client) is a beta last released in 2023 that adds
nothing hub needs beyond a header and Rest.li's query encoding (:mod:`linkedin_wire`).

How a post goes out (the Posts API):

- images: ``POST /rest/images?action=initializeUpload`` names an upload URL and the image's
  URN, the file goes there with ``PUT``; the post names the image with its ``altText``
  (``content.media`` for one, ``content.multiImage`` for 2 to 20);
- a video: ``POST /rest/videos?action=initializeUpload`` with the file's size answers upload
  instructions (parts of 4 MB, byte ranges), each part is ``PUT`` and answers an ``ETag``,
  ``action=finalizeUpload`` names them all; the video is then processed until ``AVAILABLE``;
- a link without media: ``content.article`` (LinkedIn's API reads no page preview itself, so
  the card's title is the announcement's title); with media the link joins the text;
- ``POST /rest/posts`` answers ``201`` with the new post's URN in the ``x-restli-id`` header.

Exactly once: LinkedIn takes no idempotency key. An unclear answer (timeout, 5xx, a 201 without
the URN) is a :class:`Transient`; before any further attempt the pipeline asks
:meth:`find_published`, which reads the page's newest posts (``q=author``) and compares their
commentary with ours. The uploaded media's URNs are kept per delivery, so a second attempt
does not upload a video again.

Comments (``/rest/socialActions/{urn}/comments``) are read per post, with the replies of each
comment that has any; a reply is a comment with ``parentComment`` (LinkedIn nests one level,
so an answer to a reply goes under its thread). The page can delete only its own comments, and
LinkedIn's API cannot hide a comment at all.

Errors: 401 is an expired or revoked login; 426 a ``LinkedIn-Version`` LinkedIn has switched
off (see :data:`~hub.connectors.linkedin_wire.LINKEDIN_VERSION`); 429 a daily limit per app
and member, which resets at midnight UTC (LinkedIn rarely sends ``Retry-After``).

Credentials: ``access_token`` (60 days), optionally ``refresh_token`` (valid one year from the
consent, not extended by renewals) with the app's ``client_id`` and ``client_secret``.
``external_id`` is the organization's number (``urn:li:organization:<id>``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar

import requests
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    CommentPage,
    ConnectorError,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    ResumesUploads,
    Transient,
    Unsupported,
    comparable,
    missing_file,
    parse_time,
    round_done,
    round_left,
)
from hub.connectors.http import answer_detail, retry_after_seconds, transport_error
from hub.connectors.linkedin_wire import (
    API_URL,
    TOKEN_URL,
    comment_parts,
    encoded,
    from_millis,
    headers,
    little,
    organization_urn,
    plain,
    post_url,
    restli_list,
    seconds_to_utc_midnight,
)
from hub.models import Network
from hub.publishing.network_state import StoredUpload
from hub.publishing.rules import RULES

NAME = "LinkedIn"
COMMENTS_PAGE = 100  # the most LinkedIn lists per page
STATISTICS_BATCH = 20  # posts per share-statistics call (the URL grows with every URN)
DUPLICATE = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)", re.IGNORECASE)


class LinkedInConnector(ResumesUploads):
    network = Network.linkedin.value
    api = "linkedin"
    rules = RULES[Network.linkedin]
    capabilities = frozenset(
        {
            Capability.publish_text,
            Capability.publish_link,
            Capability.publish_image,
            Capability.publish_images,
            Capability.publish_video,
            Capability.alt_text,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.delete_own_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    no_hiding_reason = _l(
        "LinkedIn does not let apps hide comments. An administrator of the page can delete "
        "the comment on linkedin.com; hub can delete only the page's own replies."
    )
    no_deleting_reason = _l(
        "LinkedIn lets apps delete only the page's own comments; an administrator of the page "
        "can delete other people's comments on linkedin.com."
    )
    lease_seconds: ClassVar[int] = 1800
    #: How long LinkedIn may process an uploaded image or video before hub tries later.
    processing_seconds: ClassVar[float] = 600.0
    poll_first: ClassVar[float] = 0.5
    #: Pages of the page's newest posts (50 each) that find_published reads.
    lookup_pages: ClassVar[int] = 4

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def organization(self) -> str:
        return organization_urn(self.access.external_id)

    @property
    def base(self) -> str:
        return (self.access.base_url or API_URL).rstrip("/")

    @cached_property
    def http(self) -> requests.Session:
        return requests.Session()

    def _token(self) -> str:
        token = self.access.credentials.get("access_token")
        if not token:
            raise AuthExpired(_("This LinkedIn page has no login yet; connect it first."))
        return str(token)

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except requests.RequestException as exc:
            raise transport_error(exc, NAME, self.timeout) from exc

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        query: str = "",
        json: Any = None,
        restli_method: str | None = None,
    ) -> requests.Response:
        """One call to ``/rest/<path>`` (``query`` already Rest.li-encoded); a typed error
        for anything but success."""
        extra = {"X-RestLi-Method": restli_method} if restli_method else {}
        url = f"{self.base}/rest/{path}" + (f"?{query}" if query else "")
        with self.errors():
            response = self.http.request(
                method,
                url,
                json=json,
                headers={**headers(self._token()), **extra},
                timeout=self.http_timeout,
            )
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    def get_json(self, path: str, what: str, query: str = "", **kw: Any) -> dict[str, Any]:
        response = self.call("GET", path, what, query=query, **kw)
        try:
            return dict(response.json())
        except ValueError:
            raise Transient(
                _("%(network)s sent an answer hub could not read; hub tries again.", network=NAME),
                detail=answer_detail(response),
            ) from None

    def _error(self, response: requests.Response, what: str) -> ConnectorError:
        detail = answer_detail(response)
        status = response.status_code
        reason = _reason(response)
        if status == 401:
            return AuthExpired(
                _("The LinkedIn login of this page has expired or was revoked; connect it again."),
                detail=detail,
            )
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            return RateLimited(
                _(
                    "%(network)s's daily limit for hub is used up; hub tries again when it resets.",
                    network=NAME,
                ),
                detail=detail,
                retry_after=wait if wait is not None else seconds_to_utc_midnight(),
            )
        if status >= 500:
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network=NAME,
                    status=status,
                ),
                detail=detail,
            )
        if status == 426:
            return Rejected(
                _(
                    "LinkedIn no longer accepts the API version this hub speaks; hub must be "
                    "updated (tell the IT department)."
                ),
                detail=detail,
            )
        if status == 403:
            return Rejected(
                _(
                    "LinkedIn refused %(what)s: the login lacks the permission for this page "
                    "(an administrator of the page must connect it, with the permissions "
                    "w_organization_social, r_organization_social and rw_organization_admin).",
                    what=what,
                ),
                detail=detail,
            )
        return Rejected(
            _("%(network)s refused %(what)s: %(reason)s", network=NAME, what=what, reason=reason),
            detail=detail,
        )

    # -- logins -------------------------------------------------------------------------------

    def check_connection(self) -> str:
        number = self.organization.rsplit(":", 1)[-1]
        found = self.get_json(f"organizations/{number}", _("the login check"))
        return str(found.get("localizedName") or found.get("vanityName") or number)

    def refresh_login(self) -> Any:
        """A new access token (60 days) from the refresh token; LinkedIn may send a new refresh
        token, whose year still counts from the first consent."""
        from hub.publishing.tokens import LoginRefresh

        creds = self.access.credentials
        if not (creds.get("refresh_token") and creds.get("client_id")):
            raise Unsupported(
                _(
                    "This LinkedIn page has no refresh token (or no app id); connect it again "
                    "before its login expires."
                )
            )
        url = f"{self.base}/oauth/v2/accessToken" if self.access.base_url else TOKEN_URL
        with self.errors():
            response = self.http.post(
                url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": creds["refresh_token"],
                    "client_id": creds["client_id"],
                    "client_secret": creds.get("client_secret") or "",
                },
                timeout=self.http_timeout,
            )
        if response.status_code in (400, 401):
            raise AuthExpired(
                _("LinkedIn refused to renew the login of this page; connect it again."),
                detail=answer_detail(response),
            )
        if response.status_code >= 400:
            raise self._error(response, _("the login renewal"))
        answer = response.json()
        now = datetime.now(UTC)
        access_ends = now + timedelta(seconds=int(answer.get("expires_in") or 0))
        fresh: dict[str, Any] = {
            "access_token": answer["access_token"],
            "access_token_expires_at": access_ends.isoformat(),
        }
        if answer.get("refresh_token"):
            fresh["refresh_token"] = answer["refresh_token"]
        # The login ends with the refresh token: LinkedIn counts its year from the consent (a
        # renewal does not extend it); without a new count the stored end stays.
        refresh_ends = parse_time(creds.get("refresh_token_expires_at"))
        if answer.get("refresh_token_expires_in"):
            refresh_ends = now + timedelta(seconds=int(answer["refresh_token_expires_in"]))
            fresh["refresh_token_expires_at"] = refresh_ends.isoformat()
        return LoginRefresh(fresh, max(access_ends, refresh_ends or access_ends))

    # -- publishing ---------------------------------------------------------------------------

    def text_of(self, post: OutgoingPost) -> str:
        """The commentary as people will read it: with media, a link joins the text."""
        if post.media and post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def publish(self, post: OutgoingPost) -> Published:
        content = self._content(post)
        body: dict[str, Any] = {
            "author": self.organization,
            "commentary": little(self.text_of(post)),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content:
            body["content"] = content
        try:
            response = self.call("POST", "posts", _("the post"), json=body)
        except Rejected as exc:
            duplicate = DUPLICATE.search(exc.detail or "")
            if duplicate:
                raise Rejected(
                    _(
                        "LinkedIn refuses this text as a copy of an earlier post of the page "
                        "(%(url)s); change the text to post it again.",
                        url=post_url(duplicate.group(1)),
                    ),
                    detail=exc.detail,
                ) from exc
            raise
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise Transient(
                _("LinkedIn did not name the new post; hub looks for it before trying again."),
                detail=answer_detail(response),
            )
        self.sessions.drop(self.network, post.idempotency_key)
        return Published(urn, post_url(urn))

    def _content(self, post: OutgoingPost) -> dict[str, Any] | None:
        kinds = {m.kind for m in post.media}
        if len(kinds) > 1:
            raise Rejected(_("LinkedIn cannot mix images and a video in one post."))
        if "video" in kinds:
            if len(post.media) > 1:
                raise Rejected(_("LinkedIn takes one video per post."))
            (urn,) = self._uploaded(post, self._upload_video)
            media: dict[str, Any] = {"id": urn}
            if post.title:
                media["title"] = post.title
            return {"media": media}
        if post.media:
            if len(post.media) > self.rules.max_images:
                raise Rejected(_("LinkedIn takes at most 20 images in one post."))
            urns = self._uploaded(post, self._upload_image)
            images = [
                {"id": urn, "altText": (m.alt_text or "")[:4086]}
                for urn, m in zip(urns, post.media, strict=True)
            ]
            if len(images) == 1:
                return {"media": images[0]}
            return {"multiImage": {"images": images}}
        if post.link:
            return {"article": {"source": post.link, "title": (post.title or post.link)[:400]}}
        return None

    def _uploaded(self, post: OutgoingPost, upload: Callable[[MediaFile], str]) -> list[str]:
        """The URNs of the post's media on LinkedIn: those a former attempt uploaded (kept per
        delivery, same files), else uploaded now and kept."""
        key = post.idempotency_key
        fingerprint = hashlib.sha256("".join(m.sha256 for m in post.media).encode()).hexdigest()
        stored = self.sessions.get(self.network, key)
        urns = stored.location.split() if stored and stored.sha256 == fingerprint else []
        if not urns or not all(self._ready(urn) for urn in urns):
            urns = [upload(m) for m in post.media]
            self.sessions.put(self.network, key, StoredUpload(" ".join(urns), sha256=fingerprint))
        for urn in urns:
            self._wait_until_available(urn)
        return urns

    def _asset_path(self, urn: str) -> str:
        kind = "videos" if ":video:" in urn else "images"
        return f"{kind}/{encoded(urn)}"

    def _status(self, urn: str) -> str:
        return str(self.get_json(self._asset_path(urn), _("the upload status")).get("status"))

    def _ready(self, urn: str) -> bool:
        """Can a stored upload be used again (rather than uploading the file once more)?"""
        try:
            return self._status(urn) in ("AVAILABLE", "PROCESSING")
        except Rejected:
            return False

    def _wait_until_available(self, urn: str) -> None:
        deadline = time.monotonic() + self.processing_seconds
        pause = self.poll_first
        while True:
            status = self._status(urn)
            if status == "AVAILABLE":
                return
            if status in ("PROCESSING_FAILED", "FAILED"):
                raise Rejected(
                    _("LinkedIn could not process the file; check it and try again."),
                    detail=f"{urn}: {status}",
                )
            if time.monotonic() > deadline:
                # The upload stays stored: the next attempt asks again, no second upload.
                raise Transient(
                    _("LinkedIn is still processing the file; hub checks again later."),
                    detail=f"{urn}: {status}",
                )
            time.sleep(pause)
            pause = min(pause * 2, 10.0)

    def _upload_image(self, media: MediaFile) -> str:
        started = self._initialize(
            "images", {"initializeUploadRequest": {"owner": self.organization}}, _("the image")
        )
        self._put(str(started["uploadUrl"]), media, None, _("the image"))
        return str(started["image"])

    def _upload_video(self, media: MediaFile) -> str:
        started = self._initialize(
            "videos",
            {
                "initializeUploadRequest": {
                    "owner": self.organization,
                    "fileSizeBytes": media.size,
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
            _("the video"),
        )
        urn = str(started["video"])
        etags = []
        for part in started.get("uploadInstructions") or []:
            span = (int(part["firstByte"]), int(part["lastByte"]))
            response = self._put(str(part["uploadUrl"]), media, span, _("the video"))
            etags.append(response.headers.get("ETag", "").strip('"'))
        self.call(
            "POST",
            "videos",
            _("the video"),
            query="action=finalizeUpload",
            json={
                "finalizeUploadRequest": {
                    "video": urn,
                    "uploadToken": started.get("uploadToken") or "",
                    "uploadedPartIds": etags,
                }
            },
        )
        return urn

    def _initialize(self, kind: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        """``action=initializeUpload``: where the file goes, and its URN-to-be."""
        response = self.call("POST", kind, what, query="action=initializeUpload", json=body)
        return dict(response.json().get("value") or {})

    def _put(
        self, url: str, media: MediaFile, span: tuple[int, int] | None, what: str
    ) -> requests.Response:
        """The file (or the bytes ``span``, both ends included) to an upload URL."""
        try:
            with media.path.open("rb") as handle:
                if span is None:
                    data = handle.read()
                else:
                    handle.seek(span[0])
                    data = handle.read(span[1] - span[0] + 1)
        except OSError as exc:
            raise missing_file(media, exc) from exc
        with self.errors():
            response = self.http.put(
                url,
                data=data,
                headers={
                    "Authorization": f"Bearer {self._token()}",
                    "Content-Type": "application/octet-stream",
                },
                timeout=self.http_timeout,
            )
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    def find_published(self, post: OutgoingPost) -> Published | None:
        """The page's newest posts (``q=author``, newest first) back to ``post.search_since``:
        ours is the one whose commentary is our text."""
        since = post.search_since
        wanted = comparable(self.text_of(post))
        start = 0
        for _page in range(self.lookup_pages):
            found = self.get_json(
                "posts",
                _("the lookup"),
                query=f"q=author&author={encoded(self.organization)}"
                f"&count=50&start={start}&sortBy=CREATED",
                restli_method="FINDER",
            )
            elements = found.get("elements") or []
            for item in elements:
                created = from_millis(item.get("createdAt") or item.get("publishedAt"))
                if since and created and created < since:
                    return None
                if comparable(plain(str(item.get("commentary") or ""))) == wanted:
                    return Published(str(item["id"]), post_url(str(item["id"])))
            if len(elements) < 50:
                return None
            start += len(elements)
        return None

    # -- comments (the inbox) -----------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Comments under ``posts`` (our post URNs), page by page from the first; those
        changed since the post's position (``since``, LinkedIn's milliseconds) are returned.
        Replies are read for each comment whose reply count changed (every one when ``full``).
        A listing the page budget cuts goes on from its offset (``start``) in the next call."""
        positions: dict[str, Any] = dict(cursor)
        items: list[RemoteComment] = []
        complete: list[str] = []
        done = round_done(cursor, full)
        budget = [self.comment_pages]
        for urn in posts:
            if urn in done:
                continue
            position = dict(positions.get(urn) or {})
            fresh = not position.get("start")
            finished = self._read_post(urn, position, full, items, budget)
            positions[urn] = position
            if not finished:
                positions["round"] = round_left(full, done, posts)
                return CommentPage(items, positions, True, complete if full else ())
            if full and fresh:
                complete.append(urn)
            done.add(urn)
        positions.pop("round", None)
        return CommentPage(items, positions, False, complete if full else ())

    def _read_post(
        self,
        urn: str,
        position: dict[str, Any],
        full: bool,
        items: list[RemoteComment],
        budget: list[int],
    ) -> bool:
        """Read one post's comments into ``items``, updating ``position``; False when the
        budget ran out first (``position`` then says where to go on)."""
        start = int(position.get("start") or 0)
        since = 0 if full else int(position.get("since") or 0)
        newest = max(int(position.get("newest") or 0), int(position.get("since") or 0))
        threads: dict[str, int] = dict(position.get("threads") or {})
        while True:
            if budget[0] <= 0:
                position.update(start=start, newest=newest, threads=threads)
                return False
            budget[0] -= 1
            page = self.get_json(
                f"socialActions/{encoded(urn)}/comments",
                _("the comments"),
                query=f"start={start}&count={COMMENTS_PAGE}",
            )
            elements = page.get("elements") or []
            for data in elements:
                changed = _changed(data)
                newest = max(newest, changed)
                if full or changed > since:
                    items.append(self._comment(data, urn))
                key = _urn_of(data)
                count = int((data.get("commentsSummary") or {}).get("totalFirstLevelComments") or 0)
                if count and (full or threads.get(key) != count):
                    budget[0] -= 1
                    for reply in self._replies(key):
                        newest = max(newest, _changed(reply))
                        if full or _changed(reply) > since:
                            items.append(self._comment(reply, urn))
                    threads[key] = count
            start += len(elements)
            total = (page.get("paging") or {}).get("total")
            if len(elements) < COMMENTS_PAGE or (total is not None and start >= int(total)):
                position.clear()
                position.update(since=newest, threads=threads)
                return True

    def _replies(self, comment_urn: str) -> list[dict[str, Any]]:
        found = self.get_json(
            f"socialActions/{encoded(comment_urn)}/comments",
            _("the replies"),
            query=f"start=0&count={COMMENTS_PAGE}",
        )
        return list(found.get("elements") or [])

    def _comment(self, data: Mapping[str, Any], post_urn: str) -> RemoteComment:
        created = from_millis((data.get("created") or {}).get("time")) or datetime.now(UTC)
        modified = from_millis((data.get("lastModified") or {}).get("time"))
        actor = str(data.get("actor") or "")
        return RemoteComment(
            remote_id=_urn_of(data),
            text=str((data.get("message") or {}).get("text") or ""),
            created_at=created,
            author_id=actor or None,
            post_remote_id=post_urn,
            parent_remote_id=data.get("parentComment"),
            is_own=actor == self.organization,
            edited_at=modified if modified and modified > created else None,
            url=post_url(post_urn),
        )

    def _thread(self, comment_remote_id: str) -> tuple[str, str]:
        """(object, thread) of a comment: the activity it hangs under, and the top comment of
        its thread (LinkedIn nests one level: an answer to a reply joins that thread)."""
        parts = comment_parts(comment_remote_id)
        if parts is None:
            raise Rejected(_("This is not a LinkedIn comment hub can answer."))
        target, number = parts
        found = self.get_json(
            f"socialActions/{encoded(target)}/comments/{number}", _("the comment")
        )
        return target, str(found.get("parentComment") or comment_remote_id)

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        target, thread = self._thread(comment_remote_id)
        response = self.call(
            "POST",
            f"socialActions/{encoded(thread)}/comments",
            _("the reply"),
            json={
                "actor": self.organization,
                "object": target,
                "parentComment": thread,
                "message": {"text": text},
            },
        )
        made: dict[str, Any] = {}
        with suppress(ValueError):
            made = dict(response.json())
        number = response.headers.get("x-restli-id") or made.get("id")
        urn = made.get("commentUrn") or (f"urn:li:comment:({target},{number})" if number else None)
        if not urn:
            raise Transient(
                _("LinkedIn did not name the new reply; hub looks for it before trying again."),
                detail=answer_detail(response),
            )
        return str(urn)

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        _target, thread = self._thread(comment_remote_id)
        wanted = comparable(text)
        for data in self._replies(thread):
            created = from_millis((data.get("created") or {}).get("time"))
            if since and created and created < since:
                continue
            mine = data.get("actor") == self.organization
            if mine and comparable((data.get("message") or {}).get("text")) == wanted:
                return _urn_of(data)
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        raise Unsupported(str(self.no_hiding_reason))

    def delete_comment(self, comment_remote_id: str) -> None:
        parts = comment_parts(comment_remote_id)
        if parts is None:
            raise Rejected(_("This is not a LinkedIn comment hub can delete."))
        target, number = parts
        try:
            self.call(
                "DELETE",
                f"socialActions/{encoded(target)}/comments/{number}",
                _("deleting the comment"),
                query=f"actor={encoded(self.organization)}",
                restli_method="DELETE",
            )
        except Rejected as exc:
            if "HTTP 404" in (exc.detail or ""):
                return  # gone already
            if "HTTP 403" in (exc.detail or ""):
                raise Unsupported(str(self.no_deleting_reason), detail=exc.detail) from exc
            raise

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """``organizationalEntityShareStatistics`` for our posts, in batches: ``shares=`` for
        ``urn:li:share`` posts, ``ugcPosts=`` for ``urn:li:ugcPost`` ones (videos, several
        images). A post LinkedIn leaves out (deleted) is missing from the answer."""
        wanted = list(dict.fromkeys(remote_ids))
        figures: dict[str, PostMetrics] = {}
        for first in range(0, len(wanted), STATISTICS_BATCH):
            batch = wanted[first : first + STATISTICS_BATCH]
            shares = [u for u in batch if u.startswith("urn:li:share:")]
            ugc = [u for u in batch if u.startswith("urn:li:ugcPost:")]
            query = f"q=organizationalEntity&organizationalEntity={encoded(self.organization)}"
            if shares:
                query += f"&shares={restli_list(shares)}"
            if ugc:
                query += f"&ugcPosts={restli_list(ugc)}"
            if not (shares or ugc):
                continue
            found = self.get_json("organizationalEntityShareStatistics", _("the figures"), query)
            for element in found.get("elements") or []:
                urn = element.get("share") or element.get("ugcPost")
                stats = element.get("totalShareStatistics") or {}
                if not urn:
                    continue
                figures[str(urn)] = PostMetrics(
                    views=_int(stats.get("impressionCount")),
                    reach=_int(stats.get("uniqueImpressionsCount")),
                    likes=_int(stats.get("likeCount")),
                    comments=_int(stats.get("commentCount")),
                    shares=_int(stats.get("shareCount")),
                    clicks=_int(stats.get("clickCount")),
                    raw=dict(stats),
                )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        found = self.get_json(
            f"networkSizes/{encoded(self.organization)}",
            _("the account figures"),
            query="edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        )
        return AccountMetrics(followers=_int(found.get("firstDegreeSize")), raw=found)


def _reason(response: requests.Response) -> str:
    """LinkedIn's own words for an error (``message``), or the status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, Mapping) and body.get("message"):
        return str(body["message"])
    return f"HTTP {response.status_code}"


def _urn_of(data: Mapping[str, Any]) -> str:
    found = data.get("commentUrn") or data.get("$URN")
    if found:
        return str(found)
    return f"urn:li:comment:({data.get('object')},{data.get('id')})"


def _changed(data: Mapping[str, Any]) -> int:
    """When a comment last changed, in LinkedIn's milliseconds."""
    for key in ("lastModified", "created"):
        value = (data.get(key) or {}).get("time")
        if value:
            return int(value)
    return 0


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
