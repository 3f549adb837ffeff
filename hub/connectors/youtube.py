"""YouTube: resumable video uploads under the daily quota, captions, comments and figures.

Built on google-api-python-client (the discovery document it ships, ``youtube.v3.json``, with
its root URL pointed at ``access.base_url`` for the sandbox) and google-auth (OAuth 2 user
credentials that refresh themselves). Two choices worth knowing:

- **Transport.** The client's default, httplib2, retries a request by itself after some
  connection errors and would then re-send a half-read upload chunk, and it has no separate
  connect and read timeouts. :class:`RequestsHttp` gives the client what it expects of httplib2
  (``request()`` returning ``(response, content)``) over google-auth's ``AuthorizedSession``,
  so chunks stream from the file, every call has a (connect, read) timeout like the other
  connectors, and 308 is never followed as a redirect.
- **Resuming.** ``videos.insert`` uses YouTube's resumable protocol in chunks of
  ``chunk_bytes``. A broken connection is answered by asking the server how far it got
  (``Content-Range: bytes */size``) and sending the rest, up to ``resume_attempts`` times in the
  same attempt. The session URI is stored per delivery (:mod:`hub.publishing.network_state`),
  so the next attempt, after a crash or a timeout, continues the same upload: an unfinished
  session never becomes a video, and a finished one is the only video.

Quota: Google counts per project and Pacific-time day. ``videos.insert`` has its own bucket
(100 uploads a day by default), everything else shares 10,000 units (captions.insert 400,
comments 50, lists 1). Usage is recorded in a ledger shared by all workers; an upload that
would exceed it is refused with the time the quota resets, and a ``quotaExceeded`` answer
marks the day as used up. Limits per channel can be raised in the credentials
(``daily_uploads``, ``daily_units``) when Google granted more.

Uploads through a Google API project that Google has not verified (created after 2020-07-28,
not audited) are locked to private, whatever was asked: :meth:`YouTubeConnector.publish` sees
it in the answer (``status.privacyStatus``) and returns the video with a note saying so and the
video's YouTube Studio page instead of a public link.

Credentials: ``refresh_token``, ``client_id``, ``client_secret`` (optionally ``access_token``,
``access_token_expires_at``, ``project``). The Google project is ``project`` or the number that
starts the OAuth client id.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import google.auth.exceptions
import google.oauth2.credentials
import httplib2
import requests
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    ChannelAccess,
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
    comparable,
    missing_file,
    parse_time,
    round_done,
    round_left,
)
from hub.connectors.http import retry_after_seconds, transport_error
from hub.models import Network
from hub.publishing.network_state import QuotaLedger, StoredUpload, UploadSessions, stores
from hub.publishing.rules import RULES
from hub.publishing.tokens import LoginRefresh

log = logging.getLogger(__name__)

API_ROOT = "https://youtube.googleapis.com/"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
SANDBOX_TOKEN_PATH = "/oauth2/v4/token"  # noqa: S105 (a path)
SCOPES = ("https://www.googleapis.com/auth/youtube.force-ssl",)
PACIFIC = ZoneInfo("America/Los_Angeles")
DAILY_UNITS = 10_000
DAILY_UPLOADS = 100
# Units per call (https://developers.google.com/youtube/v3/determine_quota_cost).
COSTS = {
    "list": 1,
    "captions.insert": 400,
    "comments.insert": 50,
    "comments.setModerationStatus": 50,
    "comments.delete": 50,
}
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
AUTH_REASONS = frozenset({"authError", "insufficientPermissions"})
PRIVACY = frozenset({"public", "unlisted", "private"})
# The visibilities as the compose form names them (hub.publishing.options).
PRIVACY_LABELS = {"public": _l("Public"), "unlisted": _l("Unlisted"), "private": _l("Private")}
# commentThreads.list lists published threads only, unless moderationStatus asks for these.
HELD = ("heldForReview", "likelySpam")
# Category 25 is "News & Politics", what a city's press office publishes.
DEFAULT_CATEGORY = "25"


def discovery_document(root_url: str) -> dict[str, Any]:
    """The YouTube v3 discovery document shipped with the client, rooted at ``root_url``."""
    text = (
        resources.files("googleapiclient")
        .joinpath("discovery_cache/documents/youtube.v3.json")
        .read_text(encoding="utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    document["rootUrl"] = root_url
    document["baseUrl"] = root_url
    document["mtlsRootUrl"] = root_url
    return document


# ---------------------------------------------------------------------------------------------
# Transport


class _Body:
    """A chunk as a file-like with a length, so requests streams it with Content-Length."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self._length = length

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(size)
        return data


