"""Benchmark: a big video through the YouTube connector to the sandbox (its own process).

Prints, for a file of ``--size-mb`` (default 1024 MB):

- throughput of the connector's resumable upload, and the same bytes sent by plain ``requests``
  through the same protocol and chunk size (the baseline, measured in this process): the ratio
  says what google-api-python-client, google-auth and hub's transport cost;
- peak RSS growth of this process (the "worker") during the connector's upload: the file must
  stream (target < 50 MB whatever the file size);
- the time to finish after a connection reset at 50 % (resume), against starting over (the
  time already spent until the reset plus a full upload), as a ratio.

Run: ``python bench/upload.py [--size-mb 1024] [--chunk-mb 8]``. No assertions: it prints.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

import requests

from hub.connectors.base import ChannelAccess, MediaFile, OutgoingPost
from hub.connectors.youtube import YouTubeConnector
from hub.publishing.network_state import MemoryQuotaLedger, MemoryUploadSessions
from hub.sandbox import SandboxControl, start_process

CHANNEL = "UC" + "benchmark0000000000000"
CREDS = {"refresh_token": "refresh-bench", "client_id": "1-bench", "client_secret": "s"}
MB = 1024 * 1024


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak is this upload's."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def make_video(path: Path, size: int) -> MediaFile:
    """An MP4 header and then pseudo-random blocks (not compressible, never all in memory)."""
    digest = hashlib.sha256()
    block = os.urandom(MB)
    with path.open("wb") as out:
        head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
        out.write(head)
        digest.update(head)
        written = len(head)
        while written < size:
            piece = block[: min(MB, size - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return MediaFile(path, "video", "video/mp4", size, digest.hexdigest())


def connector(url: str, chunk: int, **kwargs: object) -> YouTubeConnector:
    YouTubeConnector.chunk_bytes = chunk
    return YouTubeConnector(
        ChannelAccess(CHANNEL, CREDS, url),
        timeout=60,
        ledger=MemoryQuotaLedger(),
        sessions=MemoryUploadSessions(),
        **kwargs,  # type: ignore[arg-type]
    )


def baseline(url: str, video: MediaFile, chunk: int) -> float:
    """The same resumable protocol with plain requests: seconds for the whole file."""
    token = requests.post(
        f"{url}/oauth2/v4/token",
        data={"grant_type": "refresh_token", "refresh_token": CREDS["refresh_token"]},
        timeout=10,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    session = requests.post(
        f"{url}/upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet,status"},
        json={"snippet": {"title": "Baseline"}, "status": {"privacyStatus": "private"}},
        headers={**auth, "X-Upload-Content-Length": str(video.size)},
        timeout=60,
    ).headers["Location"]
    http = requests.Session()
    with video.path.open("rb") as handle:
        sent = 0
        while sent < video.size:
            data = handle.read(chunk)
            end = sent + len(data) - 1
            answer = http.put(
                session,
                data=data,
                headers={**auth, "Content-Range": f"bytes {sent}-{end}/{video.size}"},
                timeout=60,
            )
            answer.raise_for_status() if answer.status_code not in (200, 201, 308) else None
            sent = end + 1
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=8)
    args = parser.parse_args()
    size, chunk = args.size_mb * MB, args.chunk_mb * MB
    with tempfile.TemporaryDirectory() as folder, start_process() as sandbox:
        control = SandboxControl(sandbox.url)
        control.put_account("youtube", id=CHANNEL, token=CREDS["refresh_token"])
        video = make_video(Path(folder) / "video.mp4", size)
        print(f"file: {size / MB:.0f} MB, chunks of {chunk / MB:.0f} MB, sandbox pid {sandbox.pid}")

        base_seconds = baseline(sandbox.url, video, chunk)
        control.reset()
        control.put_account("youtube", id=CHANNEL, token=CREDS["refresh_token"])

        rss_before = status_kb("VmRSS")
        reset_peak()
        started = time.perf_counter()
        connector(sandbox.url, chunk).publish(
            OutgoingPost(1, "Benchmark", title="Benchmark", media=[video])
        )
        full_seconds = time.perf_counter() - started
        peak_growth = (status_kb("VmHWM") - rss_before) / 1024
        (made,) = control.posts("youtube")
        whole = made["media"][0]["sha256"] == video.sha256

        control.reset()
        control.put_account("youtube", id=CHANNEL, token=CREDS["refresh_token"])
        marks: dict[str, float] = {}

        def cut_at_half(sent: int, total: int) -> None:
            if sent >= total // 2 and "cut" not in marks:
                marks["cut"] = time.perf_counter()
                control.add_fault("youtube", "reset", method="PUT", count=1)

        started = time.perf_counter()
        connector(sandbox.url, chunk, on_progress=cut_at_half).publish(
            OutgoingPost(2, "Benchmark", title="Benchmark 2", media=[video])
        )
        done = time.perf_counter()
        resume_after_cut = done - marks["cut"]
        start_over = full_seconds  # after the cut, starting over means sending it all again
        (resumed,) = control.posts("youtube")

        def rate(seconds: float) -> str:
            return f"{size / MB / seconds:8.1f} MB/s"

        print(f"baseline (plain requests):      {base_seconds:7.2f} s  {rate(base_seconds)}")
        print(f"connector (YouTube SDK):        {full_seconds:7.2f} s  {rate(full_seconds)}")
        print(f"  ratio connector / baseline:   {full_seconds / base_seconds:7.2f}x time")
        print(f"  bytes arrived whole:          {whole}")
        print(f"peak RSS growth during upload:  {peak_growth:7.1f} MB (target < 50 MB)")
        print(f"after a reset at 50 %:          {resume_after_cut:7.2f} s to finish by resuming")
        pause = YouTubeConnector.resume_pause
        print(f"  of which the pause before resuming: {pause:5.2f} s (backoff, by design)")
        print(f"  starting over instead:        {start_over:7.2f} s (a full upload)")
        print(f"  ratio resume / start over:    {resume_after_cut / start_over:7.2f}")
        net = (resume_after_cut - pause) / start_over
        print(f"  ratio without the pause:      {net:7.2f}")
        print(f"  resumed bytes arrived whole:  {resumed['media'][0]['sha256'] == video.sha256}")


if __name__ == "__main__":
    main()
