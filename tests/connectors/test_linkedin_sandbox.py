"""LinkedIn organization pages through the connector against the sandbox over real HTTP: posts
with little-text commentary, images with alt text, an article, a video in parts; exactly once
after a lost answer; errors, the daily limit and the API version."""

from __future__ import annotations

import pytest

from hub.connectors import linkedin_wire
from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
    Rejected,
    Transient,
)
from hub.connectors.linkedin import LinkedInConnector
from hub.connectors.registry import connector_for
from hub.publishing.network_state import MemoryUploadSessions
from tests.conftest import tiny_mp4
from tests.connectors.conftest import MakeMedia, media_file

ORG = "2414183"
TOKEN = "AQ-stadt-bochum"


@pytest.fixture
def linkedin(sandbox, sandbox_url: str, monkeypatch) -> LinkedInConnector:
    monkeypatch.setattr(LinkedInConnector, "poll_first", 0.05)
    sandbox.put_account(
        "linkedin", id=ORG, username="stadt-bochum", name="Stadt Bochum", token=TOKEN
    )
    made = connector_for(
        "linkedin",
        ChannelAccess(ORG, {"access_token": TOKEN}, sandbox_url + "/api.linkedin.com"),
        timeout=3,
    )
    assert isinstance(made, LinkedInConnector)
    made.sessions = MemoryUploadSessions()
    return made


def calls(sandbox, method: str, part: str) -> list[dict]:
    return [r for r in sandbox.requests("linkedin") if r["method"] == method and part in r["path"]]


def test_text_with_reserved_characters_shows_whole(linkedin, sandbox) -> None:
    text = (
        "Bürgerbüro (Rathaus) heute bis 18 Uhr [geändert] – Fragen? info_buergerbuero@bochum.de "
        "#Bochum https://www.bochum.de/a_b_(c)"
    )
    result = linkedin.publish(OutgoingPost(1, text))
    (made,) = sandbox.posts("linkedin")
    assert made["id"] == result.remote_id and result.remote_id.startswith("urn:li:share:")
    # Unescaped, LinkedIn would have cut the text at "(": the sandbox cuts as LinkedIn does.
    assert made["text"] == text
    assert result.url == f"https://www.linkedin.com/feed/update/{result.remote_id}/"
    assert linkedin.find_published(OutgoingPost(1, text)) == result


def test_unescaped_commentary_is_cut_by_the_sandbox_as_by_linkedin() -> None:
    from hub.sandbox.linkedin import rendered

    assert rendered("Rathaus (Nord) offen") == "Rathaus "
    assert rendered(linkedin_wire.little("Rathaus (Nord) offen")) == "Rathaus (Nord) offen"


def test_images_carry_their_alt_texts(linkedin, sandbox, make_media: MakeMedia) -> None:
    one = linkedin.publish(
        OutgoingPost(2, "Ein Bild", media=[make_media(alt_text="Der Rathausplatz")])
    )
    assert one.remote_id.startswith("urn:li:share:")
    three = [
        make_media(alt_text=f"Bild {n}", color=c) for n, c in enumerate(("red", "blue", "green"))
    ]
    many = linkedin.publish(OutgoingPost(3, "Drei Bilder", media=three))
    assert many.remote_id.startswith("urn:li:ugcPost:")
    posts = {p["id"]: p for p in sandbox.posts("linkedin")}
    assert [m["alt_text"] for m in posts[one.remote_id]["media"]] == ["Der Rathausplatz"]
    assert [m["alt_text"] for m in posts[many.remote_id]["media"]] == ["Bild 0", "Bild 1", "Bild 2"]
    assert [m["sha256"] for m in posts[many.remote_id]["media"]] == [m.sha256 for m in three]


def test_link_is_an_article_card(linkedin, sandbox) -> None:
    post = OutgoingPost(
        4, "Neue Parkregeln", title="Parken in der Innenstadt", link="https://www.bochum.de/parken"
    )
    linkedin.publish(post)
    (made,) = sandbox.posts("linkedin")
    assert made["link"] == "https://www.bochum.de/parken"
    assert made["options"]["content"]["article"]["title"] == "Parken in der Innenstadt"
    assert made["text"] == "Neue Parkregeln"


