"""The German catalog is complete, current and compiled.

The msgids are extracted from the source here, with babel's API, the mapping in babel.cfg and the
keywords of scripts/translations.sh, exactly as the script does. A failure names the messages;
the cure is always the same: ``scripts/translations.sh update``, translate, ``... compile``.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "hub"
SCRIPT = ROOT / "scripts" / "translations.sh"
MAPPING = ROOT / "babel.cfg"
POT = HUB / "translations" / "messages.pot"
PO = HUB / "translations" / "de" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# %(name)s, %(n)d, %s, %%; {name} and {} (str.format and Flask-Admin's '{} items').
PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]|\{[^{}\s]*\}"
)
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def script_keyword_specs() -> list[str]:
    """The ``-k`` options of scripts/translations.sh (its single source of keywords)."""
    words = shlex.split(SCRIPT.read_text(encoding="utf-8"), comments=True)
    assert "--no-default-keywords" in words, "the script should list every keyword itself"
    return [words[i + 1] for i, word in enumerate(words) if word in ("-k", "--keyword")]


def extract() -> Catalog:
    with MAPPING.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(MAPPING))
    catalog = Catalog(locale=None)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(HUB),
        method_map,
        options_map,
        keywords=parse_keywords(script_keyword_specs()),
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(path: Path) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale="de" if path.suffix == ".po" else None)


def key(message: Message) -> tuple[str, str | None]:
    singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return singular, message.context


def messages(catalog: Catalog) -> dict[tuple[str, str | None], Message]:
    return {key(m): m for m in catalog if m.id}


def show(keys: Any) -> str:
    return "\n  ".join(sorted(repr(k[0]) for k in keys))


@pytest.fixture(scope="module")
def source() -> dict[tuple[str, str | None], Message]:
    return messages(extract())


@pytest.fixture(scope="module")
def po() -> Catalog:
    return read(PO)


def test_the_script_marks_every_function_the_code_translates_with() -> None:
    """A translating function the script does not know would leave its texts in English."""
    keywords = set(parse_keywords(script_keyword_specs()))
    used: set[str] = set()
    for path in HUB.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flask_babel"):
                used |= {a.asname or a.name for a in node.names if a.name.endswith("gettext")}
            elif isinstance(node, ast.FunctionDef) and node.name == "N_":
                used.add(node.name)
    assert used, "no translating functions found: is the search broken?"
    assert used <= keywords, f"add to scripts/translations.sh: {sorted(used - keywords)}"


def test_extraction_finds_the_texts_of_code_and_templates(source) -> None:
    files = {path for message in source.values() for path, _line in message.locations}
    assert any(f.endswith(".py") for f in files) and any(f.endswith(".html") for f in files)
    assert ("Missing data for required field.", None) in source  # marked with N_
    assert ("Log in", None) in source  # from a template
    assert source[("%(num)s channel needs a new login; its posts wait.", None)].pluralizable


def test_every_text_has_a_german_translation(source, po) -> None:
    translated = messages(po)
    missing = [k for k in source if k not in translated]
    assert not missing, (
        f"not in messages.po (run scripts/translations.sh update):\n  {show(missing)}"
    )
    empty = [
        k
        for k in source
        if not all(_forms(translated[k]))
        or len(_forms(translated[k])) != (po.num_plurals if source[k].pluralizable else 1)
    ]
    assert not empty, f"untranslated in messages.po:\n  {show(empty)}"
    fuzzy = [k for k in source if translated[k].fuzzy]
    assert not fuzzy, f"fuzzy (check, then remove the flag):\n  {show(fuzzy)}"
    for k, message in source.items():
        assert message.pluralizable == translated[k].pluralizable, k
        if message.pluralizable:
            assert message.id == translated[k].id, f"plural changed: {k}"


def test_the_catalog_has_no_stale_entries(source, po) -> None:
    """Texts the code no longer has, and a template that does not match the code."""
    stale = set(messages(po)) - set(source)
    assert not stale, (
        f"no longer in the code (run scripts/translations.sh update):\n  {show(stale)}"
    )
    template = set(messages(read(POT)))
    assert template == set(source), (
        "messages.pot is out of date: run scripts/translations.sh update"
    )


def test_the_catalog_is_german_with_two_plural_forms(po) -> None:
    assert str(po.locale) == "de"
    assert po.num_plurals == 2
    assert po.plural_expr.replace(" ", "") == "(n!=1)"
    assert not po.fuzzy, "a fuzzy header makes pybabel compile skip the whole catalog"


def test_translations_keep_placeholders_and_add_no_markup(po) -> None:
    problems = []
    for message in po:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        for form in _forms(message):
            if message.pluralizable:  # each form names the values the English forms name
                wanted = {p for text in ids for p in PLACEHOLDER.findall(text)}
                found: Any = set(PLACEHOLDER.findall(form))
            else:
                wanted, found = (
                    Counter(PLACEHOLDER.findall(ids[0])),
                    Counter(PLACEHOLDER.findall(form)),
                )
            if found != wanted:
                problems.append(f"{ids[0]!r}: placeholders {sorted(wanted)} -> {sorted(found)}")
            elif not message.pluralizable and form.count("%") != ids[0].count("%"):
                problems.append(f"{ids[0]!r}: a stray % (write %% for a percent sign)")
            markup = set(TAG.findall(form)) - {t for text in ids for t in TAG.findall(text)}
            if markup:
                problems.append(f"{ids[0]!r}: markup in the translation: {sorted(markup)}")
    assert not problems, "\n".join(problems)
    errors = [f"{m.id!r}: {e}" for m, errs in po.check() for e in errs]
    assert not errors, "\n".join(errors)


def test_the_compiled_catalog_is_up_to_date(po) -> None:
    """hub serves messages.mo; it must hold exactly what messages.po says."""
    assert MO.exists(), "messages.mo is missing: run scripts/translations.sh compile"
    compiled = io.BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    with MO.open("rb") as committed:
        served = read_mo(committed)
    expected = read_mo(compiled)
    stale = "messages.mo is stale: run scripts/translations.sh compile"
    assert _table(served) == _table(expected), stale
    for header in ("Language", "Plural-Forms", "Content-Type"):
        assert dict(served.mime_headers).get(header) == dict(expected.mime_headers).get(header), (
            stale
        )


def _forms(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return [s or "" for s in strings]


def _table(catalog: Catalog) -> dict[tuple[Any, Any], Any]:
    def frozen(value: Any) -> Any:
        return tuple(value) if isinstance(value, tuple | list) else value

    return {(frozen(m.id), m.context): frozen(m.string) for m in catalog if m.id}
