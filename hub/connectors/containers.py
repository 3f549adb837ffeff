"""Publishing through a media container, as Meta's Instagram and Threads APIs want it.

Both networks fetch every file from a public URL (hub serves them under ``HUB_PUBLIC_URL``,
:mod:`hub.public_media`) and publish in two steps: a **container** the network processes
(``IN_PROGRESS`` until ``FINISHED``, or ``ERROR``/``EXPIRED``), then a publish call naming it.
What that takes is the same on both, so it is here, once:

- the publishing limit (posts per rolling 24 hours) is read before anything is made;
- the container id is kept per delivery (:mod:`hub.publishing.network_state`): an attempt
  after a timeout or a crash publishes the container already made instead of making another,
  and one found ``PUBLISHED`` (the answer was lost) is looked up (``find_published``);
- the container's status is polled, doubling the pause, until it is finished, failed (the
  network's reason) or too slow (nothing is published then).

A network says the rest: its checks, how its container is made and its status read, its edges
and its sentences.
"""

from __future__ import annotations

import json
import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from hub.connectors.base import (
    ConnectorError,
    MediaFile,
    OutgoingPost,
    Published,
    Rejected,
    ResumesUploads,
    Transient,
)
from hub.connectors.graph import GraphConnector
from hub.publishing.network_state import StoredUpload


class AlreadyPublished(Exception):
    """The stored container was published; the answer saying so was lost."""


class ContainerPublishing(ResumesUploads, GraphConnector):
    """A Graph-style network that publishes through containers (see the module docstring)."""

    #: ``POST /{user}/{publish_edge}`` with ``creation_id``.
    publish_edge: ClassVar[str]
    #: ``GET /{user}/{limit_edge}?fields=quota_usage,config``.
    limit_edge: ClassVar[str]
    #: Said when a stored container turns out published (lazy: translated when raised).
    published_already: ClassVar[LazyString]
    # How long to wait for a container to finish, per kind, before giving up.
    image_processing_seconds: ClassVar[float] = 120.0
    video_processing_seconds: ClassVar[float] = 900.0
    poll_first: ClassVar[float] = 0.5
    poll_max: ClassVar[float] = 10.0

    @property
    def user_id(self) -> str:
        return self.access.external_id

    # -- what each network says ---------------------------------------------------------------

    @abstractmethod
    def check_post(self, post: OutgoingPost) -> None:
        """Refuse (:class:`Rejected`) what the network would refuse, before any call."""

    @abstractmethod
    def make_container(self, post: OutgoingPost) -> str:
        """Make the post's container (and its children); return its id."""

    @abstractmethod
    def container_status(self, container_id: str) -> tuple[str, str]:
        """The container's status (``FINISHED``, ...) and the network's reason, if any."""

    @abstractmethod
    def limit_reached(self, total: object, detail: str) -> Rejected:
        """The refusal when the posts of the last 24 hours are used up."""

    @abstractmethod
    def processing_failed(self, status: str, reason: str, detail: str) -> Rejected:
        """The refusal of a container that ended in ``ERROR`` or ``EXPIRED``."""

    @abstractmethod
    def processing_too_slow(self, minutes: str, detail: str) -> Rejected:
        """The refusal of a container still not finished after the waiting time."""

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> Published:
        self.check_post(post)
        key = post.idempotency_key
        stored = self.sessions.get(self.network, key)
        try:
            container_id = self.reusable(stored, key) if stored else None
        except AlreadyPublished:
            found = self.find_published(post)
            if found is not None:
                return found
            raise Transient(str(self.published_already)) from None
        if container_id is None:
            self.check_publishing_limit()
            container_id = self.make_container(post)
            self.sessions.put(self.network, key, StoredUpload(container_id))
        media_id = self.publish_container(container_id, key, video=has_video(post.media))
        return Published(media_id, self.permalink(media_id))

    def reusable(self, stored: StoredUpload, key: str) -> str | None:
        """The stored container if it can still be published; None to make a new one."""
        status, _reason = self.container_status(stored.location)
        if status in ("FINISHED", "IN_PROGRESS"):
            return stored.location
        if status == "PUBLISHED":  # published, but the answer was lost: nothing to do twice
            raise AlreadyPublished(stored.location)
        self.sessions.drop(self.network, key)
        return None

    def publish_container(self, container_id: str, key: str, *, video: bool) -> str:
        """Wait for the container, publish it, forget it; the new post's id."""
        self.wait_until_finished(container_id, key, video=video)
        with self.errors(_("the post")):
            made = self.graph.post_object(
                self.user_id, self.publish_edge, data={"creation_id": container_id}
            )
        self.sessions.drop(self.network, key)
        return str(made["id"])

    def wait_until_finished(self, container_id: str, key: str, *, video: bool) -> None:
        limit = self.video_processing_seconds if video else self.image_processing_seconds
        deadline = time.monotonic() + limit
        pause = self.poll_first
        while True:
            status, reason = self.container_status(container_id)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                self.sessions.drop(self.network, key)
                raise self.processing_failed(
                    status, reason, f"container {container_id}: {status} {reason}"
                )
            if time.monotonic() > deadline:
                self.sessions.drop(self.network, key)
                raise self.processing_too_slow(
                    f"{limit / 60:g}", f"container {container_id} still {status}"
                )
            time.sleep(pause)
            pause = min(pause * 2, self.poll_max)

    def check_publishing_limit(self) -> None:
        """Refuse before making a container when the account's posts of the last 24 hours
        are used up (the network would refuse only at the last step)."""
        with self.errors(_("the publishing limit")):
            found = self.graph.get_connection(
                self.user_id, self.limit_edge, fields="quota_usage,config"
            )
        data = (found.get("data") or [{}])[0]
        total = (data.get("config") or {}).get("quota_total")
        used = data.get("quota_usage")
        if total is not None and used is not None and int(used) >= int(total):
            raise self.limit_reached(total, json.dumps(found))

    def public_url(self, media: MediaFile) -> str:
        """Where the network fetches ``media`` from (hub's signed public link)."""
        if media.public_url:
            return media.public_url
        from hub.public_media import public_url_for_path

        url = public_url_for_path(media.path)
        if url is None:
            raise Rejected(
                _(
                    "hub has no public address for %(name)s; %(network)s must fetch it from "
                    "HUB_PUBLIC_URL.",
                    name=media.path.name,
                    network=self.label,
                )
            )
        return url

    def permalink(self, media_id: str) -> str | None:
        try:
            with self.errors(_("the link lookup")):
                return self.graph.get_object(media_id, fields="permalink").get("permalink")
        except ConnectorError:
            return None


def has_video(media: Sequence[MediaFile]) -> bool:
    return any(m.kind == "video" for m in media)
