"""Keyword matching folds case, umlauts and ß, so rules match the way people type."""

from __future__ import annotations

import pytest

from hub.inbox.folding import Matcher, Rule, fold


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("NOTFALL", "notfall"),
        ("Blödmann", "bloedmann"),
        ("BLÖDMANN", "bloedmann"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Übergriff", "uebergriff"),
        ("Café  crème", "cafe creme"),
        ("ẞ", "ss"),
        ("", ""),
    ],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_rules_match_any_spelling_and_report_category_and_priority() -> None:
    matcher = Matcher(
        [
            Rule.make("Notfall", "emergency", 10),
            Rule.make("Blödmann", "insult", 3),
            Rule.make("Straße gesperrt", "question", 1),
        ]
    )
    verdict = matcher.check("NOTFALL!!! Die STRASSE GESPERRT, ihr Bloedmaenner")
    assert verdict.flags == ("emergency", "question")
    assert verdict.priority == 10
    assert matcher.check("Der Bloedmann").flags == ("insult",)
    assert matcher.check("Alles gut hier").priority == 0


def test_whole_word_rules_do_not_match_inside_words() -> None:
    matcher = Matcher([Rule.make("ass", "spam", 1, whole_word=True)])
    assert matcher.check("Klasse Sache").flags == ()
    assert matcher.check("Du ASS").flags == ("spam",)
    phrase = Matcher([Rule.make("dumme kuh", "insult", 2, whole_word=True)])
    assert phrase.check("Du dumme Kuh!").flags == ("insult",)
    assert phrase.check("Du dumme Kuhle").flags == ()


def test_no_rules_no_flags() -> None:
    assert Matcher([]).check("Notfall").flags == ()
    assert Matcher([Rule.make("  ", "insult")]).check("  ").flags == ()
