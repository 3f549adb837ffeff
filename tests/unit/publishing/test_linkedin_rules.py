"""LinkedIn's limits in the compose form and the API: 3,000 characters of commentary, the link
as its own card, 1 to 20 images or one video of at most 30 minutes; credentials checked when
saved."""

from __future__ import annotations

from hub.publishing import credentials
from hub.publishing.rules import MediaFacts, check_post, count_text, rules_for


def problems(body: str = "Text", media=(), link: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    found = check_post("linkedin", body=body, title="", link=link, media=media, field="v")
    return [p.message for p in found]


def test_the_commentary_counts_to_3000_and_the_link_stays_out_of_it() -> None:
    assert count_text("linkedin", "a" * 3000, None).over is False
    assert problems("a" * 3001) == ["LinkedIn allows 3000 characters; this text has 3001."]
    # The link becomes an article card (content.article): not counted, not in the text.
    assert rules_for("linkedin").final_text("Neue Parkregeln", "https://bochum.de/p") == (
        "Neue Parkregeln"
    )


def test_images_and_video() -> None:
    image = MediaFacts("image", alt_text="Rathaus")
    assert problems(media=[image] * 20) == []
    assert problems(media=[image] * 21) == ["LinkedIn takes at most 20 images; 21 are attached."]
    video = MediaFacts("video", duration_seconds=31 * 60, name="lang.mp4")
    assert any("at most 1800 seconds" in p for p in problems(media=[video]))
    assert any("cannot mix" in p for p in problems(media=[image, MediaFacts("video")]))


def test_credentials() -> None:
    assert credentials.check("linkedin", {"access_token": "AQ"}).ok
    missing = credentials.check("linkedin", {"access_token": "AQ", "refresh_token": "AQR"})
    assert missing.missing == ("client_id", "client_secret")
    assert credentials.check("linkedin", {}).missing == ("access_token",)
