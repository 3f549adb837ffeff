"""Beat's scheduler on Redis: celery-redbeat, writing its schedule again whenever Redis lost it.

celery-redbeat writes the periodic tasks to Redis once, as beat starts (``setup_schedule``), and
only then waits for the lock that keeps a single beat in the deployment. When Redis loses
everything while a new beat waits for a dead beat's lock (a Redis restart without persistence, a
failover), the lock goes with it: the new beat takes the lock in the empty Redis, extends it
faithfully, looks healthy, and never sends a task again, because there is no schedule left to
read. Publishing stopped for good that way (issue 13).

:class:`SelfHealingRedBeatScheduler` checks on every tick, once the lock is extended (so this
beat is the one in charge), that every periodic task is still in Redis, and writes the schedule
again if anything is missing. A task whose last run was lost with it runs at once, which for
hub's tasks (a dispatcher pass, a sync check) is what should happen after an outage anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from redbeat.schedulers import RedBeatScheduler, get_redis

log = logging.getLogger(__name__)


class SelfHealingRedBeatScheduler(RedBeatScheduler):  # type: ignore[misc]
    """redbeat's scheduler, plus: a schedule lost from Redis is written again at the next tick."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        # redbeat's tick extends the lock first (it raises, and beat exits, if this beat no
        # longer holds it), then sends whatever is due.
        interval: float = super().tick(*args, **kwargs)
        if self.schedule_lost():
            log.warning(
                "beat: the periodic tasks are gone from Redis (restarted or emptied); "
                "writing them again"
            )
            self.setup_schedule()
            return 0.0  # tick again at once: what was lost is due now
        return interval

    def schedule_lost(self) -> bool:
        """Whether any of the configured periodic tasks is missing from Redis: its definition
        (a hash per task) or its place in the schedule (a sorted set of due times). One round
        trip; beat ticks every second or two."""
        conf = self.app.redbeat_conf
        keys = [self.Entry.generate_key(self.app, name) for name in conf.schedule]
        if not keys:
            return False
        with get_redis(self.app).pipeline() as pipe:
            pipe.exists(*keys)
            for key in keys:
                pipe.zscore(conf.schedule_key, key)
            present, *scores = pipe.execute()
        return bool(present < len(keys) or any(score is None for score in scores))
