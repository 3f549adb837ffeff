"""Every benchmark in ``bench/`` still runs, at a toy size.

The benchmarks call hub's code by name (the sync's ``prepare`` and ``store_batch``, the inbox's
pages, the dashboard's queries, the upload and publishing paths); a rename or a changed page
broke them unnoticed until someone wanted a figure. Here each runs end to end on the real
services (PostgreSQL, the sandbox, Celery workers on the embedded broker), small enough for CI,
and must finish cleanly and print its reach line. The figures themselves are not judged: at this
size they mean nothing (see the README's Performance section for the real runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RUNS = {
    "chaos": (
        [
            *("--announcements", "4", "--spread", "10", "--workers", "1", "--concurrency", "2"),
            *("--latency-ms", "200", "--redis-down", "1", "--deadline", "120"),
        ],
        "lost:",
    ),
    "inbox_ingest": (["--comments", "3000", "--posts", "5"], "reach (sync >= 0.5 x plain bulk"),
    "inbox_page": (["--comments", "5000", "--runs", "3"], "at the same depth: Flask-Admin"),
    "dashboard": (["--snapshots", "2000", "--runs", "3", "--raw-runs", "1"], "reach (both pages"),
    "upload": (["--size-mb", "20", "--chunk-mb", "5"], "resumed bytes arrived whole:  True"),
    "publish_fanout": (
        [
            "--stack",
            "embedded",
            "--announcements",
            "3",
            "--steady",
            "2",
            "--every",
            "0.2",
            "--latency-ms",
            "50",
            "--workers",
            "1",
            "--concurrency",
            "2",
        ],
        "due-to-published lag",
    ),
    "embedded_broker": (
        ["--race-hints", "200", "--hints", "40", "--idle", "1", "--rounds", "1"],
        "transport  failed reads",
    ),
    "soak": (["--minutes", "0.5", "--every", "10", "--grace", "120"], "reach: worker restarts"),
    "office_load": (
        [
            *("--comments", "2000", "--ingest", "20000", "--posts", "20", "--seconds", "10"),
            *("--moderators", "2", "--editors", "1", "--managers", "1", "--workers", "2"),
        ],
        "reach (inbox p95",
    ),
}


@pytest.mark.parametrize("bench", sorted(RUNS))
def test_the_benchmark_runs(bench: str, tmp_path: Path) -> None:
    args, expected = RUNS[bench]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{bench}.py"), *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert expected in output, output[-3000:]
