"""X's comment side through tweepy: replies by conversation, mentions, edits and cursors, against
the sandbox over HTTP and against real recorded X answers (vcrpy replay)."""

from __future__ import annotations

from datetime import UTC, datetime

import vcr

from hub.connectors.base import ChannelAccess, OutgoingPost
from hub.connectors.registry import connector_for
from hub.connectors.x import XConnector, snowflake_time
from tests.connectors.recorded import cassette


def post(text: str) -> OutgoingPost:
    return OutgoingPost(delivery_id=1, text=text)


def by_text(page) -> dict:  # type: ignore[no-untyped-def]
    return {c.text: c for c in page.items}


def test_replies_threads_and_our_own_answers(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Stadtfest am Samstag"))
    question = sandbox.add_comment("x", mine.remote_id, "Wann & wo genau?", author="Anna Kowalski")
    answer = sandbox.add_comment(
        "x", mine.remote_id, "Am Rathaus, glaube ich", author="Jürgen", parent_id=question["id"]
    )
    ours = x_connector.reply(question["id"], "Ab 14 Uhr am Rathaus.", idempotency_key="k")

    page = x_connector.fetch_comments({}, [mine.remote_id])
    found = by_text(page)
    assert set(found) == {"Wann & wo genau?", "Am Rathaus, glaube ich", "Ab 14 Uhr am Rathaus."}
    first = found["Wann & wo genau?"]  # HTML entities as X sends them are decoded
    assert first.remote_id == question["id"] and first.post_remote_id == mine.remote_id
    assert first.parent_remote_id is None and first.author_name == "Anna Kowalski"
    assert first.author_handle and first.hidden is None and not first.is_own
    assert found["Am Rathaus, glaube ich"].parent_remote_id == question["id"]
    assert (
        found["Ab 14 Uhr am Rathaus."].is_own and found["Ab 14 Uhr am Rathaus."].remote_id == ours
    )
    assert first.created_at.tzinfo is not None
    assert answer["id"] in {c.remote_id for c in page.items}
    assert page.cursor["posts"][mine.remote_id]["since_id"]


def test_the_cursor_fetches_only_what_is_new(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Neue Radwege"))
    sandbox.add_comment("x", mine.remote_id, "Endlich!")
    first = x_connector.fetch_comments({}, [mine.remote_id])
    assert [c.text for c in first.items] == ["Endlich!"]
    sandbox.add_comment("x", mine.remote_id, "Und wo genau?")
    second = x_connector.fetch_comments(first.cursor, [mine.remote_id])
    assert [c.text for c in second.items] == ["Und wo genau?"]
    searches = [r for r in sandbox.requests("x") if r["path"] == "/2/tweets/search/recent"]
    assert "since_id" in searches[-1]["query"]
    assert x_connector.fetch_comments(second.cursor, [mine.remote_id]).items == []


def test_a_pass_cut_short_resumes_without_gaps(x_connector, sandbox, monkeypatch) -> None:
    mine = x_connector.publish(post("Viele Fragen"))
    for n in range(7):
        sandbox.add_comment("x", mine.remote_id, f"Frage {n}")
    monkeypatch.setattr(XConnector, "comment_pages", 1)
    seen: set[str] = set()
    cursor: dict = {}
    pages = 0
    # The sandbox pages by 5 when asked for 5; ask X for small pages through max_results.
    monkeypatch.setattr(
        x_connector.client, "search_recent_tweets", _small_pages(x_connector.client)
    )
    while True:
        page = x_connector.fetch_comments(cursor, [mine.remote_id])
        pages += 1
        seen |= {c.text for c in page.items}
        cursor = dict(page.cursor)
        if not page.more:
            break
    # One page per call: the mentions take their turn, then two pages of the conversation.
    assert seen == {f"Frage {n}" for n in range(7)} and pages == 3
    sandbox.add_comment("x", mine.remote_id, "Frage 7")
    assert [c.text for c in x_connector.fetch_comments(cursor, [mine.remote_id]).items] == [
        "Frage 7"
    ]


def _small_pages(client):  # type: ignore[no-untyped-def]
    original = client.search_recent_tweets

    def search(query, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["max_results"] = 5
        return original(query, **kwargs)

    return search


def test_an_edit_keeps_the_first_id_and_shows_the_new_text(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Baustelle Kortumstraße"))
    comment = sandbox.add_comment("x", mine.remote_id, "Wie lange noch?")
    first = x_connector.fetch_comments({}, [mine.remote_id])
    edited = sandbox.edit_comment("x", comment["id"], "Wie lange noch? Seit Wochen!")
    assert len(edited["edit_history"]) == 2
    page = x_connector.fetch_comments(first.cursor, [mine.remote_id])
    (item,) = page.items
    assert item.remote_id == comment["id"] and item.text == "Wie lange noch? Seit Wochen!"
    assert item.edited_at is not None and item.edited_at >= item.created_at


def test_a_full_listing_names_recent_posts_complete(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Vollständig"))
    comment = sandbox.add_comment("x", mine.remote_id, "Erster")
    sandbox.add_comment("x", mine.remote_id, "Zweiter")
    sandbox.delete_comment("x", comment["id"])
    page = x_connector.fetch_comments({}, [mine.remote_id], full=True)
    assert [c.text for c in page.items] == ["Zweiter"]
    assert page.complete == [mine.remote_id]
    old = str(1_000_000 << 22)  # a tweet id from 2010: beyond recent search's seven days
    assert x_connector.fetch_comments({}, [old], full=True).complete == []


def test_mentions_come_with_incremental_calls(x_connector, sandbox) -> None:
    x_connector.publish(post("Hallo"))
    me = x_connector.me()
    other = sandbox.put_account("x", username="buergerverein", token="other-token")
    import requests

    made = requests.post(
        f"{sandbox.url}/2/tweets",
        json={"text": f"@{me.username} wann wird die Ampel repariert?"},
        headers={"Authorization": "Bearer other-token"},
        timeout=5,
    ).json()["data"]
    page = x_connector.fetch_comments({}, [])
    (mention,) = page.items
    assert mention.remote_id == made["id"] and mention.author_handle == "buergerverein"
    assert mention.post_remote_id == made["id"] and not mention.is_own
    assert other["id"] == mention.author_id
    assert x_connector.fetch_comments(page.cursor, []).items == []
    assert x_connector.fetch_comments({}, [], full=True).items == []  # mentions: incremental only


def test_find_reply_looks_only_since_the_first_attempt(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Frage?"))
    question = sandbox.add_comment("x", mine.remote_id, "Wann?")
    reply_id = x_connector.reply(question["id"], "Morgen.", idempotency_key="k")
    assert x_connector.find_reply(question["id"], "Morgen.", since=None) == reply_id
    future = datetime(2100, 1, 1, tzinfo=UTC)
    assert x_connector.find_reply(question["id"], "Morgen.", since=future) is None


def test_snowflake_time() -> None:
    # The recorded mention was fetched at 22:43:18 (the answer's Date header), seconds after.
    assert snowflake_time("1578516295611748353") == datetime(2022, 10, 7, 22, 43, 6, 945000, UTC)
    assert snowflake_time("abc") is None


# -- real recorded X answers ------------------------------------------------------------------

replay = vcr.VCR(
    record_mode="none",
    match_on=("method", "scheme", "host", "path"),
    decode_compressed_response=True,
)


def recorded_connector(user_id: str, username: str) -> XConnector:
    access = ChannelAccess(
        user_id, {"access_token": "recorded", "user_id": user_id, "username": username}
    )
    made = connector_for("x", access, timeout=5)
    assert isinstance(made, XConnector)
    made.comment_pages = 1  # the cassettes hold one page each
    return made


def test_recorded_mentions_become_comments() -> None:
    x = recorded_connector("783214", "Twitter")
    with replay.use_cassette(str(cassette("test_client_get_users_mentions.yaml"))) as tape:
        page = x.fetch_comments({}, [])
    assert tape.play_count == 1
    assert len(page.items) == 10 and page.more  # X said there is a next page
    first = next(c for c in page.items if c.remote_id == "1578516295611748353")
    assert first.text.startswith("@Twitter @TwitterSupport this is my ENTIRE feed")
    # X sent no created_at here: the time comes from the id.
    assert first.created_at == datetime(2022, 10, 7, 22, 43, 6, 945000, UTC)
    assert page.cursor["mentions"]["next_token"] == "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j"
    assert page.cursor["mentions"]["newest"] == "1578516295611748353"


def test_recorded_search_reads_a_conversation() -> None:
    x = recorded_connector("1072250532645998596", "TweepyDev")
    with replay.use_cassette(str(cassette("test_client_search_recent_tweets.yaml"))) as tape:
        page = x.fetch_comments({}, ["1578511538419212288"], full=True)
    assert tape.play_count == 1
    # The post itself is not a comment on itself; the other nine are.
    assert len(page.items) == 9 and "1578511538419212288" not in {c.remote_id for c in page.items}
    assert {c.text.split()[-1] for c in page.items} == {"tweepy"}
    assert page.more and page.cursor["posts"]["1578511538419212288"]["next_token"]


def test_recorded_hide_and_unhide() -> None:
    x = recorded_connector("1072250532645998596", "TweepyDev")
    with replay.use_cassette(str(cassette("test_client_hide_and_unhide_reply.yaml"))) as tape:
        x.set_hidden("1344794616005066752", True)
        x.set_hidden("1344794616005066752", False)
    assert tape.play_count == 2
