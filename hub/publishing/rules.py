"""What each network accepts: text limits and how it counts, media it needs, titles.

One place for the rules: the compose form's live counter, the server-side checks, the API and
the connectors all ask this module, so the counter in the browser never disagrees with the save.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from twitter_text import parse_tweet

from hub.models import Network

UNITS = {
    "characters": _l("characters"),
    "weighted characters": _l("weighted characters"),
    "bytes": _l("bytes"),
}
HASHTAG = re.compile(r"(?<![\w&])#\w+", re.UNICODE)


def x_weighted_length(text: str) -> int:
    """X's count: most CJK and emoji weigh 2, every URL counts as 23 (twitter-text v3)."""
    return parse_tweet(text).weightedLength if text else 0


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class NetworkRules:
    network: Network
    label: str
    max_text: int
    count: Callable[[str], int] = len
    count_unit: str = "characters"
    media_required: frozenset[str] = frozenset()  # one of these kinds must be attached
    media_accepted: frozenset[str] = frozenset({"image", "video"})
    max_images: int = 10
    max_videos: int = 1
    mixed_media: bool = False
    title_required: bool = False
    takes_title: bool = False
    max_title: int | None = None
    max_hashtags: int | None = None
    link_separate: bool = False  # the network takes the link as its own field (Facebook)
    link_in_text: bool = True  # otherwise the link is appended to the text
    max_video_seconds: float | None = None

    def final_text(self, body: str, link: str | None) -> str:
        """The text as it will be sent: the link appended where the network has no link field."""
        body = body.strip()
        if link and self.link_in_text and not self.link_separate and link not in body:
            return f"{body}\n\n{link}" if body else link
        return body


RULES: dict[Network, NetworkRules] = {
    Network.x: NetworkRules(
        network=Network.x,
        label="X",
        max_text=280,
        count=x_weighted_length,
        count_unit="weighted characters",
        max_images=4,
        max_video_seconds=140,
    ),
    Network.facebook: NetworkRules(
        network=Network.facebook,
        label="Facebook",
        max_text=63206,
        link_separate=True,
        max_images=10,
        # One video per post (resumable upload): Facebook takes up to 4 hours (and 10 GB).
        max_video_seconds=4 * 3600,
    ),
    Network.instagram: NetworkRules(
        network=Network.instagram,
        label="Instagram",
        max_text=2200,
        media_required=frozenset({"image", "video"}),
        max_images=10,
        max_hashtags=30,
        # Links in captions are not clickable on Instagram; press offices write "Link in bio".
        link_in_text=False,
        max_video_seconds=15 * 60,
    ),
    Network.youtube: NetworkRules(
        network=Network.youtube,
        label="YouTube",
        max_text=5000,
        count=utf8_bytes,
        count_unit="bytes",
        media_required=frozenset({"video"}),
        media_accepted=frozenset({"video"}),
        max_images=0,
        title_required=True,
        takes_title=True,
        max_title=100,
    ),
    Network.flickr: NetworkRules(
        network=Network.flickr,
        label="Flickr",
        max_text=63206,
        media_required=frozenset({"image"}),
        media_accepted=frozenset({"image"}),
        takes_title=True,
        max_title=255,
        max_images=1,
        max_videos=0,
    ),
}


def rules_for(network: str) -> NetworkRules:
    return RULES[Network(network)]


@dataclass(frozen=True)
class MediaFacts:
    """What the rules need to know about an attached file."""

    kind: str
    alt_text: str | None = None
    duration_seconds: float | None = None
    name: str = ""


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True)
class Count:
    used: int
    limit: int
    unit: str

    @property
    def over(self) -> bool:
        return self.used > self.limit


def count_text(network: str, body: str, link: str | None) -> Count:
    rules = rules_for(network)
    return Count(rules.count(rules.final_text(body, link)), rules.max_text, rules.count_unit)


