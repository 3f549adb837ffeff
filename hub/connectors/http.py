"""What every connector does with HTTP the same way, whatever SDK it speaks through.

Each network words its *answers* differently, so each connector maps those itself. What is the
same everywhere lives here, once: a request that got no answer at all (a timeout, a refused or
reset connection) is a passing fault on every network and is said to the press officer in the
same sentence; ``Retry-After`` counts seconds on every network; and an error answer goes to the
log as the same line (status, method, address without its query, which may carry a token).
"""

from __future__ import annotations

import requests
from flask_babel import gettext as _

from hub.connectors.base import Transient


def transport_error(exc: requests.RequestException, network: str, timeout: float) -> Transient:
    """A request to ``network`` that got no answer, as :class:`Transient` (raise it ``from exc``).

    ``timeout``: the connector's read timeout in seconds, named when that is what ran out.
    """
    if isinstance(exc, requests.Timeout):
        return Transient(
            _(
                "%(network)s did not answer within %(seconds)s seconds; hub tries again.",
                network=network,
                seconds=f"{timeout:g}",
            ),
            detail=repr(exc),
        )
    return Transient(
        _("The connection to %(network)s failed; hub tries again.", network=network),
        detail=repr(exc),
    )


def retry_after_seconds(value: object) -> float | None:
    """A ``Retry-After`` header in seconds; None when it is missing or not a number of seconds
    (an HTTP date, which no network hub speaks to sends)."""
    if not value:
        return None
    text = str(value)
    return float(text) if text.isdigit() else None


def answer_detail(response: requests.Response) -> str:
    """An error answer for the log: status, method, address without its query, start of body."""
    where = str(response.url).split("?")[0]
    return f"HTTP {response.status_code} {response.request.method} {where}: {response.text[:2000]}"
