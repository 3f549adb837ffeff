"""Citizens' text on our pages: escaped, with only web links made live (and safely)."""

from __future__ import annotations

import pytest

from hub.admin.inbox.text import comment_html, excerpt, initials
from hub.inbox.saved_replies import fill


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<b>fett</b>", "&lt;b&gt;fett&lt;/b&gt;"),
        ("a & b", "a &amp; b"),
        ('"><svg onload=alert(1)>', "&#34;&gt;&lt;svg onload=alert(1)&gt;"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        (
            "Siehe https://bochum.de/a?x=1&y=2.",
            'Siehe <a href="https://bochum.de/a?x=1&amp;y=2" rel="nofollow noopener noreferrer ugc"'
            ' target="_blank">https://bochum.de/a?x=1&amp;y=2</a>.',
        ),
        (
            'https://x.org/"onmouseover="alert(1)',
            '<a href="https://x.org/" rel="nofollow noopener noreferrer ugc" target="_blank">'
            "https://x.org/</a>&#34;onmouseover=&#34;alert(1)",
        ),
        (None, ""),
    ],
)
def test_comment_html(text, html) -> None:  # type: ignore[no-untyped-def]
    assert str(comment_html(text)) == html


def test_long_links_are_shortened_in_text_only() -> None:
    url = "https://www.bochum.de/" + "a" * 100
    rendered = str(comment_html(url))
    assert f'href="{url}"' in rendered and "…</a>" in rendered


def test_excerpt_and_initials() -> None:
    assert excerpt("a\n\nb   c") == "a b c"
    assert excerpt("x" * 300, 10) == "x" * 9 + "…"
    assert initials("Anna Kowalski") == "AK"
    assert initials("ruhrpott_maedel") == "RM"
    assert initials("") == "?"


def test_saved_reply_placeholders() -> None:
    values = {"author": "Anna", "handle": "@anna", "moderator": "Mona"}
    assert fill("Hallo {author}, danke! {moderator}", values) == "Hallo Anna, danke! Mona"
    assert fill("{unbekannt} bleibt", values) == "{unbekannt} bleibt"
    assert fill("  {handle}  ", values) == "@anna"
