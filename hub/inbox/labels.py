"""Words shown for inbox states, in the users' language."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from flask_babel import lazy_gettext as _l

COMMENT_STATUS = {
    "new": _l("New"),
    "assigned": _l("Assigned"),
    "answered": _l("Answered"),
    "done": _l("Done"),
}

STATUS_FILTER = {
    "open": _l("Open (new and assigned)"),
    **COMMENT_STATUS,
    "all": _l("All"),
}

ACTION_KIND = {
    "reply": _l("Reply"),
    "hide": _l("Hide"),
    "unhide": _l("Show again"),
    "delete": _l("Delete"),
}

ACTION_STATE = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "retry_wait": _l("Will retry"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "needs_review": _l("Needs review"),
}


def translated(words: Mapping[str, object]) -> dict[str, str]:
    """``words`` (lazy strings) in this request's language, each translated once.

    A lazy string translates itself again every time a template shows it: once per row on a
    list of 50. Pages take these dicts instead (they hold no markup: Jinja escapes them).
    """
    return {key: str(word) for key, word in words.items()}


class Words:
    """The inbox's word lists, translated for one request (templates: ``labels.COMMENT_STATUS``).

    Each list is translated when a page first shows it: the inbox list needs one of three.
    """

    @cached_property
    def COMMENT_STATUS(self) -> dict[str, str]:
        return translated(COMMENT_STATUS)

    @cached_property
    def ACTION_KIND(self) -> dict[str, str]:
        return translated(ACTION_KIND)

    @cached_property
    def ACTION_STATE(self) -> dict[str, str]:
        return translated(ACTION_STATE)


def words() -> Words:
    return Words()
