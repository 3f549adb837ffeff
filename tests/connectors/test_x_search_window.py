"""X's recent search reaches back seven days and refuses an older ``since_id`` (HTTP 400).

The inbox looks at a post for 30 days; after a quiet week the ``since_id`` the connector kept for
it is older than X's window. The connector must then read from the window's start instead of
sending it, or the post's replies are never read again (issue 11, finding 3). The sandbox
refuses such a ``since_id`` as X does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from hub.connectors.base import OutgoingPost
from hub.connectors.x import SNOWFLAKE_EPOCH_MS, snowflake_time


def snowflake_at(moment: datetime) -> str:
    return str((int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22)


def searches(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        parse_qs(r["query"])
        for r in sandbox.requests("x")
        if r["path"] == "/2/tweets/search/recent"
    ]


def test_a_since_id_older_than_the_window_reads_from_the_windows_start(
    x_connector, sandbox
) -> None:
    mine = x_connector.publish(OutgoingPost(delivery_id=1, text="Sperrung der A40")).remote_id
    # The last reply hub saw came eight days ago; today a citizen writes again.
    stale = snowflake_at(datetime.now(UTC) - timedelta(days=8))
    reply = sandbox.add_comment("x", mine, "Wie lange noch?")
    # Mentions (which list replies to us too) have seen it already: only the search can.
    cursor = {"posts": {mine: {"since_id": stale}}, "mentions": {"since_id": reply["id"]}}

    page = x_connector.fetch_comments(cursor, [mine])

    assert [c.text for c in page.items] == ["Wie lange noch?"]
    (sent,) = searches(sandbox)
    assert "since_id" not in sent
    start = datetime.fromisoformat(sent["start_time"][0].replace("Z", "+00:00"))
    assert timedelta(days=6) < datetime.now(UTC) - start < timedelta(days=7)
    new_since = page.cursor["posts"][mine]["since_id"]
    assert int(new_since) > int(stale) and snowflake_time(new_since) > datetime.now(
        UTC
    ) - timedelta(minutes=5)


def test_a_recent_since_id_is_sent_as_it_is(x_connector, sandbox) -> None:
    mine = x_connector.publish(OutgoingPost(delivery_id=1, text="Neue Buslinie")).remote_id
    first = sandbox.add_comment("x", mine, "Super")
    second = sandbox.add_comment("x", mine, "Und sonntags?")
    cursor = {"posts": {mine: {"since_id": first["id"]}}, "mentions": {"since_id": second["id"]}}
    page = x_connector.fetch_comments(cursor, [mine])
    assert [c.text for c in page.items] == ["Und sonntags?"]
    (sent,) = searches(sandbox)
    assert sent["since_id"] == [first["id"]] and "start_time" not in sent


def test_a_stale_since_id_never_makes_a_post_look_refused_or_complete(x_connector, sandbox) -> None:
    mine = x_connector.publish(OutgoingPost(delivery_id=1, text="Baustelle")).remote_id
    stale = snowflake_at(datetime.now(UTC) - timedelta(days=10))
    cursor = {"posts": {mine: {"since_id": stale}}, "mentions": {}}
    page = x_connector.fetch_comments(cursor, [mine])  # today: X's 400, a "refused" post
    assert page.items == [] and not page.more
    assert page.complete == []  # an incremental listing never names a post complete
    # Its position moves on to what X listed (here only the post itself), never back.
    assert int(page.cursor["posts"][mine]["since_id"]) >= int(stale)
