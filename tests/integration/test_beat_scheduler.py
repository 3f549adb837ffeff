"""Beat on Redis writes its schedule again whenever Redis lost it (hub/scheduler/beat.py).

celery-redbeat writes the schedule once, as beat starts, before it waits for the lock. Redis
emptied in between left a beat that held the lock and never sent a task again. Real Redis (a
private server: emptying it disturbs nobody), real redbeat, hub's Celery app.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from redbeat.schedulers import acquire_distributed_beat_lock

from hub.config import Settings
from hub.scheduler.app import make_celery
from hub.scheduler.beat import SelfHealingRedBeatScheduler
from tests.support import private_redis, wait_until


@pytest.fixture
def redis_server() -> Iterator[Any]:
    with private_redis() as server:
        yield server.client


def _scheduler(tmp_path: Path, redis_server: Any) -> SelfHealingRedBeatScheduler:
    port = redis_server.connection_pool.connection_kwargs["port"]
    settings = Settings.from_env(
        {"HUB_DATA_DIR": str(tmp_path), "HUB_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    )
    app = make_celery(settings, set_as_current=False)
    assert app.conf.beat_scheduler.endswith("SelfHealingRedBeatScheduler")
    # As ``celery beat`` does: the scheduler writes the schedule, then takes the lock.
    return SelfHealingRedBeatScheduler(app=app)


def _sent_tasks(redis_server: Any) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in redis_server.lrange("dispatch", 0, -1)]


def test_a_beat_that_takes_the_lock_in_an_emptied_redis_writes_its_schedule_again(
    tmp_path: Path, redis_server: Any
) -> None:
    scheduler = _scheduler(tmp_path, redis_server)
    assert redis_server.exists("redbeat:dispatch-due") and not scheduler.schedule_lost()
    # Redis loses everything while the new beat waits for a dead beat's lock; the lock goes
    # with it, so the beat takes it at once, in an empty Redis.
    redis_server.flushall()
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))
    assert scheduler.schedule_lost()

    assert scheduler.tick() == 0  # noticed and written again: tick once more at once
    assert redis_server.exists("redbeat:dispatch-due") and not scheduler.schedule_lost()

    def dispatching_again() -> bool:  # beat's loop: tick, and tick again when told to
        scheduler.tick()
        return "hub.dispatch_due" in _sent_tasks(redis_server)

    wait_until(dispatching_again, timeout=15, what="a dispatcher pass sent")
    scheduler.close()


def test_a_single_lost_task_is_noticed(tmp_path: Path, redis_server: Any) -> None:
    scheduler = _scheduler(tmp_path, redis_server)
    acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=scheduler))
    scheduler.tick()
    assert not scheduler.schedule_lost()
    redis_server.zrem("redbeat::schedule", "redbeat:dispatch-due")  # its place in the schedule
    assert scheduler.schedule_lost()
    scheduler.tick()
    assert not scheduler.schedule_lost()
    redis_server.delete("redbeat:dispatch-due")  # its definition
    assert scheduler.schedule_lost()
    scheduler.close()
