"""The Graph API as Facebook Pages and Instagram both speak it: one client, one error vocabulary.

Both networks are the same API (``graph.facebook.com``) with the same error body, codes and
usage headers, reached through python-facebook-api (``pyfacebook.GraphAPI``), which is
maintained, accepts any Graph API version and takes a ``base_url`` (so the same code talks to
the sandbox). Building that client and turning Graph's answers into hub's typed errors is
therefore done once, in :class:`GraphConnector`, the base of
:class:`~hub.connectors.facebook.FacebookConnector` and
:class:`~hub.connectors.instagram.InstagramConnector`. Each names itself (``label``) and says
in whole sentences what its login problems are (``no_login``, ``login_expired``: a page and an
account take different words in German), so every message says which network refused what, and
adds only what is its own.

pyfacebook reads error bodies only when the answer is JSON and keeps no HTTP status, so the
client's ``requests`` session gets a response hook: any answer with status >= 400 is raised
with the response attached, and :meth:`GraphConnector.error_for` turns Graph's
``code``/``error_subcode`` (plus the status and usage headers) into hub's typed errors. Its
"sleep when near the rate limit" is switched off: waiting is the pipeline's job
(``RateLimited.retry_after``), not a worker thread's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import requests
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from pyfacebook import FacebookError, GraphAPI, LibraryError

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    Connector,
    ConnectorError,
    RateLimited,
    Rejected,
    Transient,
)
from hub.connectors.http import answer_detail, retry_after_seconds, transport_error

GRAPH_URL = "https://graph.facebook.com/"
GRAPH_VERSION = "v23.0"
# https://developers.facebook.com/docs/graph-api/guides/error-handling
AUTH_CODES = frozenset({102, 104, 190, 2500})
AUTH_SUBCODES = frozenset({458, 459, 460, 463, 464, 467, 492})
RATE_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})


class GraphHTTPError(Exception):
    """An answer with an HTTP error status (raised from the session hook, response attached).

    Deliberately not a ``requests.HTTPError``: pyfacebook would wrap that and lose the response.
    """

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code >= 400:
        raise GraphHTTPError(response)


def plain_reason(error: Mapping[str, Any]) -> str:
    """The network's reason, in the words Facebook meant for people where it has them."""
    reason = error.get("error_user_msg") or error.get("message") or _("no reason given")
    if reason.startswith("(#"):
        reason = reason.split(")", 1)[-1].strip()
    return str(reason)


def _with_graph_error(verdict: ConnectorError, error: Mapping[str, Any]) -> ConnectorError:
    verdict.graph_error = dict(error)  # type: ignore[attr-defined]
    return verdict


def graph_error(exc: ConnectorError) -> Mapping[str, Any]:
    """Graph's own error object behind a typed error (``{}`` if it came without one)."""
    return getattr(exc, "graph_error", None) or {}


def is_gone(exc: ConnectorError) -> bool:
    """Does Graph say the object does not exist (any more)? Code 100, subcode 33."""
    error = graph_error(exc)
    return error.get("code") == 100 and error.get("error_subcode") == 33


