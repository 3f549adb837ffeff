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
    Unsupported,
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


def test_video_is_unsupported_for_now(facebook, sandbox, make_media) -> None:
    with pytest.raises(Unsupported):
        facebook.publish(post("Film", media=[make_media("video")]))
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
