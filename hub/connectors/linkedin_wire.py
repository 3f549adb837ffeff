"""What every call to LinkedIn's versioned REST API shares: the version, the headers, URNs,
Rest.li's query encoding and the "little" text format of a post's commentary.

**The version, in one place.** Every call to ``https://api.linkedin.com/rest/...`` must name a
monthly version (``LinkedIn-Version: YYYYMM``); there is no default. LinkedIn supports each
version for at least a year, then answers ``426`` ("Version Header is Deprecated") to every call.
:data:`LINKEDIN_VERSION` is the one place hub names it; ``tests/connectors/
test_linkedin_version.py`` fails once it is older than :data:`SUPPORT_MONTHS`, well before the
sunset, so a release of hub never ships a version LinkedIn is about to switch off.

**Little text.** A post's ``commentary`` is not plain text: LinkedIn reads it as "little", where
``\\ | { } @ [ ] ( ) < > # * _ ~`` start mentions, hashtags and templates. An unescaped one
cuts the post: LinkedIn answers 201 and shows the text up to that character. :func:`little`
escapes them with a backslash, except a ``#`` that starts a hashtag (LinkedIn links it, as in
its own app) and web addresses, which stay as written so that LinkedIn still links them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

#: The LinkedIn Marketing API version hub speaks (July 2026). Update it here only.
LINKEDIN_VERSION = "202607"
#: LinkedIn keeps a version for at least a year; hub moves on a month before that.
SUPPORT_MONTHS = 11
RESTLI_PROTOCOL = "2.0.0"

API_URL = "https://api.linkedin.com"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105 (a URL)

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_URL = re.compile(r"https?://\S+")
_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")


def version_date(version: str = LINKEDIN_VERSION) -> date:
    """The first day of the month a ``YYYYMM`` version was released."""
    return date(int(version[:4]), int(version[4:6]), 1)


def version_age_months(today: date, version: str = LINKEDIN_VERSION) -> int:
    """Whole months between the version's release and ``today``."""
    released = version_date(version)
    return (today.year - released.year) * 12 + today.month - released.month


def headers(token: str) -> dict[str, str]:
    """The headers of every call to the versioned API."""
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": RESTLI_PROTOCOL,
    }


def organization_urn(external_id: str) -> str:
    """``urn:li:organization:<id>`` from a channel's external id (the number, or the URN)."""
    value = str(external_id).strip()
    return value if value.startswith("urn:li:") else f"urn:li:organization:{value}"


def encoded(urn: str) -> str:
    """A URN as a path segment or query value (Rest.li 2.0: every reserved character encoded)."""
    return quote(urn, safe="")


def restli_list(values: list[str]) -> str:
    """``List(a,b)`` with each item encoded, as a query value that must not be encoded again."""
    return f"List({','.join(encoded(v) for v in values)})"


def post_url(urn: str) -> str:
    """The public page of a post (``urn:li:share:…`` or ``urn:li:ugcPost:…``)."""
    return f"https://www.linkedin.com/feed/update/{urn}/"


def comment_parts(comment_urn: str) -> tuple[str, str] | None:
    """``urn:li:comment:(<object>,<id>)`` as (object, id); None for anything else."""
    match = re.fullmatch(r"urn:li:comment:\((urn:li:[A-Za-z]+:[^,]+),([^)]+)\)", comment_urn)
    return (match.group(1), match.group(2)) if match else None


def little(text: str) -> str:
    """``text`` as LinkedIn's little format, so it is shown exactly as written."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        out.append(_escape(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _escape(part: str) -> str:
    chars: list[str] = []
    for index, char in enumerate(part):
        hashtag = char == "#" and index + 1 < len(part) and part[index + 1].isalnum()
        chars.append(f"\\{char}" if char in RESERVED and not hashtag else char)
    return "".join(chars)


def plain(commentary: str) -> str:
    """A commentary as people read it: little's escapes undone (what :func:`little` added)."""
    return _ESCAPED.sub(r"\1", commentary)


def millis(moment: datetime) -> int:
    """An aware moment as LinkedIn's epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def from_millis(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (TypeError, ValueError):
        return None


def seconds_to_utc_midnight(now: datetime | None = None) -> float:
    """LinkedIn's daily limits reset at midnight UTC: the wait from ``now`` until then."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max((midnight - now).total_seconds(), 1.0)
