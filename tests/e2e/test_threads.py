"""Threads through real Celery workers and the sandbox: a worker killed with ``kill -9`` while
Threads publishes the container never leads to a second thread."""

from __future__ import annotations

from hub.models import DeliveryState
from tests.conftest import image_bytes
from tests.e2e import test_networks
from tests.e2e.conftest import wait_for_states
from tests.support import wait_until

# The networks' e2e set-up: a stack, hub serving /m/ over HTTP, a channel per network.
stack, app, announce = test_networks.stack, test_networks.app, test_networks.announce


def test_worker_killed_while_threads_publishes_never_makes_a_second_thread(
    stack, app, announce, sandbox
) -> None:
    stack.start_beat()
    worker = stack.start_worker("w1")
    # Threads takes 3 s to answer the publish (and publishes): the worker dies meanwhile.
    sandbox.add_fault(
        "threads", "latency", seconds=3, count=1, method="POST", path="threads_publish"
    )
    ann = announce("threads", "Abgebrochen", image_bytes("JPEG"), "fest.jpg")

    def in_flight() -> bool:
        return any(
            r["path"].endswith("threads_publish") and r["status"] is None
            for r in sandbox.requests("threads")
        )

    wait_until(in_flight, timeout=30, what="the publish in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    (delivery,) = wait_for_states(ann, test_networks.FINAL, timeout=60)
    threads = sandbox.posts("threads")
    assert len(threads) == 1  # Threads made it while the worker died; never a second
    assert delivery.state in (DeliveryState.published, DeliveryState.needs_review)
    if delivery.state == DeliveryState.published:
        assert delivery.remote_id == threads[0]["id"]
