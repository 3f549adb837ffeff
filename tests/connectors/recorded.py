"""Where the real recorded X payloads live (``../shared/fixtures/x`` next to the repository)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(
    os.environ.get("HUB_FIXTURES_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "fixtures"
)
X_CASSETTES = FIXTURES / "x"


def cassette(name: str) -> Path:
    """A recorded X cassette; skipped (failed under CI) where the fixtures are not checked out."""
    path = X_CASSETTES / name
    if not path.exists():
        message = f"recorded fixture {path} is missing"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def recorded_body(name: str, index: int = 0) -> dict[str, Any]:
    """The JSON body of one recorded response (bodies are stored gzip-compressed)."""
    interaction = yaml.safe_load(cassette(name).read_text())["interactions"][index]
    raw = interaction["response"]["body"]["string"]
    return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
