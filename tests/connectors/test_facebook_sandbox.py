"""The Facebook Pages connector (pyfacebook underneath) against the sandbox over real HTTP."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    Published,
    RateLimited,
    Rejected,
    Transient,
)
from hub.connectors.registry import connector_for
from tests.connectors.conftest import PAGE_ID, TIMEOUT
from tests.support import wait_until


def post(text: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(delivery_id=1, text=text, **kwargs)


def test_publish_text(facebook, sandbox) -> None:
    result = facebook.publish(post("Guten Morgen, Bochum!"))
    (held,) = sandbox.posts("facebook")
    assert result == Published(held["id"], held["url"])
    assert result.remote_id.startswith(f"{PAGE_ID}_")
    assert result.url.startswith(f"https://www.facebook.com/{PAGE_ID}/posts/")
    assert held["text"] == "Guten Morgen, Bochum!" and held["link"] is None


def test_publish_link_uses_the_link_field(facebook, sandbox) -> None:
    facebook.publish(post("Alles zum Fest", link="https://www.bochum.de/fest"))
    (held,) = sandbox.posts("facebook")
    assert (held["text"], held["link"]) == ("Alles zum Fest", "https://www.bochum.de/fest")


def test_publish_photo_with_alt_text_arrives_whole(facebook, sandbox, make_media) -> None:
    image = make_media(alt_text="Das Rathaus im Abendlicht")
    result = facebook.publish(post("Abendstimmung", media=[image]))
    (held,) = sandbox.posts("facebook")
    assert held["id"] == result.remote_id and held["text"] == "Abendstimmung"
    (photo,) = held["media"]
    assert (photo["sha256"], photo["size"]) == (image.sha256, image.size)
    assert photo["alt_text"] == "Das Rathaus im Abendlicht"


def test_publish_several_photos_as_one_post(facebook, sandbox, make_media) -> None:
    images = [
        make_media(alt_text=f"Bild {n}", color=c) for n, c in enumerate(("red", "blue", "green"))
    ]
    facebook.publish(post("Drei Bilder", media=images, link="https://www.bochum.de/galerie"))
    (held,) = sandbox.posts("facebook")
    # Facebook takes no link field with photos: the link joins the text.
    assert held["text"] == "Drei Bilder\n\nhttps://www.bochum.de/galerie"
    assert [(m["sha256"], m["alt_text"]) for m in held["media"]] == [
        (i.sha256, i.alt_text) for i in images
    ]


def test_photo_known_only_by_its_public_url_is_sent_as_url(facebook, sandbox, make_media) -> None:
    image = replace(make_media(), public_url="https://www.bochum.de/bilder/rathaus.jpg")
    image.path.unlink()
    facebook.publish(post("Von der Website", media=[image]))
    (held,) = sandbox.posts("facebook")
    assert held["media"][0]["source_url"] == "https://www.bochum.de/bilder/rathaus.jpg"
    assert held["media"][0]["alt_text"] == image.alt_text


CHUNK = 64  # the sandbox's chunk size in these tests: a small video goes up in several


@pytest.fixture
def video_page(facebook, monkeypatch):  # type: ignore[no-untyped-def]
    """The page's connector with its own upload-session store, the sandbox asking for small
    chunks (the same protocol as Facebook's megabytes)."""
    from hub.publishing.network_state import MemoryUploadSessions
    from hub.sandbox import facebook as fb_sandbox

    monkeypatch.setattr(fb_sandbox, "VIDEO_CHUNK", CHUNK, raising=False)
    facebook.sessions = MemoryUploadSessions()
    return facebook


def _uploads(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        r
        for r in sandbox.requests("facebook")
        if r["method"] == "POST" and r["path"].endswith(f"/{PAGE_ID}/videos")
    ]


def test_a_video_goes_up_resumably_and_shows_in_the_feed(video_page, sandbox, make_media) -> None:
    video = make_media("video")
    outgoing = post("Der Haushalt 2027, erklärt", title="Haushalt 2027", media=[video])
    result = video_page.publish(outgoing)
    (held,) = sandbox.posts("facebook")
    assert held["id"] == result.remote_id and result.remote_id.startswith(f"{PAGE_ID}_")
    assert held["text"] == "Der Haushalt 2027, erklärt" and result.url == held["url"]
    (film,) = held["media"]
    assert (film["kind"], film["sha256"], film["size"]) == ("video", video.sha256, video.size)
    # start, one transfer per chunk Facebook asked for, finish
    assert len(_uploads(sandbox)) == 1 + -(-video.size // CHUNK) + 1
    shown = video_page.graph.get_object(film["id"], fields="title,description,permalink_url")
    assert (shown["title"], shown["description"]) == ("Haushalt 2027", held["text"])
    assert shown["permalink_url"].endswith(f"/videos/{film['id']}/")  # relative, as Graph's
    feed = video_page.graph.get_connection(PAGE_ID, "feed", fields="id,message,permalink_url")
    assert [item["id"] for item in feed["data"]] == [result.remote_id]
    assert video_page.find_published(outgoing) == result


def test_a_cut_video_upload_continues_where_it_stopped(video_page, sandbox, make_media) -> None:
    video = make_media("video")
    outgoing = post("Film ab", media=[video])
    # Facebook refuses the third chunk for now (a passing fault): the attempt ends there.
    sandbox.add_fault(
        "facebook", "status", status=503, method="TRANSFER", path=f"start_offset={2 * CHUNK}"
    )
    with pytest.raises(Transient):
        video_page.publish(outgoing)
    assert sandbox.posts("facebook") == []
    before = len(_uploads(sandbox))
    result = video_page.publish(outgoing)  # the next attempt continues the stored session
    chunks_left = -(-(video.size - 2 * CHUNK) // CHUNK)
    assert len(_uploads(sandbox)) - before == chunks_left + 1  # no new start, no chunk twice
    (held,) = sandbox.posts("facebook")
    assert held["id"] == result.remote_id and held["media"][0]["sha256"] == video.sha256


def test_a_lost_answer_to_finish_is_not_a_second_video(video_page, sandbox, make_media) -> None:
    video = make_media("video")
    outgoing = post("Noch ein Film", media=[video])
    # Facebook publishes the video, but its answer is a passing fault.
    sandbox.add_fault("facebook", "status", status=503, method="FINISH", after=True)
    with pytest.raises(Transient):
        video_page.publish(outgoing)
    before = len(_uploads(sandbox))
    result = video_page.publish(outgoing)
    assert len(_uploads(sandbox)) == before  # nothing sent again
    (held,) = sandbox.posts("facebook")
    assert held["id"] == result.remote_id


def test_video_and_photos_in_one_post_are_refused(video_page, sandbox, make_media) -> None:
    with pytest.raises(Rejected):
        video_page.publish(post("Gemischt", media=[make_media("video"), make_media()]))
    assert sandbox.requests("facebook") == []


def test_find_published(facebook, make_media) -> None:
    started = datetime.now(UTC)
    made = facebook.publish(
        post("Zum Wiederfinden", media=[make_media()], link="https://bochum.de")
    )
    again = post(
        "Zum Wiederfinden", media=[make_media()], link="https://bochum.de", not_before=started
    )
    assert facebook.find_published(again) == made
    assert facebook.find_published(post("Nie gesendet", not_before=started)) is None
    later = datetime(2999, 1, 1, tzinfo=UTC)
    assert facebook.find_published(post("Zum Wiederfinden", not_before=later)) is None


def test_find_published_reads_past_the_first_page(facebook) -> None:
    started = datetime.now(UTC)
    facebook.publish(post("Der erste"))
    for n in range(120):
        facebook.publish(post(f"Danach {n}"))
    found = facebook.find_published(post("Der erste", not_before=started))
    assert found is not None


def test_timed_out_publish_can_be_found_afterwards(facebook, sandbox) -> None:
    started = datetime.now(UTC)
    sandbox.add_fault("facebook", "latency", seconds=TIMEOUT + 1, path="/feed", method="POST")
    with pytest.raises(Transient):
        facebook.publish(post("Kam doch an"))
    wait_until(lambda: sandbox.posts("facebook"), timeout=10)
    assert facebook.find_published(post("Kam doch an", not_before=started)) is not None


def test_permalink_trouble_after_posting_does_not_fail_the_publish(facebook, sandbox) -> None:
    sandbox.add_fault("facebook", "status", status=500, method="GET")
    result = facebook.publish(post("Trotzdem veröffentlicht"))
    (held,) = sandbox.posts("facebook")
    assert result.remote_id == held["id"]
    assert result.url == held["url"]  # built from the id, the shape Facebook uses


def test_duplicate_is_rejected_in_facebooks_words(facebook) -> None:
    facebook.publish(post("Doppelt"))
    with pytest.raises(Rejected) as caught:
        facebook.publish(post("Doppelt"))
    assert "identical to the last one you posted" in caught.value.message
    assert '"code":506' in caught.value.detail


def test_rate_limit_carries_retry_after(facebook, sandbox) -> None:
    sandbox.add_fault("facebook", "status", status=429, retry_after=240)
    with pytest.raises(RateLimited) as caught:
        facebook.publish(post("Zu schnell"))
    assert caught.value.retry_after == 240


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"kind": "expired_token"}, AuthExpired),
        ({"kind": "status", "status": 401}, AuthExpired),
        ({"kind": "status", "status": 500}, Transient),
        ({"kind": "status", "status": 503}, Transient),
        ({"kind": "status", "status": 400}, Rejected),
        ({"kind": "status", "status": 403}, Rejected),
        ({"kind": "status", "status": 400, "error": {"code": 368}}, Rejected),
        ({"kind": "status", "status": 400, "error": {"code": 613}}, RateLimited),
        ({"kind": "reset"}, Transient),
    ],
)
def test_faults_map_to_typed_errors(facebook, sandbox, spec, error) -> None:
    sandbox.add_fault("facebook", **spec)
    with pytest.raises(error) as caught:
        facebook.publish(post("Mal sehen"))
    assert type(caught.value) is error
    assert caught.value.detail
    assert sandbox.posts("facebook") == []


