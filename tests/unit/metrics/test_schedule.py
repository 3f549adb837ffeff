"""The decaying schedule, with time passed in: 15 minutes, hourly, daily, weekly, 90 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.metrics.schedule import HORIZON, grid, next_due

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Berlin switches to summer time


def test_the_grid_has_each_phase_and_ends_at_90_days() -> None:
    points = list(grid())
    assert points[:3] == [timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=45)]
    assert points[23] == timedelta(hours=6)  # 24 points of 15 minutes
    assert points[24] == timedelta(hours=7)  # then hourly
    assert points[65] == timedelta(hours=48)
    assert points[66] == timedelta(days=3)  # then daily
    assert points[93] == timedelta(days=30)
    assert points[94] == timedelta(days=37)  # then weekly
    assert points[-1] == HORIZON == timedelta(days=90)
    assert len(points) == 103 and points == sorted(set(points))


@pytest.mark.parametrize(
    ("age", "due"),
    [
        (timedelta(0), timedelta(minutes=15)),
        (timedelta(minutes=14, seconds=59), timedelta(minutes=15)),
        (timedelta(minutes=15), timedelta(minutes=30)),
        (timedelta(hours=5, minutes=50), timedelta(hours=6)),
        (timedelta(hours=6), timedelta(hours=7)),
        (timedelta(hours=47, minutes=1), timedelta(hours=48)),
        (timedelta(hours=48), timedelta(days=3)),
        (timedelta(days=29, hours=23), timedelta(days=30)),
        (timedelta(days=30), timedelta(days=37)),
        (timedelta(days=88), timedelta(days=90)),
    ],
)
def test_next_due_is_the_first_grid_point_after_now(age: timedelta, due: timedelta) -> None:
    assert next_due(T0, T0 + age) == T0 + due


def test_a_missed_stretch_is_not_caught_up() -> None:
    # A worker down from minute 20 to hour 30: the next snapshot is hour 31, not minute 30.
    assert next_due(T0, T0 + timedelta(hours=30, minutes=2)) == T0 + timedelta(hours=31)


def test_the_schedule_ends_after_90_days() -> None:
    assert next_due(T0, T0 + HORIZON) is None
    assert next_due(T0, T0 + timedelta(days=400)) is None


def test_walking_the_schedule_takes_every_point_once() -> None:
    seen, moment = [], T0
    while (moment := next_due(T0, moment)) is not None:
        seen.append(moment - T0)
    assert seen == list(grid())


def test_speedup_compresses_the_grid_for_the_demo() -> None:
    assert next_due(T0, T0, speedup=60) == T0 + timedelta(seconds=15)
    assert list(grid(60))[-1] == timedelta(days=90) / 60
    assert next_due(T0, T0 + timedelta(days=2), speedup=60) is None
