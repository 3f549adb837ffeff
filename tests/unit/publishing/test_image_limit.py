"""Images are measured before they are decoded (issue 12, item 9): one with more pixels than a
worker should hold in memory is refused with a clear message; a large ordinary photo is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hub.publishing.media import MediaError, inspect_file


def _png(path: Path, size: tuple[int, int]) -> Path:
    # One bit a pixel: a huge image that is cheap to make here (hub would decode far more).
    Image.new("1", size).save(path, "PNG")
    return path


def test_an_image_with_too_many_pixels_is_refused(tmp_path: Path) -> None:
    side = 7200  # 52 megapixels: over the limit of 50, under Pillow's own guard (89)
    with pytest.raises(MediaError) as refused:
        inspect_file(_png(tmp_path / "riesig.png", (side, side)))
    assert "megapixels" in refused.value.args[0]


def test_a_large_ordinary_photo_is_taken(tmp_path: Path) -> None:
    facts = inspect_file(_png(tmp_path / "foto.png", (8256, 5504)))  # a 45-megapixel camera
    assert (facts.width, facts.height) == (8256, 5504)
