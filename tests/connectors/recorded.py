"""The real recorded X payloads, kept in the repository under ``tests/fixtures/x`` (from tweepy's
test suite, MIT licence; see tests/fixtures/README.md), so every clone and CI has them."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(
    os.environ.get("HUB_FIXTURES_DIR") or Path(__file__).resolve().parents[1] / "fixtures"
)
X_CASSETTES = FIXTURES / "x"


def cassette(name: str) -> Path:
    """A recorded X cassette; a missing one is a broken checkout, so the test fails."""
    path = X_CASSETTES / name
    if not path.exists():
        pytest.fail(f"recorded fixture {path} is missing", pytrace=False)
    return path


def recorded_body(name: str, index: int = 0) -> dict[str, Any]:
    """The JSON body of one recorded response (bodies are stored gzip-compressed)."""
    interaction = yaml.safe_load(cassette(name).read_text())["interactions"][index]
    raw = interaction["response"]["body"]["string"]
    return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