def refused_metric_names(exc: ConnectorError) -> bool:
    """Does Graph refuse the request for a metric name it does not (any more) know? (#100
    "The value must be a valid insights metric", "metric[0] must be one of ...", "the
    impressions metric is no longer supported"): the whole request fails for one name."""
    error = graph_error(exc)
    message = str(error.get("message") or "").lower()
    return (
        error.get("code") == 100
        and "metric" in message
        and (
            "valid insights metric" in message
            or "must be one of" in message
            or "no longer supported" in message
        )
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After, else the page's ``estimated_time_to_regain_access`` (minutes)."""
    seconds = retry_after_seconds(headers.get("Retry-After"))
    if seconds is not None:
        return seconds
    try:
        usage = json.loads(headers.get("x-business-use-case-usage") or "{}")
    except ValueError:
        return None
    minutes = [
        float(item.get("estimated_time_to_regain_access") or 0)
        for items in usage.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict)
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


class GraphConnector(Connector):
    """A network on the Graph API. Subclasses set ``label``, ``no_login``, ``login_expired``
    and ``reply_edge``."""

    api = "graph"
    graph_version: ClassVar[str] = GRAPH_VERSION
    #: The network's name in messages: "Facebook refused the post: ...".
    label: ClassVar[str]
    #: Said when the channel has no token at all (lazy: translated when raised).
    no_login: ClassVar[LazyString]
    #: Said when Graph says the token is expired or revoked: "The Facebook login of this page ...".
    login_expired: ClassVar[LazyString]
    #: Where the channel's answer to a comment goes: ``POST /{comment-id}/{reply_edge}``.
    reply_edge: ClassVar[str]

    def __init__(self, access: ChannelAccess, *, timeout: float | None = None) -> None:
        super().__init__(access, timeout=timeout)
        self._graph: GraphAPI | None = None

    #: The API's real address, where the channel has no base URL of its own (sandbox, proxy).
    real_url: ClassVar[str] = GRAPH_URL

    def client_class(self) -> type[GraphAPI]:
        """pyfacebook's client for this host (graph.instagram.com has its own)."""
        return GraphAPI

    @property
    def graph(self) -> GraphAPI:
        if self._graph is None:
            self._graph = self.client(self.real_url)
        return self._graph

    def client(self, real_url: str) -> GraphAPI:
        """A pyfacebook client for the channel: at ``real_url`` unless the channel has a base
        URL of its own (sandbox, proxy), errors raised from its session hook."""
        token = self.access.credentials.get("access_token")
        if not token:
            raise AuthExpired(str(self.no_login))
        base = self.access.base_url
        made = self.client_class()(
            access_token=token,
            app_secret=self.access.credentials.get("app_secret"),
            version=self.graph_version,
            base_url=base.rstrip("/") + "/" if base else real_url,
            timeout=self.http_timeout,  # type: ignore[arg-type]  # passed to requests as is
            sleep_on_rate_limit=False,
        )
        made.session.hooks["response"].append(_raise_for_status)
        return made

    # -- errors -------------------------------------------------------------------------------

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn what pyfacebook or requests raise into hub's typed errors.

        ``what``: what hub asked for, for the press officer's message, translated where it is
        chosen (``self.errors(_("the post"))``), so a German sentence gets German words."""
        try:
            yield
        except GraphHTTPError as exc:
            raise self._from_response(exc.response, what) from exc
        except FacebookError as exc:  # an error body with a 2xx status
            body = getattr(exc, "_data", {}) or {}
            error = body.get("error") or {}
            raise _with_graph_error(
                self.error_for(error, None, {}, what, json.dumps(body)[:2000]), error
            ) from exc
        except LibraryError as exc:
            raise Transient(
                _(
                    "%(network)s sent an answer hub could not read; hub tries again.",
                    network=self.label,
                ),
                detail=repr(exc),
            ) from exc
        except requests.RequestException as exc:
            raise transport_error(exc, self.label, self.timeout) from exc

    def error_for(
        self,
        error: Mapping[str, Any],
        status: int | None,
        headers: Mapping[str, str],
        what: str,
        detail: str,
    ) -> ConnectorError:
        """One Graph error body (+ HTTP status and headers) as hub's typed error."""
        code = error.get("code")
        subcode = error.get("error_subcode")
        if code in AUTH_CODES or subcode in AUTH_SUBCODES:
            return AuthExpired(str(self.login_expired), detail=detail)
        if code in RATE_CODES or status == 429:
            return RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network=self.label,
                ),
                detail=detail,
                retry_after=retry_after(headers),
            )
        if code in TRANSIENT_CODES or error.get("is_transient") or (status or 0) >= 500:
            return Transient(
                _(
                    "%(network)s had a temporary problem: %(reason)s; hub tries again.",
                    network=self.label,
                    reason=plain_reason(error),
                ),
                detail=detail,
            )
        return Rejected(
            # TRANSLATORS: %(what)s is what hub asked for, already translated for this sentence
            # ("the post", "deleting the comment"; German in the accusative: "den Beitrag").
            # %(reason)s is the network's own reason, as the network sent it.
            _(
                "%(network)s refused %(what)s: %(reason)s",
                network=self.label,
                what=what,
                reason=plain_reason(error),
            ),
            detail=detail,
        )

    def _from_response(self, response: requests.Response, what: str) -> ConnectorError:
        detail = answer_detail(response)
        try:
            error = response.json().get("error")
        except ValueError:
            error = None
        if isinstance(error, dict):
            return _with_graph_error(
                self.error_for(error, response.status_code, response.headers, what, detail), error
            )
        return self._from_status(response, what, detail)

    def _from_status(self, response: requests.Response, what: str, detail: str) -> ConnectorError:
        """An error answer without a Graph error body, judged by its HTTP status alone."""
        if response.status_code == 429:
            return RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network=self.label,
                ),
                detail=detail,
                retry_after=retry_after(response.headers),
            )
        if response.status_code >= 500:
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network=self.label,
                    status=response.status_code,
                ),
                detail=detail,
            )
        return Rejected(
            # TRANSLATORS: %(what)s is what hub asked for (German in the accusative).
            _(
                "%(network)s refused %(what)s (HTTP %(status)s).",
                network=self.label,
                what=what,
                status=response.status_code,
            ),
            detail=detail,
        )

    # -- comments -----------------------------------------------------------------------------

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        # Graph takes no idempotency key; a retry after an unclear answer uses find_reply.
        with self.errors(_("the reply")):
            made = self.graph.post_object(
                comment_remote_id, self.reply_edge, data={"message": text}
            )
        return str(made["id"])

    def delete_comment(self, comment_remote_id: str) -> None:
        try:
            with self.errors(_("deleting the comment")):
                self.graph.delete_object(comment_remote_id)
        except Rejected as exc:
            if self.already_gone(exc):
                return  # gone already: what was asked for is so
            raise

    def already_gone(self, refusal: Rejected) -> bool:
        """Does this refusal of a deletion say the object does not exist (any more)?"""
        return False
