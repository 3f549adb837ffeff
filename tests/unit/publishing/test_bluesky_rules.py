"""Bluesky's limits as the compose form checks them: 300 graphemes (what a reader sees as one
character) and 3,000 bytes, up to four images and no video, and the ``langs`` option."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from hub.publishing.options import clean_options
from hub.publishing.rules import MediaFacts, check_post, count_text, graphemes


@pytest.fixture(scope="module", autouse=True)
def _app_context():  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    Babel(app, default_locale="en")
    with app.app_context():
        yield


def test_graphemes_count_what_a_reader_sees() -> None:
    assert graphemes("") == 0
    assert graphemes("Bochum") == 6
    assert graphemes("👍🏽") == 1  # emoji with skin tone: two code points
    assert graphemes("👩‍👩‍👧") == 1  # a family: five code points joined
    assert graphemes("e\u0301") == 1  # e with a combining accent


def test_bluesky_allows_300_graphemes_and_3000_bytes() -> None:
    assert count_text("bluesky", "👍🏽" * 300, None).over is False
    assert count_text("bluesky", "a" * 301, None).over is True
    assert check_post("bluesky", body="👍🏽" * 300, title="", link=None, media=[], field="v") == []
    # 200 graphemes, but 3,600 bytes: refused by the second limit.
    (problem,) = check_post(
        "bluesky", body="👩‍👩‍👧" * 200, title="", link=None, media=[], field="v"
    )
    assert "3,000 bytes" in problem.message
    # The link joins the text and counts.
    link = "https://www.bochum.de/" + "x" * 40
    assert count_text("bluesky", "a" * 240, link).used == 240 + 2 + len(link)


def test_bluesky_takes_four_images_and_no_video() -> None:
    four = [MediaFacts("image", "Rathaus")] * 4
    assert check_post("bluesky", body="Bilder", title="", link=None, media=four, field="v") == []
    five = check_post("bluesky", body="x", title="", link=None, media=four + four[:1], field="v")
    assert [p.field for p in five] == ["v.media"]
    video = check_post(
        "bluesky", body="x", title="", link=None, media=[MediaFacts("video")], field="v"
    )
    assert "does not take videos" in video[0].message


def test_languages_are_up_to_three_codes() -> None:
    cleaned, problems = clean_options("bluesky", {"langs": "de, en"}, "v")
    assert problems == [] and cleaned == {"langs": ["de", "en"]}
    _, problems = clean_options("bluesky", {"langs": "de, en, tr, ar"}, "v")
    assert [p.field for p in problems] == ["v.options.langs"]
    _, problems = clean_options("bluesky", {"langs": "Deutsch"}, "v")
    assert [p.message for p in problems] == ["Please use language codes such as de, en or tr."]
