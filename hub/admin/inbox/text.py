"""Showing what citizens wrote, safely: every character escaped, only web links made links.

Comment texts and author names are untrusted: they may hold HTML or script meant for a
moderator's browser. Jinja escapes everything by default; this module adds the one thing we
want to be live, links, and builds them itself from escaped parts: only ``http(s)://`` becomes a
link, always with ``rel="nofollow noopener noreferrer"`` and a new tab, never ``javascript:``.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}’”»"
MAX_LINK_TEXT = 60
WORD_BREAKS = re.compile(r"[\s_.\-@]+")


def _link(url: str) -> Markup:
    shown = url if len(url) <= MAX_LINK_TEXT else url[: MAX_LINK_TEXT - 1] + "…"
    return Markup(
        '<a href="{}" rel="nofollow noopener noreferrer ugc" target="_blank">{}</a>'
    ).format(url, shown)


def comment_html(text: str | None) -> Markup:
    """``text`` escaped, with its web links as safe links. Line breaks stay (CSS pre-wrap)."""
    text = text or ""
    parts: list[Markup] = []
    position = 0
    for match in URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(TRAILING)
        end = match.start() + len(stripped)
        parts.append(escape(text[position : match.start()]))
        parts.append(_link(stripped))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def excerpt(text: str | None, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def initials(name: str | None) -> str:
    """Two letters for the author's badge: no avatar is loaded from a third-party host."""
    words = [w for w in WORD_BREAKS.split(name or "") if w]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"