class RequestsHttp:
    """What googleapiclient asks of ``httplib2.Http``, over an authorised requests session."""

    def __init__(self, session: requests.Session, timeout: tuple[float, float]) -> None:
        self.session = session
        self.timeout = timeout

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 0,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        headers = dict(headers or {})
        if body is not None and hasattr(body, "read"):
            length = int(headers.get("Content-Length") or headers.get("content-length") or 0)
            body = _Body(body, length)
        response = self.session.request(
            method,
            uri,
            data=body,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,  # 308 means "resume incomplete" here
        )
        info = {k.lower(): v for k, v in response.headers.items()}
        info["status"] = str(response.status_code)
        return httplib2.Response(info), response.content


# ---------------------------------------------------------------------------------------------
# The connector


@dataclass(frozen=True)
class Quota:
    project: str
    day: date
    resets_at: datetime


class YouTubeConnector(ResumesUploads):
    network = Network.youtube.value
    api = "youtube"
    rules = RULES[Network.youtube]
    capabilities = frozenset(
        {
            Capability.publish_video,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    # A 4 GB video at 2 MB/s takes half an hour: the lease must outlast a big upload.
    lease_seconds: ClassVar[int] = 3 * 3600
    # YouTube takes chunks in multiples of 256 KiB; 8 MiB keeps memory flat and calls few.
    chunk_bytes: ClassVar[int] = 8 * 1024 * 1024
    # Broken connections survived within one attempt before it gives up (Transient).
    resume_attempts: ClassVar[int] = 5
    resume_pause: ClassVar[float] = 0.5
    daily_quota_units: ClassVar[int | None] = DAILY_UNITS
    # find_published reads at most this many pages of 50 uploads.
    lookup_pages: ClassVar[int] = 4
    # Seconds between two readings of the held-for-review and likely-spam queues in the
    # incremental listings (2 units each time); complete listings always read them.
    held_interval: ClassVar[float] = 300.0

    def __init__(
        self,
        access: ChannelAccess,
        *,
        timeout: float | None = None,
        ledger: QuotaLedger | None = None,
        sessions: UploadSessions | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__(access, timeout=timeout, sessions=sessions)
        self.ledger = ledger or stores()[0]
        self.on_progress = on_progress
        self.channel_id = access.external_id

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return (self.access.base_url or API_ROOT).rstrip("/") + "/"

    @cached_property
    def credentials(self) -> google.oauth2.credentials.Credentials:
        creds = self.access.credentials
        if not creds.get("refresh_token") and not creds.get("access_token"):
            raise AuthExpired(_("This YouTube channel has no login yet; connect it first."))
        expiry = None
        if creds.get("access_token_expires_at"):
            moment = datetime.fromisoformat(str(creds["access_token_expires_at"]))
            # google-auth compares naive UTC times.
            expiry = moment.astimezone(UTC).replace(tzinfo=None)
        # Google's own token endpoint, never one from the credentials: the refresh token and
        # the client secret go there, and an admin-set address would hand them to any host.
        token_uri = (
            self.access.base_url.rstrip("/") + SANDBOX_TOKEN_PATH
            if self.access.base_url
            else TOKEN_URI
        )
        return google.oauth2.credentials.Credentials(
            token=creds.get("access_token"),
            refresh_token=creds.get("refresh_token"),
            client_id=creds.get("client_id"),
            client_secret=creds.get("client_secret"),
            token_uri=token_uri,
            scopes=list(SCOPES),
            expiry=expiry,
        )

    @cached_property
    def session(self) -> AuthorizedSession:
        session = AuthorizedSession(self.credentials, refresh_timeout=self.timeout)
        return session

    @cached_property
    def youtube(self) -> Any:
        return build_from_document(
            discovery_document(self.base),
            http=RequestsHttp(self.session, self.http_timeout),
        )

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn what the client, google-auth or requests raise into hub's typed errors."""
        try:
            yield
        except HttpError as exc:
            raise self._from_http_error(exc, what) from exc
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise Transient(
                    _("Google could not renew the login just now; hub tries again."),
                    detail=repr(exc),
                ) from exc
            raise AuthExpired(
                _(
                    "The YouTube login of this channel has expired or was revoked; connect it "
                    "again."
                ),
                detail=repr(exc),
            ) from exc
        except google.auth.exceptions.TransportError as exc:
            raise Transient(
                _("The connection to %(network)s failed; hub tries again.", network="Google"),
                detail=repr(exc),
            ) from exc
        except requests.RequestException as exc:
            raise transport_error(exc, "YouTube", self.timeout) from exc

    def _from_http_error(self, exc: HttpError, what: str) -> ConnectorError:
        status = int(exc.resp.status)
        try:
            error = json.loads(exc.content or b"{}").get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):  # {"error": "error message"} (error_response_simple)
            error = {"message": str(error)}
        items = error.get("errors") or [{}]
        reason = str(items[0].get("reason") or "")
        message = str(error.get("message") or exc.reason or f"HTTP {status}")
        detail = f"HTTP {status} {(exc.uri or '').split('?')[0]}: {(exc.content or b'')[:2000]!r}"
        if status == 401:
            return AuthExpired(
                _(
                    "The YouTube login of this channel has expired or was revoked; connect it "
                    "again."
                ),
                detail=detail,
            )
        if reason in QUOTA_REASONS:
            quota = self.quota()
            self.ledger.spend(self.network, quota.project, quota.day, "units", DAILY_UNITS * 10)
            self.ledger.spend(self.network, quota.project, quota.day, "uploads", DAILY_UPLOADS * 10)
            return self._quota_refusal(quota, detail)
        if status == 429 or reason in RATE_REASONS:
            return RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network="YouTube",
                ),
                detail=detail,
                retry_after=retry_after_seconds(exc.resp.get("retry-after")),
            )
        if status >= 500:
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network="YouTube",
                    status=status,
                ),
                detail=detail,
            )
        if status == 403 and reason in AUTH_REASONS:
            return AuthExpired(
                _(
                    "The YouTube login of this channel lacks the permission for this; connect it "
                    "again and allow hub to manage the channel."
                ),
                detail=detail,
            )
        if status == 404:
            # TRANSLATORS: %(what)s is what hub asked for (German in the accusative).
            return Rejected(_("YouTube could not find %(what)s.", what=what), detail=detail)
        return Rejected(
            _(
                "%(network)s refused %(what)s: %(reason)s",
                network="YouTube",
                what=what,
                reason=message,
            ),
            detail=detail,
        )

    # -- quota --------------------------------------------------------------------------------

    @property
    def project(self) -> str:
        creds = self.access.credentials
        if creds.get("project"):
            return str(creds["project"])
        client_id = str(creds.get("client_id") or "")
        return client_id.split("-", 1)[0] if client_id else f"channel-{self.channel_id}"

    def quota(self, now: datetime | None = None) -> Quota:
        """Today's quota day (Pacific time, as Google counts) and when it resets."""
        local = (now or datetime.now(UTC)).astimezone(PACIFIC)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
        return Quota(self.project, local.date(), midnight.astimezone(UTC))

    def _limit(self, bucket: str) -> int:
        key, default = (
            ("daily_uploads", DAILY_UPLOADS)
            if bucket == "uploads"
            else (
                "daily_units",
                DAILY_UNITS,
            )
        )
        try:
            return int(self.access.credentials.get(key) or default)
        except (TypeError, ValueError):
            return default

    def _quota_refusal(self, quota: Quota, detail: str | None = None) -> RateLimited:
        zone = ZoneInfo(os.environ.get("HUB_TIMEZONE") or "Europe/Berlin")
        resets = quota.resets_at.astimezone(zone)
        wait = max(60.0, (quota.resets_at - datetime.now(UTC)).total_seconds())
        return RateLimited(
            _(
                "YouTube's daily quota for this Google project (%(project)s) is used up; hub "
                "uploads the video after it resets on %(date)s at %(time)s (%(zone)s time).",
                project=quota.project,
                date=f"{resets:%d.%m.%Y}",
                time=f"{resets:%H:%M}",
                zone=zone.key,
            ),
            detail=detail,
            retry_after=wait,
        )

    def spend(self, bucket: str, units: int) -> None:
        """Count ``units`` against today's quota, refusing if they would exceed it."""
        quota = self.quota()
        used = self.ledger.used(self.network, quota.project, quota.day, bucket)
        if used + units > self._limit(bucket):
            raise self._quota_refusal(
                quota, f"{bucket}: {used} used + {units} > {self._limit(bucket)}"
            )
        self.ledger.spend(self.network, quota.project, quota.day, bucket, units)

    def quota_left(self) -> dict[str, int]:
        quota = self.quota()
        return {
            bucket: self._limit(bucket)
            - self.ledger.used(self.network, quota.project, quota.day, bucket)
            for bucket in ("uploads", "units")
        }

    # -- logins -------------------------------------------------------------------------------

    def check_connection(self) -> str:
        self.spend("units", COSTS["list"])
        with self.errors(_("the login check")):
            found = self.youtube.channels().list(part="snippet", mine=True).execute()
        items = found.get("items") or []
        if not items:
            raise Rejected(_("This Google login has no YouTube channel."))
        snippet = items[0].get("snippet") or {}
        return str(snippet.get("customUrl") or snippet.get("title") or items[0]["id"])

    def refresh_login(self) -> LoginRefresh:
        """A fresh access token from the refresh token (which itself does not expire)."""
        from google.auth.transport.requests import Request

        with self.errors(_("the login renewal")):
            self.credentials.refresh(Request())
        expiry = self.credentials.expiry
        fresh: dict[str, Any] = {"access_token": self.credentials.token}
        if expiry is not None:
            fresh["access_token_expires_at"] = expiry.replace(tzinfo=UTC).isoformat()
        if self.credentials.refresh_token:
            fresh["refresh_token"] = self.credentials.refresh_token
        return LoginRefresh(fresh, None)

    # -- publishing ---------------------------------------------------------------------------

    def _video_of(self, post: OutgoingPost) -> MediaFile:
        videos = [m for m in post.media if m.kind == "video"]
        if any(m.kind != "video" for m in post.media):
            raise Rejected(_("YouTube takes only a video; remove the images for this channel."))
        if len(videos) != 1:
            raise Rejected(_("YouTube needs exactly one video."))
        if not (post.title or "").strip():
            raise Rejected(_("YouTube needs a title for the video."))
        return videos[0]

    def _metadata(self, post: OutgoingPost) -> dict[str, Any]:
        options = post.options
        privacy = str(options.get("privacy") or "public")
        if privacy not in PRIVACY:
            raise Rejected(_("YouTube knows no visibility '%(privacy)s'.", privacy=privacy))
        snippet: dict[str, Any] = {
            "title": (post.title or "").strip(),
            "description": post.text,
            "categoryId": str(options.get("category") or DEFAULT_CATEGORY),
            "defaultLanguage": str(options.get("language") or "de"),
        }
        if options.get("tags"):
            snippet["tags"] = [str(t) for t in options["tags"]]
        status: dict[str, Any] = {
            "privacyStatus": privacy,
            "license": "creativeCommon" if options.get("licence") == "cc-by" else "youtube",
            "selfDeclaredMadeForKids": False,
            "embeddable": True,
        }
        return {"snippet": snippet, "status": status}

    def publish(self, post: OutgoingPost) -> Published:
        video = self._video_of(post)
        body = self._metadata(post)
        captions = list(post.options.get("captions") or [])
        try:
            size = video.path.stat().st_size
        except OSError as exc:
            raise missing_file(video, exc) from exc
        key = post.idempotency_key
        stored = self.sessions.get(self.network, key)
        if stored is None or stored.size != size or stored.sha256 != video.sha256:
            stored = None
            self.spend("uploads", 1)
            if captions:
                # Refuse now rather than publish a video whose captions cannot follow today.
                left = self.quota_left()["units"]
                if left < COSTS["captions.insert"] * len(captions):
                    raise self._quota_refusal(self.quota(), "units for the captions")
        result = self._upload(video, size, body, key, stored)
        status = result.get("status") or {}
        video_id = str(result["id"])
        if status.get("uploadStatus") in ("failed", "rejected"):
            self.sessions.drop(self.network, key)
            reason = status.get("failureReason") or status.get("rejectionReason") or _("unknown")
            raise Rejected(
                _(
                    "YouTube could not process the video (%(reason)s): the file is damaged or in "
                    "a format YouTube does not read. Export it again as MP4 (H.264, AAC) and "
                    "retry.",
                    reason=reason,
                ),
                detail=json.dumps(result)[:2000],
            )
        for caption in captions:
            self._add_caption(video_id, caption)
        self.sessions.drop(self.network, key)
        return self._published(video_id, status, body["status"]["privacyStatus"])

    def _published(self, video_id: str, status: Mapping[str, Any], asked: str) -> Published:
        """The video as YouTube made it. An upload through an API project that Google has not
        verified (created after 2020-07-28, not audited) is locked to private whatever was
        asked: then say so, and give the video's page in YouTube Studio instead of a public
        link that would not open for anyone else."""
        made = str(status.get("privacyStatus") or asked)
        if made == "private" and asked != "private":
            return Published(
                video_id,
                f"https://studio.youtube.com/video/{video_id}/edit",
                note=_(
                    "YouTube made this video private, although %(asked)s was chosen: uploads "
                    "through a Google API project that Google has not verified are locked to "
                    "private. Only the channel sees the video. To publish publicly, the city's "
                    "Google project (%(project)s) must pass Google's API audit.",
                    asked=str(PRIVACY_LABELS.get(asked, asked)),
                    project=self.project,
                ),
            )
        return Published(video_id, f"https://www.youtube.com/watch?v={video_id}")

    def _upload(
        self,
        video: MediaFile,
        size: int,
        body: dict[str, Any],
        key: str,
        stored: StoredUpload | None,
    ) -> dict[str, Any]:
        with video.path.open("rb") as handle:
            media = MediaIoBaseUpload(
                handle, mimetype=video.mime_type, chunksize=self.chunk_bytes, resumable=True
            )
            with self.errors(_("the video")):
                request = self.youtube.videos().insert(
                    part="snippet,status", body=body, media_body=media, notifySubscribers=True
                )
            if stored is not None:
                request.resumable_uri = stored.location
                # Ask the server how far the stored session got before sending anything.
                request._in_error_state = True
            response = None
            failures = 0
            while response is None:
                try:
                    status, response = request.next_chunk()
                except HttpError as exc:
                    if stored is not None and exc.resp.status in (404, 410):
                        # The stored session expired (Google keeps them a week): start again.
                        self.sessions.drop(self.network, key)
                        raise Transient(
                            _("The interrupted upload expired on YouTube; hub starts it again."),
                            detail=repr(exc),
                        ) from exc
                    error = self._from_http_error(exc, _("the video"))
                    if not _resumable(error) or failures >= self.resume_attempts:
                        raise error from exc
                    failures += 1
                    self._pause(key, failures, error)
                    continue
                except (requests.RequestException, google.auth.exceptions.TransportError) as exc:
                    if failures >= self.resume_attempts:
                        with self.errors(_("the video")):
                            raise
                    failures += 1
                    self._pause(key, failures, exc)
                    # Next call asks the server how far it got, then sends the rest.
                    request._in_error_state = request.resumable_uri is not None
                    continue
                if request.resumable_uri and (
                    stored is None or stored.location != request.resumable_uri
                ):
                    stored = StoredUpload(request.resumable_uri, size, video.sha256)
                    self.sessions.put(self.network, key, stored)
                if status is not None and self.on_progress is not None:
                    self.on_progress(status.resumable_progress, size)
        return dict(response)

    def _pause(self, key: str, failures: int, error: object) -> None:
        log.info("upload of %s interrupted (%s); resuming", key, error)
        time.sleep(self.resume_pause * failures)

    def _add_caption(self, video_id: str, caption: Mapping[str, Any]) -> None:
        """A subtitle file (WebVTT or SRT) as a caption track: deaf viewers need it."""
        path = Path(str(caption["path"]))
        self.spend("units", COSTS["captions.insert"])
        body = {
            "snippet": {
                "videoId": video_id,
                "language": str(caption.get("language") or "de"),
                "name": str(caption.get("name") or ""),
                "isDraft": False,
            }
        }
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise Rejected(
                _("The subtitle file %(name)s is missing.", name=path.name), detail=repr(exc)
            ) from exc
        with handle, self.errors(_("the subtitles")):
            media = MediaIoBaseUpload(
                handle, mimetype="application/octet-stream", chunksize=-1, resumable=True
            )
            request = self.youtube.captions().insert(part="snippet", body=body, media_body=media)
            response = None
            while response is None:
                _progress, response = request.next_chunk()

    def find_published(self, post: OutgoingPost) -> Published | None:
        stored = self.sessions.get(self.network, post.idempotency_key)
        if stored is not None:
            done = self._finished_upload(stored, self._asked(post))
            if done is not None:
                return done
        wanted = (comparable(post.title), comparable(post.text))
        since = post.search_since
        for item in self._uploads():
            snippet = item.get("snippet") or {}
            published = parse_time(snippet.get("publishedAt"))
            if since is not None and published is not None and published < since:
                break  # newest first: older ones cannot be ours
            if (comparable(snippet.get("title")), comparable(snippet.get("description"))) == wanted:
                video_id = str((snippet.get("resourceId") or {}).get("videoId"))
                return self._published(video_id, self._status_of(video_id), self._asked(post))
        return None

    def _asked(self, post: OutgoingPost) -> str:
        return str(post.options.get("privacy") or "public")

    def _status_of(self, video_id: str) -> dict[str, Any]:
        """``status`` of one of our videos (``videos.list``, 1 unit); empty if not listed."""
        self.spend("units", COSTS["list"])
        with self.errors(_("the lookup")):
            found = self.youtube.videos().list(part="status", id=video_id).execute()
        items = found.get("items") or []
        return dict(items[0].get("status") or {}) if items else {}

    def _finished_upload(self, stored: StoredUpload, asked: str = "public") -> Published | None:
        """Did the stored session complete (the answer was lost)? Asks without sending bytes."""
        with self.errors(_("the upload status")):
            response, content = RequestsHttp(self.session, self.http_timeout).request(
                stored.location,
                "PUT",
                headers={"Content-Range": f"bytes */{stored.size}", "Content-Length": "0"},
            )
        if response.status in (200, 201):
            made = json.loads(content)
            return self._published(str(made["id"]), made.get("status") or {}, asked)
        return None

    def _uploads(self) -> Iterator[dict[str, Any]]:
        self.spend("units", COSTS["list"])
        with self.errors(_("the lookup")):
            channel = self.youtube.channels().list(part="contentDetails", mine=True).execute()
        items = channel.get("items") or []
        if not items:
            return
        playlist = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
        token = None
        for _page in range(self.lookup_pages):
            self.spend("units", COSTS["list"])
            with self.errors(_("the lookup")):
                page = (
                    self.youtube.playlistItems()
                    .list(part="snippet", playlistId=playlist, maxResults=50, pageToken=token)
                    .execute()
                )
            yield from page.get("items") or []
            token = page.get("nextPageToken")
            if not token:
                return

    # -- comments (the inbox) -----------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """New comments on the channel's videos, read account-wide: ``commentThreads.list``
        with ``allThreadsRelatedToChannelId`` and ``order=time``, newest first, stopping at the
        position in ``cursor["threads"]`` (``since`` and the ids seen at that second). With
        ``full``, every thread under each of ``posts`` is listed (``videoId``) instead, going on
        where the last call's page budget ended (``cursor["round"]`` and ``["listing"]``), and
        the videos listed from their first page to their last in this call are named
        ``complete``.

        ``commentThreads.list`` returns published comments only, unless ``moderationStatus``
        asks for those YouTube holds for review (the channel's settings, or hidden by hub) or
        took for likely spam. Those are listed too, as hidden comments a moderator can show
        (publish) or delete (reject): in every complete listing, so a comment hub hid counts
        as present, not as deleted; and in the incremental listings once per
        ``held_interval`` (``cursor["held"]``), because each costs a unit a page.
        """
        positions: dict[str, Any] = dict(cursor)
        items: list[RemoteComment] = []
        self._units = 0
        if full:
            return self._full_listing(positions, posts, items)
        budget = self.comment_pages
        held = dict(positions.get("held") or {})
        checked = parse_time(held.get("at"))
        now = datetime.now(UTC)
        if held.get("open"):
            # A reading of the held queues that an earlier call's budget cut goes first.
            read, budget = self._held(held, items, budget, now)
            positions["held"] = held
            if not read:
                return CommentPage(_unique(items), positions, True, (), self._units)
            listed, budget, finished = self._incremental(positions, "threads", None, budget)
            items.extend(listed)
            return CommentPage(_unique(items), positions, not finished, (), self._units)
        listed, budget, finished = self._incremental(positions, "threads", None, budget)
        items.extend(listed)
        if not finished:
            return CommentPage(_unique(items), positions, True, (), self._units)
        if checked is not None and (now - checked).total_seconds() < self.held_interval:
            return CommentPage(_unique(items), positions, False, (), self._units)
        read, budget = self._held(held, items, budget, now)
        positions["held"] = held
        return CommentPage(_unique(items), positions, not read, (), self._units)

    def _held(
        self, held: dict[str, Any], items: list[RemoteComment], budget: int, now: datetime
    ) -> tuple[bool, int]:
        """Read the held-for-review and likely-spam queues (account-wide, newest first, each
        from its own position in ``held``); returns (read to the end, pages left). A reading
        the budget cut stays ``open`` with the queues it finished in ``done``."""
        done = set(held.get("done") or ())
        for status in HELD:
            if status in done:
                continue
            listed, budget, finished = self._incremental(held, status, status, budget)
            items.extend(listed)
            if not finished:
                held.update(open=True, done=sorted(done))
                return False, budget
            done.add(status)
        held.pop("open", None)
        held.pop("done", None)
        held["at"] = now.isoformat()
        return True, budget

    def _incremental(
        self, container: dict[str, Any], key: str, status: str | None, budget: int
    ) -> tuple[list[RemoteComment], int, bool]:
        """The account's threads (of one moderation status) newer than the position kept in
        ``container[key]``, which is moved on; returns (comments, pages left, finished)."""
        position = dict(container.get(key) or {})
        since = parse_time(position.get("since"))
        seen = set(position.get("seen") or ())
        listed, budget, finished = self._threads(
            {"allThreadsRelatedToChannelId": self.channel_id},
            since,
            seen,
            budget,
            page_token=position.get("page_token"),
            status=status,
        )
        newest = max((c.created_at for c in listed), default=None)
        previous_newest = parse_time(position.get("newest"))
        if previous_newest is not None and (newest is None or previous_newest > newest):
            newest = previous_newest
        at_newest = {c.remote_id for c in listed if c.created_at == newest}
        if not finished:
            # Stopped at the page budget: keep the old stop line, go on from the next page.
            container[key] = {
                **position,
                "page_token": self._next_token,
                "newest": newest.isoformat() if newest else None,
            }
            return listed, budget, False
        if newest is not None:
            container[key] = {"since": newest.isoformat(), "seen": sorted(at_newest | seen)}
        return listed, budget, True

    def _full_listing(
        self, positions: dict[str, Any], posts: Sequence[str], items: list[RemoteComment]
    ) -> CommentPage:
        """Every thread of each video, video after video: the published ones, then those held
        for review and those taken for spam; a video longer than the call's page budget goes
        on from its next page (and status) in the next call (its listing is not complete then:
        the comments of the earlier call are not in this call's ``items``)."""
        listing = dict(positions.get("listing") or {})
        done = round_done(positions, True)
        complete: list[str] = []
        budget = self.comment_pages
        statuses = ("published", *HELD)
        for video_id in posts:
            if video_id in done:
                continue
            resumed = listing.get("video") == video_id
            first = listing.get("status") if resumed else None
            token = listing.get("page_token") if resumed else None
            for status in statuses[statuses.index(first) if first in statuses else 0 :]:
                listed, budget, finished = self._threads(
                    {"videoId": video_id},
                    None,
                    set(),
                    budget,
                    page_token=token,
                    status=None if status == "published" else status,
                )
                items.extend(listed)
                if not finished:
                    positions["listing"] = {
                        "video": video_id,
                        "status": status,
                        "page_token": self._next_token,
                    }
                    positions["round"] = round_left(True, done, posts)
                    return CommentPage(_unique(items), positions, True, complete, self._units)
                token = None
            done.add(video_id)
            if not resumed:
                complete.append(video_id)
        positions.pop("listing", None)
        positions.pop("round", None)
        return CommentPage(_unique(items), positions, False, complete, self._units)

    def _threads(
        self,
        where: Mapping[str, str],
        since: datetime | None,
        seen: set[str],
        budget: int,
        page_token: str | None = None,
        status: str | None = None,
    ) -> tuple[list[RemoteComment], int, bool]:
        """Threads newest first until ``since``; returns (comments, pages left, finished).
        ``status``: the ``moderationStatus`` to list (None: published, YouTube's default)."""
        found: list[RemoteComment] = []
        self._next_token: str | None = None
        listed_as = status or "published"
        extra = {"moderationStatus": status} if status else {}
        while budget > 0:
            budget -= 1
            self._units += COSTS["list"]
            self.spend("units", COSTS["list"])
            with self.errors(_("the comments")):
                page = (
                    self.youtube.commentThreads()
                    .list(
                        part="snippet,replies",
                        order="time",
                        maxResults=100,
                        textFormat="plainText",
                        pageToken=page_token,
                        **where,
                        **extra,
                    )
                    .execute()
                )
            reached_old = False
            for thread in page.get("items") or []:
                snippet = thread.get("snippet") or {}
                video_id = snippet.get("videoId")
                top = self._comment(snippet.get("topLevelComment") or {}, video_id, listed_as)
                replies = [
                    self._comment(r, video_id, listed_as)
                    for r in (thread.get("replies") or {}).get("comments") or []
                ]
                # totalReplyCount counts published replies; a held listing may show held ones
                # inline, which comments.list (published only) never returns: keep those.
                if int(snippet.get("totalReplyCount") or 0) > sum(not r.hidden for r in replies):
                    fetched = self._replies(top.remote_id, video_id)
                    known = {r.remote_id for r in fetched}
                    replies = fetched + [r for r in replies if r.remote_id not in known]
                for comment in (top, *replies):
                    if (
                        since is None
                        or comment.created_at > since
                        or (comment.created_at == since and comment.remote_id not in seen)
                    ):
                        found.append(comment)
                if since is not None and top.created_at < since:
                    reached_old = True
            page_token = page.get("nextPageToken")
            if reached_old or not page_token:
                return found, budget, True
            self._next_token = page_token
        return found, budget, False

    def _replies(self, thread_id: str, video_id: str | None) -> list[RemoteComment]:
        replies = self._thread(thread_id, _("the replies"))
        return [self._comment(item, video_id) for item in replies]

    #: At most this many pages of 100 replies are read of one thread.
    reply_pages: ClassVar[int] = 10

    def _thread(self, thread_id: str, what: str) -> list[dict[str, Any]]:
        """The replies in one comment thread (``comments.list`` by ``parentId``), as listed,
        page after page (``nextPageToken``, as comments_by_parent_paged_1.json shows)."""
        found: list[dict[str, Any]] = []
        token = None
        for _page in range(self.reply_pages):
            self.spend("units", COSTS["list"])
            self._units = getattr(self, "_units", 0) + COSTS["list"]
            with self.errors(what):
                page = (
                    self.youtube.comments()
                    .list(
                        part="snippet",
                        parentId=thread_id,
                        maxResults=100,
                        textFormat="plainText",
                        pageToken=token,
                    )
                    .execute()
                )
            found.extend(page.get("items") or [])
            token = page.get("nextPageToken")
            if not token:
                break
        return found

    def _comment(
        self, data: Mapping[str, Any], video_id: str | None, listed_as: str = "published"
    ) -> RemoteComment:
        """One comment; hidden when its ``moderationStatus`` (which YouTube sets for the
        channel's owner; otherwise the status the listing asked for) is held or likely spam."""
        snippet = data.get("snippet") or {}
        author = (snippet.get("authorChannelId") or {}).get("value")
        status = snippet.get("moderationStatus") or listed_as
        return RemoteComment(
            remote_id=str(data["id"]),
            text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
            created_at=parse_time(snippet.get("publishedAt")) or datetime.now(UTC),
            author_name=str(snippet.get("authorDisplayName") or ""),
            author_handle=None,
            author_id=author,
            post_remote_id=video_id or snippet.get("videoId"),
            parent_remote_id=snippet.get("parentId"),
            is_own=author == self.channel_id,
            hidden=status in HELD,
            edited_at=parse_time(snippet.get("updatedAt"))
            if snippet.get("updatedAt") != snippet.get("publishedAt")
            else None,
        )

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        # YouTube replies belong to the thread: answering a reply answers its thread.
        parent = comment_remote_id.split(".", 1)[0]
        self.spend("units", COSTS["comments.insert"])
        with self.errors(_("the reply")):
            made = (
                self.youtube.comments()
                .insert(
                    part="snippet", body={"snippet": {"parentId": parent, "textOriginal": text}}
                )
                .execute()
            )
        return str(made["id"])

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        parent = comment_remote_id.split(".", 1)[0]
        wanted = comparable(text)
        for item in self._thread(parent, _("the lookup")):
            snippet = item.get("snippet") or {}
            author = (snippet.get("authorChannelId") or {}).get("value")
            made = parse_time(snippet.get("publishedAt"))
            if since is not None and made is not None and made < since:
                continue
            if author == self.channel_id and comparable(snippet.get("textOriginal")) == wanted:
                return str(item["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        self.spend("units", COSTS["comments.setModerationStatus"])
        with self.errors(_("hiding the comment") if hidden else _("showing the comment")):
            self.youtube.comments().setModerationStatus(
                id=comment_remote_id,
                moderationStatus="heldForReview" if hidden else "published",
            ).execute()

    def delete_comment(self, comment_remote_id: str) -> None:
        """Our own comment: deleted; someone else's under our video: rejected (removed)."""
        self.spend("units", COSTS["comments.delete"])
        try:
            with self.errors(_("deleting the comment")):
                self.youtube.comments().delete(id=comment_remote_id).execute()
        except Rejected as exc:
            status = getattr(exc.__cause__, "status_code", None)
            if status == 404:
                return  # already gone
            if status != 403:
                raise
        else:
            return
        # YouTube deletes only the author's own comments; under our videos the channel removes
        # others' comments by rejecting them, which also takes them off YouTube.
        self.spend("units", COSTS["comments.setModerationStatus"])
        with self.errors(_("deleting the comment")):
            self.youtube.comments().setModerationStatus(
                id=comment_remote_id, moderationStatus="rejected"
            ).execute()

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        figures: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), 50):  # videos.list takes at most 50 ids
            self.spend("units", COSTS["list"])
            with self.errors(_("the figures")):
                found = (
                    self.youtube.videos()
                    .list(part="statistics", id=",".join(ids[start : start + 50]), maxResults=50)
                    .execute()
                )
            for item in found.get("items") or []:
                stats = item.get("statistics") or {}
                # favoriteCount is deprecated and always 0: no figure ("–"), never a real 0.
                stats = {k: v for k, v in stats.items() if k != "favoriteCount"}
                figures[str(item["id"])] = PostMetrics(
                    views=_int(stats.get("viewCount")),
                    likes=_int(stats.get("likeCount")),
                    comments=_int(stats.get("commentCount")),
                    raw=stats,
                )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        self.spend("units", COSTS["list"])
        with self.errors(_("the channel figures")):
            found = self.youtube.channels().list(part="statistics", mine=True).execute()
        items = found.get("items") or []
        stats = (items[0].get("statistics") or {}) if items else {}
        followers = (
            None if stats.get("hiddenSubscriberCount") else _int(stats.get("subscriberCount"))
        )
        return AccountMetrics(followers=followers, raw=stats)


def _unique(items: Sequence[RemoteComment]) -> list[RemoteComment]:
    """Each comment once (a thread can come in the published and in a held listing), as it
    came first: the published listing is read first."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.remote_id not in seen:
            seen.add(item.remote_id)
            kept.append(item)
    return kept


def _resumable(error: ConnectorError) -> bool:
    """A 5xx during an upload: ask how far it got and go on (429 and quota are not)."""
    return isinstance(error, Transient) and not isinstance(error, RateLimited)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
