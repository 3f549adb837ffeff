"""Per-network settings of a post: YouTube's visibility, category, tags and subtitles, Flickr's
visibility and tags, who may answer on X.

One declarative list per network. The compose form draws its fields from it, the API documents
and checks it, and the connectors receive the chosen values in ``OutgoingPost.options``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import lazy_gettext as _l

from hub.models import Network
from hub.publishing.rules import MASTODON_DEFAULT_MAX_TEXT, Problem

Kind = Literal["choice", "tags", "subtitle", "text"]


@dataclass(frozen=True)
class OptionSpec:
    name: str
    label: Any  # a lazy string
    kind: Kind
    choices: tuple[tuple[str, Any], ...] = ()  # (value, label); the first is the default
    max_items: int = 0
    max_total: int = 0  # characters over all tags, where the network counts them
    help: Any = None
    item_pattern: str | None = None  # each tag must match this whole (Bluesky's language codes)
    item_message: Any = None  # what to say when one does not

    @property
    def default(self) -> str | None:
        return self.choices[0][0] if self.choices else None


YOUTUBE_CATEGORIES = (
    ("25", _l("News & Politics")),
    ("29", _l("Nonprofits & Activism")),
    ("27", _l("Education")),
    ("19", _l("Travel & Events")),
    ("17", _l("Sports")),
    ("10", _l("Music")),
    ("24", _l("Entertainment")),
    ("22", _l("People & Blogs")),
)

NETWORK_OPTIONS: dict[Network, tuple[OptionSpec, ...]] = {
    Network.threads: (
        # The container's ``reply_control``: who may answer the post on Threads.
        OptionSpec(
            "reply_control",
            _l("Who may reply"),
            "choice",
            (
                ("everyone", _l("Everyone")),
                ("followers_only", _l("Only followers")),
                ("accounts_you_follow", _l("Accounts we follow")),
                ("mentioned_only", _l("Only accounts mentioned in the post")),
            ),
        ),
    ),
    Network.bluesky: (
        # app.bsky.feed.post ``langs``: at most three BCP 47 tags; feeds and readers filter by
        # them. None chosen: the connector says "de", the office's language.
        OptionSpec(
            "langs",
            _l("Languages of the post"),
            "tags",
            max_items=3,
            help=_l("Language codes, separated by commas, for example: de, en"),
            item_pattern=r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*",
            item_message=_l("Please use language codes such as de, en or tr."),
        ),
    ),
    Network.x: (
        OptionSpec(
            "reply_settings",
            _l("Who may reply"),
            "choice",
            (
                ("everyone", _l("Everyone")),
                ("following", _l("Accounts we follow")),
                ("mentionedUsers", _l("Only accounts mentioned in the post")),
            ),
        ),
    ),
    Network.youtube: (
        OptionSpec(
            "privacy",
            _l("Visibility"),
            "choice",
            (("public", _l("Public")), ("unlisted", _l("Unlisted")), ("private", _l("Private"))),
        ),
        OptionSpec("category", _l("Category"), "choice", YOUTUBE_CATEGORIES),
        OptionSpec(
            "tags",
            _l("Tags"),
            "tags",
            max_items=50,
            max_total=500,
            help=_l("Separated by commas, for example: Bochum, Stadtfest"),
        ),
        OptionSpec(
            "captions",
            _l("Subtitles (WebVTT or SRT)"),
            "subtitle",
            help=_l("Subtitles make the video accessible to deaf and hard-of-hearing viewers."),
        ),
    ),
    Network.mastodon: (
        OptionSpec(
            "visibility",
            _l("Visibility"),
            "choice",
            (
                ("public", _l("Public")),
                ("unlisted", _l("Quiet public (not in public timelines)")),
                ("private", _l("Followers only")),
            ),
        ),
        OptionSpec(
            "spoiler_text",
            _l("Content warning"),
            "text",
            # Mastodon counts the warning into the instance's text limit, together with the text.
            max_total=MASTODON_DEFAULT_MAX_TEXT,
            help=_l('Shown in place of the text until the reader opens it, e.g. "Unfall".'),
        ),
    ),
    Network.flickr: (
        OptionSpec(
            "privacy",
            _l("Visibility"),
            "choice",
            (
                ("public", _l("Public")),
                ("friends", _l("Friends")),
                ("family", _l("Family")),
                ("private", _l("Private")),
            ),
        ),
        OptionSpec(
            "tags",
            _l("Tags"),
            "tags",
            max_items=75,
            help=_l("Separated by commas, for example: Bochum, Stadtfest"),
        ),
    ),
}


def options_for(network: str) -> tuple[OptionSpec, ...]:
    return NETWORK_OPTIONS.get(Network(network), ())


def split_tags(raw: str | Sequence[str]) -> list[str]:
    """ "Bochum, Stadtfest 2026" -> ["Bochum", "Stadtfest 2026"] (lists pass through cleaned)."""
    items = raw.split(",") if isinstance(raw, str) else raw
    return [str(t).strip() for t in items if str(t).strip()]


def clean_options(
    network: str, raw: Mapping[str, Any] | None, field: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The options as stored (defaults left out), and what is wrong with them.

    A subtitle option holds a media id; that it names a subtitle file is checked by compose,
    which can look it up.
    """
    specs = {spec.name: spec for spec in options_for(network)}
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in (raw or {}).items():
        spec = specs.get(name)
        where = f"{field}.options.{name}"
        if spec is None:
            problems.append(Problem(where, str(_l("This network has no such setting."))))
            continue
        if value in (None, "", []):
            continue
        if spec.kind == "choice":
            if str(value) not in {v for v, _ in spec.choices}:
                problems.append(Problem(where, str(_l("Please choose one of the offered values."))))
            elif str(value) != spec.default:
                cleaned[name] = str(value)
        elif spec.kind == "tags":
            if not isinstance(value, str | list | tuple):
                problems.append(Problem(where, str(_l("Tags are a list of words."))))
                continue
            tags = split_tags(value)
            if spec.max_items and len(tags) > spec.max_items:
                problems.append(Problem(where, str(_l("At most %(n)s tags.", n=spec.max_items))))
            if spec.max_total and sum(len(t) for t in tags) > spec.max_total:
                problems.append(
                    Problem(
                        where,
                        str(
                            _l("Tags may have at most %(n)s characters together.", n=spec.max_total)
                        ),
                    )
                )
            if spec.item_pattern and any(not re.fullmatch(spec.item_pattern, t) for t in tags):
                problems.append(Problem(where, str(spec.item_message)))
            if tags:
                cleaned[name] = tags
        elif spec.kind == "text":
            text = " ".join(str(value).split())
            if spec.max_total and len(text) > spec.max_total:
                problems.append(
                    Problem(where, str(_l("At most %(n)s characters.", n=spec.max_total)))
                )
            elif text:
                cleaned[name] = text
        elif spec.kind == "subtitle":
            try:
                cleaned[name] = int(value)
            except (TypeError, ValueError):
                problems.append(Problem(where, str(_l("Please upload the subtitle file again."))))
    return cleaned, problems


KNOWN_LICENCES = frozenset(
    {
        "cc-by",
        "cc-by-sa",
        "cc-by-nd",
        "cc-by-nc",
        "cc-by-nc-sa",
        "cc-by-nc-nd",
        "cc0",
        "public-domain",
        "all-rights-reserved",
    }
)


def licence_key(text: str | None) -> str | None:
    """ "CC BY 4.0" -> "cc-by", "CC0 1.0" -> "cc0"; None for what the networks cannot say."""
    if not text:
        return None
    key = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    key = re.sub(r"(-\d+)+$", "", key)
    key = re.sub(r"^(cc0)-.*$", r"\1", key)
    return key if key in KNOWN_LICENCES else None
