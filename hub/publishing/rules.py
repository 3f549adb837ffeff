"""What each network accepts: text limits and how it counts, media it needs, titles.

One place for the rules: the compose form's live counter, the server-side checks, the API and
the connectors all ask this module, so the counter in the browser never disagrees with the save.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from twitter_text import parse_tweet

from hub.models import Network

UNITS = {
    "characters": _l("characters"),
    "weighted characters": _l("weighted characters"),
    "bytes": _l("bytes"),
    "graphemes": _l("characters (graphemes)"),
}
#: Manual channels: WhatsApp takes up to 65,536 characters in one message (channel updates
#: included); a notice board or newsletter has no limit of its own that hub could know.
MANUAL_MAX_TEXT = 65536
#: Mastodon's own default; an instance may allow more (its channel keeps the number it read).
MASTODON_DEFAULT_MAX_TEXT = 500
HASHTAG = re.compile(r"(?<![\w&])#\w+", re.UNICODE)
GRAPHEME = regex.compile(r"\X")


def x_weighted_length(text: str) -> int:
    """X's count: most CJK and emoji weigh 2, every URL counts as 23 (twitter-text v3)."""
    return parse_tweet(text).weightedLength if text else 0


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


MASTODON_URL = re.compile(r"https?://\S+")
MASTODON_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", re.UNICODE)


def mastodon_length(text: str) -> int:
    """Mastodon's count (``StatusLengthValidator``): grapheme clusters, every link counts as 23
    characters (``characters_reserved_per_url``), a mention ``@name@server`` as ``@name``."""
    text = MASTODON_URL.sub("x" * 23, text or "")
    return graphemes(MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text))


def graphemes(text: str) -> int:
    """What a reader sees as one character (an emoji with skin tone, a letter with accents):
    Bluesky counts its 300 so (extended grapheme clusters, ``\\X``)."""
    return len(GRAPHEME.findall(text)) if text else 0


def threads_length(text: str) -> int:
    """Threads' count of its 500: a character is one, but an emoji counts its UTF-8 bytes
    (Meta's "Emojis are counted as the number of UTF-8 bytes"): a pictograph (category So, or
    beyond the Basic Multilingual Plane) and its joiners and variation selectors."""
    return sum(
        len(char.encode("utf-8"))
        if ord(char) > 0xFFFF or unicodedata.category(char) == "So" or char in "\u200d\ufe0f"
        else 1
        for char in text
    )


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
    max_bytes: int | None = None  # a second limit in UTF-8 bytes (Bluesky: 3,000)
    max_media: int | None = None  # files per post, images and videos together (Threads: 20)

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
    # A channel without an API (a WhatsApp channel, a notice board): a person posts it by hand.
    # No network counts for us, so the limit is only a sane cap: WhatsApp's own for one message.
    Network.manual: NetworkRules(
        network=Network.manual,
        label="Manual",
        max_text=MANUAL_MAX_TEXT,
        max_images=10,
        mixed_media=True,
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
    Network.bluesky: NetworkRules(
        network=Network.bluesky,
        label="Bluesky",
        # app.bsky.feed.post: text maxGraphemes 300 and maxLength 3,000 bytes; up to four
        # images (app.bsky.embed.images). A link joins the text (as a link facet) and becomes
        # a link card where no image takes the post's one embed.
        max_text=300,
        count=graphemes,
        count_unit="graphemes",
        max_bytes=3000,
        media_accepted=frozenset({"image"}),
        max_images=4,
        max_videos=0,
    ),
    Network.mastodon: NetworkRules(
        network=Network.mastodon,
        label="Mastodon",
        # Each instance sets its own limit (``/api/v2/instance``: configuration.statuses
        # .max_characters); 500 is Mastodon's default. A channel's own is in text_limit().
        max_text=MASTODON_DEFAULT_MAX_TEXT,
        count=mastodon_length,
        max_images=4,
        link_in_text=True,
    ),
    Network.linkedin: NetworkRules(
        network=Network.linkedin,
        label="LinkedIn",
        # The Posts API's commentary: 3,000 characters. The link is an article card of its
        # own (content.article); with images or a video it joins the text, as on Facebook.
        max_text=3000,
        link_separate=True,
        # content.multiImage takes 2 to 20 images; a video (Videos API) 3 s to 30 minutes.
        max_images=20,
        max_video_seconds=30 * 60,
    ),
    Network.threads: NetworkRules(
        network=Network.threads,
        label="Threads",
        # 500 characters, emoji by their UTF-8 bytes; a text post's first link becomes its
        # preview card. Up to 20 images and videos (mixed) in a carousel; videos up to 5 min.
        max_text=500,
        count=threads_length,
        max_images=20,
        max_videos=20,
        max_media=20,
        mixed_media=True,
        max_video_seconds=5 * 60,
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


def count_text(network: str, body: str, link: str | None, *, limit: int | None = None) -> Count:
    """How long the text is in the network's count; ``limit``: the channel's own limit where it
    has one (a Mastodon instance's, see :func:`text_limit`), else the network's."""
    rules = rules_for(network)
    return Count(
        rules.count(rules.final_text(body, link)), limit or rules.max_text, rules.count_unit
    )


def text_limit(network: str, credentials: Mapping[str, Any] | None) -> int:
    """The text limit of one channel: a Mastodon instance sets its own (read from
    ``/api/v2/instance`` when the channel is connected and kept as ``max_characters`` in its
    credentials); every other network has one limit for all."""
    rules = rules_for(network)
    if network == Network.mastodon:
        try:
            return int((credentials or {}).get("max_characters") or rules.max_text)
        except (TypeError, ValueError):
            return rules.max_text
    return rules.max_text


def check_post(
    network: str,
    *,
    body: str,
    title: str,
    link: str | None,
    media: Sequence[MediaFacts],
    field: str,
    limit: int | None = None,
) -> list[Problem]:
    """Everything that keeps this text and media from being accepted by ``network``
    (``limit``: the channel's own text limit, :func:`text_limit`)."""
    rules = rules_for(network)
    label = rules.label
    problems: list[Problem] = []
    count = count_text(network, body, link, limit=limit)
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
    if rules.max_bytes is not None and utf8_bytes(text) > rules.max_bytes:
        problems.append(
            Problem(
                f"{field}.body",
                str(
                    _l(
                        "%(network)s allows %(limit)s %(unit)s; this text has %(used)s.",
                        network=label,
                        limit=format_number(rules.max_bytes),
                        unit=UNITS["bytes"],
                        used=format_number(utf8_bytes(text)),
                    )
                ),
            )
        )
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
    if rules.max_media is not None and len(kinds) > rules.max_media:
        problems.append(
            Problem(
                f"{field}.media",
                str(
                    _l(
                        "%(network)s takes at most %(limit)s images and videos together; "
                        "%(used)s are attached.",
                        network=label,
                        limit=rules.max_media,
                        used=len(kinds),
                    )
                ),
            )
        )
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
