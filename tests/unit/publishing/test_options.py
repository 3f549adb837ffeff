"""Network settings: only offered values, tags split and limited, licences recognised."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from hub.publishing.options import clean_options, licence_key, split_tags


@pytest.fixture(scope="module", autouse=True)
def _app_context():  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    Babel(app, default_locale="en")
    with app.app_context():
        yield


def test_defaults_are_not_stored_and_chosen_values_are() -> None:
    cleaned, problems = clean_options(
        "youtube", {"privacy": "public", "category": "29", "tags": "Bochum, Stadtfest , "}, "v"
    )
    assert problems == []
    assert cleaned == {"category": "29", "tags": ["Bochum", "Stadtfest"]}


def test_unknown_settings_and_values_are_refused_by_field() -> None:
    _, problems = clean_options("youtube", {"privacy": "secret", "colour": "red"}, "variants.3")
    assert {p.field for p in problems} == {
        "variants.3.options.privacy",
        "variants.3.options.colour",
    }
    _, problems = clean_options("facebook", {"privacy": "public"}, "v")
    assert problems and "no such setting" in problems[0].message


def test_youtube_tags_limited_to_500_characters_together() -> None:
    ok, problems = clean_options("youtube", {"tags": ["a" * 100] * 5}, "v")
    assert problems == [] and len(ok["tags"]) == 5
    _, problems = clean_options("youtube", {"tags": ["a" * 100] * 5 + ["b"]}, "v")
    assert problems and "500" in problems[0].message


def test_flickr_and_x_settings() -> None:
    cleaned, problems = clean_options("flickr", {"privacy": "friends", "tags": ["Rathaus"]}, "v")
    assert problems == [] and cleaned == {"privacy": "friends", "tags": ["Rathaus"]}
    cleaned, problems = clean_options("x", {"reply_settings": "mentionedUsers"}, "v")
    assert problems == [] and cleaned == {"reply_settings": "mentionedUsers"}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("CC BY 4.0", "cc-by"),
        ("CC BY-SA 4.0", "cc-by-sa"),
        ("cc0 1.0", "cc0"),
        ("all rights reserved", "all-rights-reserved"),
        ("Foto: privat", None),
        (None, None),
    ],
)
def test_licence_key(text: str | None, key: str | None) -> None:
    assert licence_key(text) == key


def test_split_tags() -> None:
    assert split_tags("a, b ,,c") == ["a", "b", "c"]
    assert split_tags([" a ", ""]) == ["a"]
