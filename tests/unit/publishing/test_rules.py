"""Network rules: counting and limits, checked against properties rather than examples alone."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.publishing.rules import MediaFacts, check_post, count_text, x_weighted_length


@pytest.fixture(scope="module", autouse=True)
def _app_context():  # type: ignore[no-untyped-def]
    # Messages are translated; outside a request Flask-Babel falls back to the default locale.
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app, default_locale="en")
    with app.app_context():
        yield


latin = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=400)
cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=200)


@given(latin)
def test_x_counts_latin_text_one_per_character_without_urls(text: str) -> None:
    if "." in text or ":" in text:  # anything URL-like is counted as 23 instead
        return
    assert x_weighted_length(text) == len(text)


@given(cjk)
def test_x_counts_cjk_characters_twice(text: str) -> None:
    assert x_weighted_length(text) == 2 * len(text)


@given(st.sampled_from(["https://www.bochum.de", "https://bochum.de/" + "a" * 200, "http://x.co"]))
def test_x_counts_every_url_as_23(url: str) -> None:
    assert x_weighted_length(f"Mehr: {url}") == len("Mehr: ") + 23


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=600))
def test_x_limit_is_exactly_280(n: int) -> None:
    problems = check_post("x", body="a" * n, title="", link=None, media=[], field="v")
    assert bool(problems) == (n > 280 or n == 0)


def test_x_limit_counts_the_appended_link_as_23() -> None:
    body = "a" * 257  # 257 + 2 newlines + 23 = 282
    assert count_text("x", body, "https://www.bochum.de/" + "x" * 100).used == 282
    assert (
        check_post("x", body="a" * 255, title="", link="https://bochum.de", media=[], field="v")
        == []
    )


def test_instagram_needs_media_and_limits_caption_and_hashtags() -> None:
    image = [MediaFacts("image", "alt")]
    assert (
        "needs an image or a video"
        in check_post("instagram", body="Hallo", title="", link=None, media=[], field="v")[
            0
        ].message
    )
    assert (
        check_post("instagram", body="a" * 2200, title="", link=None, media=image, field="v") == []
    )
    assert check_post("instagram", body="a" * 2201, title="", link=None, media=image, field="v")
    tags = " ".join(f"#tag{i}" for i in range(31))
    messages = [
        p.message
        for p in check_post("instagram", body=tags, title="", link=None, media=image, field="v")
    ]
    assert any("30 hashtags" in m for m in messages)
    tags30 = " ".join(f"#tag{i}" for i in range(30))
    assert check_post("instagram", body=tags30, title="", link=None, media=image, field="v") == []


def test_youtube_needs_video_title_and_counts_description_in_bytes() -> None:
    video = [MediaFacts("video", None, 60.0)]
    problems = check_post("youtube", body="x", title="", link=None, media=[], field="v")
    messages = " ".join(p.message for p in problems)
    assert "needs a video" in messages and "needs a title" in messages
    assert (
        check_post("youtube", body="ä" * 2500, title="T", link=None, media=video, field="v") == []
    )
    assert check_post("youtube", body="ä" * 2501, title="T", link=None, media=video, field="v")
    assert check_post("youtube", body="x", title="T" * 101, link=None, media=video, field="v")
    assert check_post("youtube", body="x", title="<b>", link=None, media=video, field="v")


def test_flickr_needs_a_photo_and_refuses_video() -> None:
    assert check_post("flickr", body="x", title="", link=None, media=[], field="v")
    messages = [
        p.message
        for p in check_post(
            "flickr", body="x", title="", link=None, media=[MediaFacts("video", None, 5)], field="v"
        )
    ]
    assert any("does not take videos" in m for m in messages)


def test_facebook_limit() -> None:
    assert check_post("facebook", body="a" * 63206, title="", link=None, media=[], field="v") == []
    assert check_post("facebook", body="a" * 63207, title="", link=None, media=[], field="v")


def test_facebook_takes_the_link_separately() -> None:
    assert count_text("facebook", "Hallo", "https://bochum.de").used == len("Hallo")
