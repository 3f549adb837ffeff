"""Reading comments post by post where the network offers no "since": every page of each post's
listing is read and filtered here, and the positions are kept in the connector's cursor.

Instagram (``/{media}/comments``) and Threads (``/{thread}/conversation``) list a post's
comments in cursor pages and cannot be asked for "only the new ones". So each post's position
is ``{"since", "seen"}``: the newest time taken in, and the ids taken in at that time (their
times have whole seconds, so a second may hold more than one). Where the call's page budget
ends inside a post's listing, the next call goes on after its last page (``listing``), and with
the posts not read yet in this round (``cursor["round"]``, see
:func:`hub.connectors.base.round_done`). A post is named complete only when one call listed it
from its first page to its last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hub.connectors.base import CommentPage, RemoteComment, parse_time, round_done, round_left

#: Reads one page of a post's listing: ``(post_id, after)`` -> (the comments on it, the cursor
#: after it, whether another page follows).
PageReader = Callable[[str, str | None], tuple[list[RemoteComment], str | None, bool]]


def read_listings(
    cursor: Mapping[str, Any],
    posts: Sequence[str],
    *,
    full: bool,
    budget: int,
    read_page: PageReader,
) -> CommentPage:
    """New and changed comments under ``posts`` since ``cursor``, reading at most ``budget``
    pages (see the module's docstring); ``full``: every comment, from each listing's start."""
    positions: dict[str, Any] = dict(cursor)
    items: list[RemoteComment] = []
    complete: list[str] = []
    done = round_done(cursor, full)
    pages = 0
    for post_id in posts:
        if post_id in done:
            continue
        stored = dict(positions.get(post_id) or {})
        # A listing of this post the last call's page budget ended in: go on after it.
        going_on = stored.pop("listing", None) or {}
        if bool(going_on.get("full")) != full:
            going_on = {}
        position = {} if full else stored
        since = parse_time(position.get("since"))
        seen = set(position.get("seen") or ())
        newest = parse_time(going_on.get("newest")) or since
        at_newest = set(going_on.get("at_newest") or seen)
        after: str | None = going_on.get("after")
        finished = False
        while pages < budget:
            pages += 1
            found, after, more = read_page(post_id, after)
            for comment in found:
                if since is not None and (
                    comment.created_at < since
                    or (comment.created_at == since and comment.remote_id in seen)
                ):
                    continue
                items.append(comment)
                if newest is None or comment.created_at > newest:
                    newest, at_newest = comment.created_at, {comment.remote_id}
                elif comment.created_at == newest:
                    at_newest.add(comment.remote_id)
            if not more or not after:
                finished = True
                break
        if not finished:
            if after:
                stored["listing"] = {
                    "full": full,
                    "after": after,
                    "newest": newest.isoformat() if newest else None,
                    "at_newest": sorted(at_newest),
                }
            positions[post_id] = stored
            positions["round"] = round_left(full, done, posts)
            return CommentPage(items, positions, more=True, complete=complete)
        positions[post_id] = (
            {"since": newest.isoformat(), "seen": sorted(at_newest)} if newest else stored
        )
        done.add(post_id)
        if full and not going_on:
            complete.append(post_id)
    positions.pop("round", None)
    return CommentPage(items, positions, more=False, complete=complete)
