"""LinkedIn's comments, figures and login renewal through the connector against the sandbox:
comments and their replies with cursors, a reply in the right thread, found again after an
unclear answer, our own deleted, hiding not offered; share statistics and followers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.connectors.base import AuthExpired, Capability, ChannelAccess, OutgoingPost, Unsupported
from hub.connectors.linkedin import LinkedInConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.connectors.conftest import MakeMedia

ORG = "2414183"
TOKEN = "AQ-stadt-bochum"


@pytest.fixture
def linkedin(sandbox, sandbox_url: str) -> LinkedInConnector:
    sandbox.put_account(
        "linkedin", id=ORG, username="stadt-bochum", name="Stadt Bochum", token=TOKEN
    )
    connector = LinkedInConnector(
        ChannelAccess(
            ORG,
            {
                "access_token": TOKEN,
                "refresh_token": TOKEN,
                "client_id": "app",
                "client_secret": "s",
            },
            sandbox_url + "/api.linkedin.com",
        ),
        timeout=3,
        sessions=MemoryUploadSessions(),
    )
    return connector


def test_comments_and_replies_arrive_once_with_cursors(linkedin, sandbox) -> None:
    post = linkedin.publish(OutgoingPost(1, "Stadtfest am Samstag"))
    first = sandbox.add_comment("linkedin", post.remote_id, "Wann geht es los?", author="Anna")
    page = linkedin.fetch_comments({}, [post.remote_id])
    (item,) = page.items
    assert item.remote_id == first["id"] and item.text == "Wann geht es los?"
    assert item.post_remote_id == post.remote_id and item.parent_remote_id is None
    assert not item.is_own and item.author_id.startswith("urn:li:person:")
    assert linkedin.fetch_comments(page.cursor, [post.remote_id]).items == []

    answer = sandbox.add_comment(
        "linkedin", post.remote_id, "Um 11 Uhr!", author="Ben", parent_id=first["id"]
    )
    later = linkedin.fetch_comments(page.cursor, [post.remote_id])
    assert [(c.remote_id, c.parent_remote_id) for c in later.items] == [(answer["id"], first["id"])]

    full = linkedin.fetch_comments(later.cursor, [post.remote_id], full=True)
    assert {c.remote_id for c in full.items} == {first["id"], answer["id"]}
    assert list(full.complete) == [post.remote_id]


def test_a_small_budget_goes_on_where_it_stopped(linkedin, sandbox, monkeypatch) -> None:
    monkeypatch.setattr(LinkedInConnector, "comment_pages", 1)
    posts = [linkedin.publish(OutgoingPost(n, f"Beitrag {n}")).remote_id for n in (2, 3)]
    for urn in posts:
        sandbox.add_comment("linkedin", urn, f"Kommentar zu {urn}")
    page = linkedin.fetch_comments({}, posts)
    assert page.more and len(page.items) == 1
    rest = linkedin.fetch_comments(page.cursor, posts)
    assert not rest.more and len(rest.items) == 1
    assert {c.post_remote_id for c in [*page.items, *rest.items]} == set(posts)


def test_reply_lands_in_the_thread_and_is_found_again(linkedin, sandbox) -> None:
    post = linkedin.publish(OutgoingPost(4, "Baustelle Hauptstraße"))
    question = sandbox.add_comment("linkedin", post.remote_id, "Wie lange noch?")
    follow = sandbox.add_comment(
        "linkedin", post.remote_id, "Das frage ich mich auch", parent_id=question["id"]
    )
    since = datetime.now(UTC) - timedelta(minutes=2)
    # An answer to a reply goes under the thread's first comment (LinkedIn nests one level).
    reply_id = linkedin.reply(follow["id"], "Bis Ende Mai (voraussichtlich).", idempotency_key="k")
    (made,) = [c for c in sandbox.comments("linkedin") if c["id"] == reply_id]
    assert made["parent_id"] == question["id"] and made["from_owner"]
    assert made["text"] == "Bis Ende Mai (voraussichtlich)."
    assert (
        linkedin.find_reply(follow["id"], "Bis Ende Mai (voraussichtlich).", since=since)
        == reply_id
    )
    assert linkedin.find_reply(question["id"], "Etwas anderes", since=since) is None


def test_only_our_own_comments_can_be_deleted_and_none_hidden(linkedin, sandbox) -> None:
    post = linkedin.publish(OutgoingPost(5, "Wahlhelfer gesucht"))
    theirs = sandbox.add_comment("linkedin", post.remote_id, "Spam!")
    ours = linkedin.reply(theirs["id"], "Bitte bleiben Sie sachlich.", idempotency_key="k")
    linkedin.delete_comment(ours)
    linkedin.delete_comment(ours)  # gone already: no error
    with pytest.raises(Unsupported, match="delete only the page"):
        linkedin.delete_comment(theirs["id"])
    with pytest.raises(Unsupported, match="hide"):
        linkedin.set_hidden(theirs["id"], True)
    states = {c["id"]: c["deleted"] for c in sandbox.comments("linkedin")}
    assert states == {theirs["id"]: False, ours: True}
    actions = LinkedInConnector.comment_actions(own=False, on_our_post=True)
    assert actions == frozenset({Capability.reply})
    assert Capability.delete_comment in LinkedInConnector.comment_actions(
        own=True, on_our_post=True
    )


def test_figures_for_shares_and_ugc_posts(linkedin, sandbox, make_media: MakeMedia) -> None:
    text = linkedin.publish(OutgoingPost(6, "Text")).remote_id
    images = [make_media(color=c) for c in ("red", "blue")]
    album = linkedin.publish(OutgoingPost(7, "Bilder", media=images)).remote_id
    sandbox.set_metrics("linkedin", text, views=900, reach=700, likes=40, clicks=12, shares=3)
    sandbox.set_metrics("linkedin", album, views=50, reach=40, likes=2, clicks=1, shares=0)
    sandbox.add_comment("linkedin", album, "Schöne Bilder")
    figures = linkedin.fetch_post_metrics([text, album, "urn:li:share:1"])
    assert set(figures) == {text, album}
    got = figures[text]
    assert (got.views, got.reach, got.likes, got.comments, got.shares, got.clicks) == (
        900,
        700,
        40,
        0,
        3,
        12,
    )
    assert figures[album].comments == 1 and figures[album].views == 50
    assert figures[text].raw["impressionCount"] == 900
    sandbox.put_account("linkedin", id=ORG, followers=12345)
    assert linkedin.fetch_account_metrics().followers == 12345


def test_login_renewal_keeps_the_refresh_tokens_year(linkedin, sandbox) -> None:
    fresh = linkedin.refresh_login()
    assert fresh.credentials["access_token"] != TOKEN
    access_ends = datetime.fromisoformat(fresh.credentials["access_token_expires_at"])
    assert timedelta(days=59) < access_ends - datetime.now(UTC) <= timedelta(days=60)
    # The login ends with the refresh token (a year from the consent), not with the access token.
    assert fresh.expires_at > access_ends
    renewed = LinkedInConnector(
        ChannelAccess(
            ORG, {**linkedin.access.credentials, **fresh.credentials}, linkedin.access.base_url
        )
    )
    assert renewed.check_connection() == "Stadt Bochum"
    refused = LinkedInConnector(
        ChannelAccess(
            ORG,
            {"access_token": TOKEN, "refresh_token": "unknown", "client_id": "app"},
            linkedin.access.base_url,
        )
    )
    with pytest.raises(AuthExpired):
        refused.refresh_login()
    without = LinkedInConnector(
        ChannelAccess(ORG, {"access_token": TOKEN}, linkedin.access.base_url)
    )
    with pytest.raises(Unsupported):
        without.refresh_login()