def test_video_goes_up_in_parts(linkedin, sandbox, tmp_path) -> None:
    # 9 MB: three parts of LinkedIn's 4 MB, each PUT with its byte range and ETag.
    video = media_file(tmp_path / "lang.mp4", tiny_mp4() + b"\x00" * 9_000_000, "video/mp4")
    result = linkedin.publish(OutgoingPost(5, "Film ab", title="Radweg", media=[video]))
    assert result.remote_id.startswith("urn:li:ugcPost:")
    (made,) = sandbox.posts("linkedin")
    assert made["media"][0]["sha256"] == video.sha256
    assert len(calls(sandbox, "POST", "/rest/videos")) == 2  # initialize, finalize
    assert len(calls(sandbox, "PUT", "/dms-uploads/")) == 3


def test_lost_answer_is_found_not_posted_twice(linkedin, sandbox, make_media: MakeMedia) -> None:
    post = OutgoingPost(6, "Antwort verloren", media=[make_media()])
    sandbox.add_fault("linkedin", "reset", after=True, method="POST", path="/rest/posts")
    with pytest.raises(Transient):
        linkedin.publish(post)
    found = linkedin.find_published(post)
    assert found is not None
    assert [p["id"] for p in sandbox.posts("linkedin")] == [found.remote_id]


def test_a_second_attempt_does_not_upload_again(linkedin, sandbox, make_media: MakeMedia) -> None:
    post = OutgoingPost(7, "Zweiter Versuch", media=[make_media("video")])
    sandbox.add_fault("linkedin", "status", status=503, method="POST", path="/rest/posts")
    with pytest.raises(Transient):
        linkedin.publish(post)
    assert linkedin.find_published(post) is None
    linkedin.publish(post)
    assert len(calls(sandbox, "POST", "/rest/videos")) == 2
    assert len(sandbox.posts("linkedin")) == 1


def test_expired_login_and_daily_limit(linkedin, sandbox) -> None:
    sandbox.add_fault("linkedin", "status", status=429, path="/rest/posts")
    with pytest.raises(RateLimited) as limited:
        linkedin.publish(OutgoingPost(8, "Zu viel"))
    # No Retry-After from LinkedIn: its daily limits reset at midnight UTC.
    assert 0 < limited.value.retry_after <= 24 * 3600
    sandbox.add_fault("linkedin", "status", status=429, retry_after=120, path="/rest/posts")
    with pytest.raises(RateLimited) as told:
        linkedin.publish(OutgoingPost(8, "Zu viel"))
    assert told.value.retry_after == 120
    sandbox.add_fault("linkedin", "expired_token")
    with pytest.raises(AuthExpired):
        linkedin.check_connection()


def test_check_connection_names_the_page(linkedin) -> None:
    assert linkedin.check_connection() == "Stadt Bochum"


def test_another_page_is_refused_with_the_reason(sandbox, sandbox_url, linkedin) -> None:
    other = LinkedInConnector(
        ChannelAccess("999", {"access_token": TOKEN}, sandbox_url + "/api.linkedin.com")
    )
    with pytest.raises(Rejected, match="permission"):
        other.publish(OutgoingPost(9, "Falsche Seite"))


def test_a_sunset_version_is_a_clear_refusal(linkedin, monkeypatch) -> None:
    monkeypatch.setattr(linkedin_wire, "LINKEDIN_VERSION", "202301")
    with pytest.raises(Rejected, match="API version"):
        linkedin.check_connection()


def test_duplicate_text_is_refused_with_the_earlier_post(linkedin, sandbox) -> None:
    first = linkedin.publish(OutgoingPost(10, "Gleicher Text"))
    with pytest.raises(Rejected, match="copy of an earlier post") as refused:
        linkedin.publish(OutgoingPost(11, "Gleicher Text"))
    assert first.remote_id in refused.value.message