def test_a_hung_network_raises_instead_of_hanging(facebook, sandbox) -> None:
    sandbox.add_fault("facebook", "timeout", seconds=60, probability=1.0)
    start = time.monotonic()
    with pytest.raises(Transient):
        facebook.publish(post("Hallo?"))
    assert time.monotonic() - start < TIMEOUT * 3


def test_check_connection_and_account_metrics(sandbox, sandbox_url) -> None:
    sandbox.put_account("facebook", id=PAGE_ID, name="Stadt Bochum", followers=98765)
    connector = connector_for(
        "facebook", ChannelAccess(PAGE_ID, {"access_token": "t"}, sandbox_url)
    )
    assert connector.check_connection() == "Stadt Bochum"
    assert connector.fetch_account_metrics().followers == 98765


def test_missing_token_is_auth_expired(sandbox_url) -> None:
    connector = connector_for("facebook", ChannelAccess(PAGE_ID, {}, sandbox_url))
    with pytest.raises(AuthExpired):
        connector.publish(post("Ohne Login"))


def test_the_compose_rules_take_one_video_for_facebook() -> None:
    from hub.connectors.base import Capability
    from hub.connectors.facebook import FacebookConnector
    from hub.publishing.rules import MediaFacts, check_post

    assert FacebookConnector.capabilities >= {Capability.publish_video}
    film = MediaFacts("video", None, 95.0, "film.mp4")
    assert check_post("facebook", body="Film", title="", link=None, media=[film], field="v") == []
    assert check_post(
        "facebook", body="Film", title="", link=None, media=[film, film], field="v"
    )  # one video per post
    long = MediaFacts("video", None, 5 * 3600.0, "lang.mp4")
    assert check_post("facebook", body="Film", title="", link=None, media=[long], field="v")
