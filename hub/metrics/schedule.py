"""The decaying snapshot schedule: often while a post is fresh, rarely once it has settled.

Every 15 minutes for the first 6 hours, hourly up to 48 hours, daily up to 30 days and weekly up
to 90 days after publication: about a hundred snapshots per delivery. The points sit on a fixed
grid from the publication time, so a worker that was down for a while does not catch up on every
missed point: the next snapshot is simply the next grid point after *now*.

``speedup`` compresses the grid (the demo runs it 60 times faster); 1 is the real schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

# (until, step): the grid's phases, measured from the publication.
PHASES: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=6), timedelta(minutes=15)),
    (timedelta(hours=48), timedelta(hours=1)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=90), timedelta(days=7)),
)
HORIZON = PHASES[-1][0]


def next_due(published_at: datetime, after: datetime, speedup: float = 1.0) -> datetime | None:
    """The first grid point strictly after ``after``; None once the 90 days are over."""
    age = (after - published_at) * speedup
    start = timedelta(0)
    for until, step in PHASES:
        if age < until:
            steps = 1 if age < start else (age - start) // step + 1
            offset = min(start + steps * step, until)
            return published_at + offset / speedup
        start = until
    return None


def grid(speedup: float = 1.0) -> Iterator[timedelta]:
    """Every point of the schedule, as offsets from the publication (for docs and tests)."""
    start = timedelta(0)
    for until, step in PHASES:
        offset = start + step
        while offset < until:
            yield offset / speedup
            offset += step
        yield until / speedup
        start = until
