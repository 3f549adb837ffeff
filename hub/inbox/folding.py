"""Matching keywords the way people type German: case, umlauts and ß do not matter.

"Notfall", "NOTFALL" and "notfall" match alike; so do "Blödmann" and "Bloedmann", "Straße" and
"Strasse". Both the keyword and the comment are folded to one spelling (lower case, ä -> ae,
ö -> oe, ü -> ue, ß -> ss, other accents dropped) before comparing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """``text`` in one comparable spelling: lower case, umlauts spelt out, accents dropped."""
    text = unicodedata.normalize("NFC", text or "").casefold().translate(UMLAUTS)
    if not text.isascii():  # most German text is plain ASCII once its umlauts are spelt out
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(text.split())


@dataclass(frozen=True)
class Rule:
    """One keyword, already folded: ``category`` (insult, threat, emergency, ...) and the
    ``priority`` a match gives the comment."""

    keyword: str
    category: str
    priority: int = 1
    whole_word: bool = False

    @classmethod
    def make(cls, keyword: str, category: str, priority: int = 1, whole_word: bool = False) -> Rule:
        return cls(fold(keyword), category, priority, whole_word)


@dataclass(frozen=True)
class Verdict:
    flags: tuple[str, ...] = ()  # the categories that matched, sorted
    priority: int = 0  # the highest priority among the matches; 0: nothing matched
    keywords: tuple[str, ...] = ()


class Matcher:
    """All rules at once. Built once per sync batch, so a comment costs one pass per rule."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = [r for r in rules if r.keyword]

    def check(self, text: str) -> Verdict:
        if not self.rules or not text:
            return Verdict()
        folded = fold(text)
        words: set[str] | None = None
        hits = []
        for rule in self.rules:
            if rule.whole_word:
                if words is None:
                    words = set(WORD.findall(folded))
                found = (
                    rule.keyword in words
                    if " " not in rule.keyword
                    else re.search(rf"\b{re.escape(rule.keyword)}\b", folded) is not None
                )
            else:
                found = rule.keyword in folded
            if found:
                hits.append(rule)
        if not hits:
            return Verdict()
        return Verdict(
            flags=tuple(sorted({r.category for r in hits})),
            priority=max(r.priority for r in hits),
            keywords=tuple(sorted({r.keyword for r in hits})),
        )
