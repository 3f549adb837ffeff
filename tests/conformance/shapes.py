"""Compare the shape of the sandbox's answers with the shape of the networks' real answers.

The sandbox is our own mirror of the networks: where it and a connector share a misunderstanding,
both agree and production fails. A conformance test sends the sandbox the request that was
recorded against the real API and holds its answer to the recorded answer's *shape*: the same
key paths, each with the same JSON type, nested the same way. Values differ (other ids, other
texts); shapes must not.

- :func:`shape` maps every key path of a JSON value to the JSON types seen there; the elements of
  a list are merged under ``[*]``, so a list of comments has one shape whatever its length.
- :func:`assert_conforms` fails with a readable list of differences:
  *missing* (the real network sends it, the sandbox does not: a connector tested only against the
  sandbox may ignore what production sends), *extra* (the sandbox sends it, the real network did
  not: a connector may rely on a key production never sends), and *type* (``"123"`` vs ``123``).
  ``optional`` names paths a real answer may leave out (the recording simply had none), with
  the reason in the test; ``ignore`` names paths not compared at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.connectors.recorded import FIXTURES

Shape = dict[str, set[str]]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape(value: Any, path: str = "$", into: Shape | None = None) -> Shape:
    """Every key path in ``value`` with the JSON types found there (lists merged under ``[*]``)."""
    into = {} if into is None else into
    into.setdefault(path, set()).add(json_type(value))
    if isinstance(value, Mapping):
        for key, item in value.items():
            shape(item, f"{path}.{key}", into)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[*]", into)
    return into


def _covered(path: str, prefixes: Iterable[str]) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[")) for p in prefixes)


def differences(
    real: Any, ours: Any, *, optional: Iterable[str] = (), ignore: Iterable[str] = ()
) -> list[str]:
    """What separates the sandbox's answer (``ours``) from the real one, one line each."""
    optional, ignore = tuple(optional), tuple(ignore)
    real_shape, our_shape = shape(real), shape(ours)
    found = []
    for path in sorted(real_shape.keys() - our_shape.keys()):
        if not _covered(path, ignore) and not _covered(_parent_of(path), ignore):
            found.append(f"missing in the sandbox: {path} ({_types(real_shape[path])})")
    for path in sorted(our_shape.keys() - real_shape.keys()):
        if not _covered(path, ignore) and not _covered(path, optional):
            found.append(f"extra in the sandbox: {path} ({_types(our_shape[path])})")
    for path in sorted(real_shape.keys() & our_shape.keys()):
        if _covered(path, ignore):
            continue
        theirs, mine = real_shape[path] - {"null"}, our_shape[path] - {"null"}
        if theirs and mine and not theirs & mine:
            found.append(f"type differs at: {path} (real {_types(theirs)}, sandbox {_types(mine)})")
    return _outermost(found)


def _types(types: set[str]) -> str:
    return "/".join(sorted(types))


def _parent_of(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else path


def _outermost(lines: list[str]) -> list[str]:
    """A missing (or extra) object is one difference, not one more for every key inside it."""
    kept: list[str] = []
    reported: set[tuple[str, str]] = set()
    for line in lines:
        kind, rest = line.split(": ", 1)
        path = rest.split(" ", 1)[0]
        ancestors = {path[:i] for i, ch in enumerate(path) if ch in ".["}
        if not any((kind, a) in reported for a in ancestors):
            kept.append(line)
        reported.add((kind, path))
    return kept


def assert_conforms(
    real: Any, ours: Any, *, optional: Iterable[str] = (), ignore: Iterable[str] = ()
) -> None:
    """Fail unless the sandbox's answer has the real answer's shape (see the module's doc)."""
    found = differences(real, ours, optional=optional, ignore=ignore)
    assert not found, "the sandbox's answer differs from the real one:\n  " + "\n  ".join(found)


def real_json(relative: str) -> Any:
    """A recorded real JSON body from ``tests/fixtures`` (a missing file is a broken checkout)."""
    path = Path(FIXTURES) / relative
    assert path.exists(), f"recorded fixture {path} is missing"
    return json.loads(path.read_text(encoding="utf-8"))