def check_post(
    network: str,
    *,
    body: str,
    title: str,
    link: str | None,
    media: Sequence[MediaFacts],
    field: str,
) -> list[Problem]:
    """Everything that keeps this text and media from being accepted by ``network``."""
    rules = rules_for(network)
    label = rules.label
    problems: list[Problem] = []
    count = count_text(network, body, link)
    if count.over:
        problems.append(
            Problem(
                f"{field}.body",
                str(
                    _l(
                        "%(network)s allows %(limit)s %(unit)s; this text has %(used)s.",
                        network=label,
                        limit=format_number(count.limit),
                        unit=UNITS[count.unit],
                        used=format_number(count.used),
                    )
                ),
            )
        )
    text = rules.final_text(body, link)
    if not text and not media:
        problems.append(
            Problem(f"{field}.body", str(_l("%(network)s needs a text.", network=label)))
        )
    if rules.max_hashtags is not None:
        tags = len(HASHTAG.findall(text))
        if tags > rules.max_hashtags:
            problems.append(
                Problem(
                    f"{field}.body",
                    str(
                        _l(
                            "%(network)s allows at most %(limit)s hashtags; "
                            "this text has %(used)s.",
                            network=label,
                            limit=rules.max_hashtags,
                            used=tags,
                        )
                    ),
                )
            )
    if rules.title_required and not title.strip():
        problems.append(
            Problem(f"{field}.title", str(_l("%(network)s needs a title.", network=label)))
        )
    if rules.max_title is not None and len(title) > rules.max_title:
        problems.append(
            Problem(
                f"{field}.title",
                str(
                    _l(
                        "%(network)s allows titles of at most %(limit)s characters; "
                        "this one has %(used)s.",
                        network=label,
                        limit=rules.max_title,
                        used=len(title),
                    )
                ),
            )
        )
    if network == Network.youtube and re.search(r"[<>]", title):
        problems.append(
            Problem(
                f"{field}.title",
                str(_l("YouTube does not accept the characters < and > in a title.")),
            )
        )
    problems.extend(_check_media(rules, media, field))
    return problems


def _check_media(rules: NetworkRules, media: Sequence[MediaFacts], field: str) -> list[Problem]:
    label = rules.label
    kinds = [m.kind for m in media]
    problems: list[Problem] = []
    if rules.media_required and not any(k in rules.media_required for k in kinds):
        message = {
            frozenset({"image", "video"}): _l(
                "%(network)s needs an image or a video.", network=label
            ),
            frozenset({"video"}): _l("%(network)s needs a video.", network=label),
            frozenset({"image"}): _l("%(network)s needs a photo.", network=label),
        }[rules.media_required]
        problems.append(Problem(f"{field}.media", str(message)))
    refused = sorted({k for k in kinds if k not in rules.media_accepted})
    for kind in refused:
        problems.append(
            Problem(
                f"{field}.media",
                str(
                    _l("%(network)s does not take videos.", network=label)
                    if kind == "video"
                    else _l("%(network)s does not take images.", network=label)
                ),
            )
        )
    images, videos = kinds.count("image"), kinds.count("video")
    if images > rules.max_images and "image" in rules.media_accepted:
        problems.append(
            Problem(
                f"{field}.media",
                str(
                    _l(
                        "%(network)s takes at most %(limit)s images; %(used)s are attached.",
                        network=label,
                        limit=rules.max_images,
                        used=images,
                    )
                ),
            )
        )
    if videos > rules.max_videos and "video" in rules.media_accepted:
        problems.append(
            Problem(
                f"{field}.media",
                str(_l("%(network)s takes only one video.", network=label)),
            )
        )
    if images and videos and not rules.mixed_media and not refused:
        problems.append(
            Problem(
                f"{field}.media",
                str(_l("%(network)s cannot mix images and a video in one post.", network=label)),
            )
        )
    if rules.max_video_seconds is not None:
        for m in media:
            if m.kind == "video" and (m.duration_seconds or 0) > rules.max_video_seconds:
                problems.append(
                    Problem(
                        f"{field}.media",
                        str(
                            _l(
                                "%(network)s takes videos of at most %(limit)s seconds; "
                                "%(name)s is %(used)s seconds long.",
                                network=label,
                                limit=int(rules.max_video_seconds),
                                name=m.name,
                                used=int(m.duration_seconds or 0),
                            )
                        ),
                    )
                )
    return problems
