"""What an API token may be used for: scopes, which only ever narrow its owner's roles.

A call needs both: the role permission (:func:`hub.auth.permissions.can`) and a scope of the
token. So a CMS token made by an admin-editor (``announcements:read`` and ``:write``) cannot
connect channels, and an ``inbox`` token of an editor still cannot moderate. The scopes are
stored on the token as one space-separated text (as OAuth writes them).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l


class Scope(enum.StrEnum):
    announcements_read = "announcements:read"
    announcements_write = "announcements:write"
    inbox = "inbox"
    metrics = "metrics"
    channels = "channels"


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)
# What the city's CMS needs (hand over announcements with their media, follow their delivery):
# the default of `hub token create` and of the admin page.
CMS_SCOPES: frozenset[Scope] = frozenset({Scope.announcements_read, Scope.announcements_write})
# Writing announcements means reading them back (the answer to a PATCH is the announcement).
IMPLIES: dict[Scope, frozenset[Scope]] = {
    Scope.announcements_write: frozenset({Scope.announcements_read}),
}

LABELS = {
    Scope.announcements_read: _l("Read announcements, their media and the channels"),
    Scope.announcements_write: _l(
        "Write announcements, upload media, take review steps (includes reading)"
    ),
    Scope.inbox: _l("Shared inbox: read, answer, moderate"),
    Scope.metrics: _l("Engagement figures and open data"),
    Scope.channels: _l("Channels: read and connect"),
}


def granted(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """``scopes`` with everything they imply."""
    result = set(scopes)
    for scope in list(result):
        result |= IMPLIES.get(scope, frozenset())
    return frozenset(result)


def to_text(scopes: Iterable[Scope]) -> str:
    """The stored form: sorted, space-separated."""
    return " ".join(sorted(Scope(s).value for s in scopes))


def from_text(text: str | None) -> frozenset[Scope]:
    """The stored form read back; a word hub does not know (any more) grants nothing."""
    known = {s.value for s in Scope}
    return frozenset(Scope(word) for word in (text or "").split() if word in known)
