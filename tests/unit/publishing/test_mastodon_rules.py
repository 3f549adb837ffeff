"""Mastodon's count and limits in the compose rules: links 23, ``@name@server`` as ``@name``,
emoji as one character; each server's own limit; visibility and content warning options."""

from __future__ import annotations

from hub.publishing.options import clean_options
from hub.publishing.rules import check_post, count_text, mastodon_length, text_limit


def test_mastodon_counts_as_the_server_does() -> None:
    assert mastodon_length("https://www.bochum.de/" + "x" * 200) == 23
    assert mastodon_length("Hallo @stadt@bochum.social") == len("Hallo @stadt")
    assert mastodon_length("👩‍👩‍👧 Familie") == 9
    assert mastodon_length("") == 0


def test_each_channel_counts_against_its_servers_limit() -> None:
    assert text_limit("mastodon", None) == 500
    assert text_limit("mastodon", {"max_characters": 5000}) == 5000
    assert text_limit("mastodon", {"max_characters": "kaputt"}) == 500
    assert text_limit("x", {"max_characters": 5000}) == 280
    text = "Bekanntmachung " * 40
    assert count_text("mastodon", text, None).over
    assert not count_text("mastodon", text, None, limit=1000).over
    assert check_post("mastodon", body=text, title="", link=None, media=[], field="v") != []
    assert (
        check_post("mastodon", body=text, title="", link=None, media=[], field="v", limit=1000)
        == []
    )


def test_visibility_and_content_warning() -> None:
    cleaned, problems = clean_options(
        "mastodon", {"visibility": "private", "spoiler_text": " Unfall  A40 "}, "v"
    )
    assert cleaned == {"visibility": "private", "spoiler_text": "Unfall A40"} and not problems
    assert clean_options("mastodon", {"visibility": "public"}, "v") == ({}, [])  # the default
    _cleaned, problems = clean_options("mastodon", {"visibility": "direct"}, "v")
    assert [p.field for p in problems] == ["v.options.visibility"]
    _cleaned, problems = clean_options("mastodon", {"spoiler_text": "x" * 501}, "v")
    assert [p.field for p in problems] == ["v.options.spoiler_text"]
