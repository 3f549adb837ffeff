"""Threads' rules in the compose form: 500 characters with emoji counted by their UTF-8 bytes,
up to 20 images and videos mixed, videos up to five minutes, and who may reply."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given
from hypothesis import strategies as st

from hub.publishing.options import clean_options
from hub.publishing.rules import MediaFacts, check_post, count_text, threads_length


@pytest.fixture(scope="module", autouse=True)
def _app_context():  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    Babel(app, default_locale="en")
    with app.app_context():
        yield


def check(body: str = "Hallo", media: list[MediaFacts] | None = None, link: str | None = None):  # type: ignore[no-untyped-def]
    return check_post("threads", body=body, title="", link=link, media=media or [], field="v")


@given(st.text(alphabet="abcäöüßÄÖÜ ,.!?-", max_size=600))
def test_letters_count_one_each(text: str) -> None:
    assert threads_length(text) == len(text)


def test_emoji_count_their_utf8_bytes() -> None:
    assert threads_length("🎉") == 4
    assert threads_length("❤️") == 6  # U+2764 and the variation selector, 3 bytes each
    assert threads_length("Stadtfest 🎉") == 10 + 4


def test_the_limit_is_500_with_the_link_appended() -> None:
    assert check("a" * 500) == []
    assert "500" in check("a" * 501)[0].message
    assert check("🎉" * 125) == [] and check("🎉" * 126)
    link = "https://www.bochum.de/stadtfest"
    assert count_text("threads", "a" * 10, link).used == 10 + 2 + len(link)


def test_a_text_alone_is_enough_and_up_to_twenty_mixed_files() -> None:
    assert check("Nur Text") == []
    mixed = [MediaFacts("image", "Bild")] * 15 + [MediaFacts("video", "Film", 30.0)] * 5
    assert check("Alles", mixed) == []
    messages = [p.message for p in check("Zu viel", [*mixed, MediaFacts("image", "Bild")])]
    assert any("at most 20 images and videos together" in m for m in messages)
    assert any(
        "300 seconds" in m
        for m in (p.message for p in check("x", [MediaFacts("video", "F", 301.0)]))
    )


def test_who_may_reply_is_one_of_threads_choices() -> None:
    cleaned, problems = clean_options("threads", {"reply_control": "followers_only"}, "v")
    assert problems == [] and cleaned == {"reply_control": "followers_only"}
    assert clean_options("threads", {"reply_control": "everyone"}, "v") == ({}, [])
    _, problems = clean_options("threads", {"reply_control": "nobody"}, "v")
    assert problems
