"""Sample files for practice: a minimal video and subtitles the demo (and tests) can post.

The video is a valid ISO media file with a real duration (``ftyp`` + ``moov/mvhd``): enough for
hub's checks and for the sandbox, which stores bytes and does not decode pictures.
"""

from __future__ import annotations

import struct

SAMPLE_SUBTITLES = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:02.000\nDer neue Radweg an der Castroper Straße ist fertig.\n\n"
    "00:00:02.000 --> 00:00:03.000\nGute Fahrt!\n"
).encode()


def sample_mp4(seconds: float = 3.0) -> bytes:
    """A minimal but valid MP4 whose duration mutagen reads as ``seconds``."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    timescale = 1000
    mvhd = (
        b"\x00\x00\x00\x00"
        + struct.pack(">IIII", 0, 0, timescale, int(seconds * timescale))
        + struct.pack(">IH", 0x00010000, 0x0100)
        + b"\x00" * 10
        + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
        + b"\x00" * 24
        + struct.pack(">I", 2)
    )
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + box(b"moov", box(b"mvhd", mvhd)) + box(b"mdat", b"\x00" * 64)
