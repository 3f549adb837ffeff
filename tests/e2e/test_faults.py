"""Publishing survives the infrastructure failing, in the order that once stopped it for good.

Workers are killed (SIGKILL) while their posts are on the wire, then beat is killed and started
again the way a supervisor would, and the private Redis loses everything (FLUSHALL) while the new
beat still waits for the dead beat's lock. Before the fix the new beat then took the lock in the
empty Redis and never wrote its schedule again: it looked alive and never dispatched. Every
delivery must still end published, each post sent exactly once.

The Redis is this test's own (``redis-server`` on a free port), so wiping it disturbs nobody.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import redis

from hub import create_app
from hub.auth.users import create_user, sync_roles
from hub.extensions import db
from hub.models import Channel, Delivery, DeliveryState
from hub.models.types import utcnow
from hub.publishing import dispatch_health
from hub.scheduler.app import beat_schedule
from tests.conftest import PASSWORD, drop_pg_database
from tests.e2e.conftest import Stack, make_stack
from tests.support import approved_announcement, wait_until
from tests.support import private_redis as redis_server

pytestmark = pytest.mark.e2e

NETWORKS = ("x", "facebook")
ANNOUNCEMENTS = 4  # x 2 networks = 8 deliveries, twice the 4 publish slots below
#: redbeat keeps each periodic task in a hash "redbeat:<name>", written by every beat as it starts.
ENTRY_KEY = "redbeat:{}"


@pytest.fixture
def private_redis() -> Iterator[redis.Redis]:
    with redis_server() as server:
        yield server.client


def _in_flight(sandbox) -> int:  # type: ignore[no-untyped-def]
    """Publish calls the sandbox has received and not answered yet."""
    return sum(1 for r in sandbox.requests() if r["method"] == "POST" and r["status"] is None)


def _sending() -> int:
    db.session.rollback()
    return db.session.query(Delivery).filter(Delivery.state == DeliveryState.sending).count()


def test_workers_killed_then_beat_killed_then_redis_wiped_every_post_goes_out_once(
    tmp_path, sandbox_url, sandbox, private_redis
) -> None:
    port = private_redis.connection_pool.connection_kwargs["port"]
    stack: Stack = make_stack(
        "scaled", tmp_path, sandbox_url, HUB_BROKER_URL=f"redis://127.0.0.1:{port}/0"
    )
    app = create_app(stack.settings, {"TESTING": True})
    try:
        with app.app_context():
            sync_roles()
            editor = create_user("e@bochum.example", ["editor"], PASSWORD)
            approver = create_user("a@bochum.example", ["approver"], PASSWORD)
            channels = [
                Channel(
                    network=network,
                    name=network,
                    external_id=str(4242 + i),
                    credentials={"access_token": "sandbox", "user_id": str(4242 + i)},
                )
                for i, network in enumerate(NETWORKS)
            ]
            db.session.add_all(channels)
            db.session.commit()
            # Every post takes 2 s on the network: long enough to kill workers mid-call.
            for network in NETWORKS:
                sandbox.add_fault(network, "latency", seconds=2, probability=1.0, method="POST")
            workers = [stack.start_worker(f"w{i}", concurrency=2) for i in range(2)]
            beat = stack.start_beat()
            texts = [f"Störung {i}: Umleitung der Buslinie 35" for i in range(ANNOUNCEMENTS)]
            for text in texts:
                approved_announcement(editor, approver, [c.id for c in channels], body=text)

            # 1. Workers die while their posts are on the wire (every slot busy, every
            # delivery that is sending has its call at the network).
            def all_slots_on_the_wire() -> bool:
                sending = _sending()
                return sending == 4 and _in_flight(sandbox) == sending == _sending()

            wait_until(all_slots_on_the_wire, timeout=30, what="four posts on the wire")
            for worker in workers:
                stack.kill(worker)
            # Their supervisor starts them again (they take seconds to start: in parallel).
            for i in range(2):
                stack.start_worker(f"w{i}b", concurrency=2)

            # 2. Beat dies; its supervisor starts it again. The new beat writes its schedule,
            # then waits for the dead beat's lock (30 s) ...
            stack.kill(beat)
            # (Redis tells when a hash is written; the last periodic task is written last.)
            last_task = list(beat_schedule(stack.settings))[-1]
            events = private_redis.pubsub()
            private_redis.config_set("notify-keyspace-events", "Kh")
            events.subscribe(f"__keyspace@0__:{ENTRY_KEY.format(last_task)}")
            stack.start_beat()
            wait_until(
                lambda: _message(events) == "hset", timeout=30, what="the new beat's schedule"
            )
            events.close()
            # 3. ... and Redis loses everything (a restart without persistence, a failover).
            private_redis.flushall()
            wiped_at = utcnow()

            def all_published() -> bool:
                db.session.rollback()
                states = db.session.query(Delivery.state).all()
                return len(states) == len(texts) * len(NETWORKS) and all(
                    s == DeliveryState.published for (s,) in states
                )

            wait_until(all_published, timeout=45, what="every delivery published")
            # The dispatcher's passes after the wipe are on record (what /readyz reads).
            last_pass = dispatch_health.last_pass_at()
            assert last_pass is not None and last_pass > wiped_at
            for network in NETWORKS:
                sent = Counter(p["text"] for p in sandbox.posts(network))
                assert sorted(sent.values()) == [1] * len(texts), (network, sent)
    except BaseException:
        print(stack.log_tail())
        raise
    finally:
        stack.stop_all()
        drop_pg_database(stack.env["HUB_DATABASE_URL"].rsplit("/", 1)[1])


def _message(events) -> str | None:  # type: ignore[no-untyped-def]
    message = events.get_message(ignore_subscribe_messages=True, timeout=0.1)
    return message["data"].decode() if message else None
