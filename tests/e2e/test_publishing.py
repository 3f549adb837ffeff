"""Publishing through real Celery workers: exactly once, even when workers die or Redis restarts."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from hub.extensions import db
from hub.models import AnnouncementStatus, ChannelStatus, DeliveryState
from hub.models.types import utcnow
from hub.publishing import hold
from tests.conftest import PASSWORD
from tests.e2e.conftest import fresh, make_stack, wait_for_states
from tests.support import approved_announcement, free_port, wait_until

FINAL = {DeliveryState.published, DeliveryState.failed, DeliveryState.needs_review}


@pytest.fixture
def announce(make_user, make_channel):  # type: ignore[no-untyped-def]
    editor, approver = make_user("editor"), make_user("approver")
    channels = {"x": make_channel("x"), "facebook": make_channel("facebook")}

    def make(text: str, networks=("x", "facebook"), when=None):  # type: ignore[no-untyped-def]
        return approved_announcement(
            editor,
            approver,
            [channels[n].id for n in networks],
            title=text[:40],
            body=text,
            when=when,
        )

    make.channels = channels  # type: ignore[attr-defined]
    make.editor = editor  # type: ignore[attr-defined]
    return make


def posts_with(sandbox, network: str, text: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [p for p in sandbox.posts(network) if text in p["text"]]


def test_scheduled_announcement_is_published_once_per_channel(
    stack, app, announce, sandbox
) -> None:
    stack.start_worker()
    stack.start_beat()
    ann = announce("Stadtfest am Samstag", when=utcnow() + timedelta(seconds=2))
    deliveries = wait_for_states(ann, {DeliveryState.published}, timeout=60)
    assert fresh(ann).status == AnnouncementStatus.published
    for delivery in deliveries:
        (post,) = posts_with(sandbox, delivery.channel.network, "Stadtfest am Samstag")
        assert post["id"] == delivery.remote_id
        # Published at (or after) its time, not before.
        assert delivery.published_at >= ann.scheduled_at


def test_approved_for_a_time_goes_out_on_its_second_without_waiting_for_the_beat(
    stack, app, announce, sandbox
) -> None:
    """Approval books a dispatch with the broker for the announcement's time (no beat runs
    here), so the post is out about one network call after its time, not up to a beat later."""
    from hub.scheduler import hints

    stack.start_worker()
    ann = announce("Wochenmarkt verlegt", networks=("x",), when=utcnow() + timedelta(seconds=4))
    hints.dispatch_soon(fresh(ann).scheduled_at)  # as the admin and the API do on approval
    (delivery,) = wait_for_states(ann, {DeliveryState.published}, timeout=60)
    assert delivery.published_at >= ann.scheduled_at  # not before its time
    assert len(posts_with(sandbox, "x", "Wochenmarkt verlegt")) == 1


def test_worker_killed_mid_call_never_posts_twice(stack, app, announce, sandbox) -> None:
    stack.start_beat()
    for round_ in range(2):
        worker = stack.start_worker(f"w{round_}")
        text = f"Meldung {round_}: Sperrung der A40"
        # The network takes 2 s to answer: long enough to kill the worker mid-call.
        sandbox.add_fault("x", "latency", seconds=2, count=1, method="POST", path="/2/tweets")
        ann = announce(text, networks=("x",))

        def in_flight() -> bool:
            return any(
                r["method"] == "POST" and r["path"] == "/2/tweets" and r["status"] is None
                for r in sandbox.requests("x")
            )

        wait_until(in_flight, timeout=30, what="the publish call in flight")
        stack.kill(worker)
        stack.start_worker(f"w{round_}b")
        (delivery,) = wait_for_states(ann, FINAL, timeout=60)
        # The sandbox finished the post after the worker died; hub found it instead of posting
        # again (or, had it not been there, asked a person).
        assert len(posts_with(sandbox, "x", text)) <= 1
        assert delivery.state in (DeliveryState.published, DeliveryState.needs_review)
        if delivery.state == DeliveryState.published:
            assert delivery.remote_id == posts_with(sandbox, "x", text)[0]["id"]
        sandbox.clear_faults()
        for process in list(stack.processes):
            if process is not stack.processes[0] and process.poll() is None:
                stack.kill(process)


# Fault handling and the hold are the same code on both stacks: run them once, embedded.
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_faults_rate_limit_server_error_timeout_and_expired_token(
    stack, app, announce, sandbox
) -> None:
    stack.start_worker()
    stack.start_beat()

    sandbox.add_fault("x", "status", status=429, retry_after=2, count=1, method="POST")
    limited = announce("Rate limit", networks=("x",))
    (delivery,) = wait_for_states(limited, {DeliveryState.published})
    tweets = [
        r for r in sandbox.requests("x") if r["method"] == "POST" and r["path"] == "/2/tweets"
    ]
    assert [r["status"] for r in tweets] == [429, 201]
    gap = _seconds_between(tweets[0]["time"], tweets[1]["time"])
    assert gap >= 2.0  # Retry-After honoured
    assert delivery.attempts == 1  # waiting for a rate limit is not an attempt

    sandbox.add_fault("facebook", "status", status=500, count=2, method="POST")
    flaky = announce("Server error", networks=("facebook",))
    (delivery,) = wait_for_states(flaky, {DeliveryState.published})
    assert delivery.attempts == 3 and len(posts_with(sandbox, "facebook", "Server error")) == 1

    sandbox.add_fault("x", "timeout", seconds=8, count=1, method="POST")
    slow = announce("Zeitüberschreitung", networks=("x",))
    stack_timeout = float(stack.env["HUB_NETWORK_TIMEOUT"])
    (delivery,) = wait_for_states(slow, FINAL, timeout=stack_timeout * 4 + 30)
    assert delivery.state == DeliveryState.published
    assert len(posts_with(sandbox, "x", "Zeitüberschreitung")) == 1

    sandbox.add_fault("x", "expired_token")
    expired = announce("Abgelaufen", networks=("x",))
    (delivery,) = wait_for_states(expired, {DeliveryState.failed})
    assert fresh(announce.channels["x"]).status == ChannelStatus.needs_reauth
    seen = len(sandbox.requests("x"))
    waiting = announce("Wartet", networks=("x",))
    wait_until(
        lambda: fresh(waiting).deliveries and fresh(waiting).deliveries[0].error_message,
        what="the waiting message",
    )
    assert fresh(waiting).deliveries[0].state == DeliveryState.pending
    assert len(sandbox.requests("x")) == seen  # no retry storm


def _seconds_between(a: str, b: str) -> float:
    from datetime import datetime

    return (
        datetime.fromisoformat(b.replace("Z", "+00:00"))
        - datetime.fromisoformat(a.replace("Z", "+00:00"))
    ).total_seconds()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_crisis_hold_holds_and_releases(stack, app, announce, make_user, sandbox) -> None:
    admin = make_user("admin")
    stack.start_worker()
    stack.start_beat()
    hold.start_hold("Unwetterlage", admin)
    db.session.commit()
    ann = announce("Während der Sperre", networks=("x", "facebook"))
    wait_for_states(ann, {DeliveryState.held})
    hold.lift_hold(admin)
    db.session.commit()
    # Lifting flushes nothing: after a few dispatcher passes it is still held.
    later = utcnow() + timedelta(seconds=2)
    wait_until(lambda: utcnow() > later, what="two seconds of dispatching")
    assert {d.state for d in fresh(ann).deliveries} == {DeliveryState.held}
    assert sandbox.posts("x") == [] and sandbox.posts("facebook") == []
    hold.release([d.id for d in fresh(ann).deliveries], admin)
    db.session.commit()
    wait_for_states(ann, {DeliveryState.published})


def test_redis_restart_mid_run_loses_nothing(tmp_path, sandbox_url, sandbox) -> None:
    """A private Redis (so restarting it disturbs no other test) killed and started again."""
    from hub import create_app
    from hub.auth.users import create_user, sync_roles
    from hub.models import Channel

    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    redis_server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    stack = make_stack(
        "scaled", tmp_path, sandbox_url, HUB_BROKER_URL=f"redis://127.0.0.1:{port}/0"
    )
    import redis

    wait_until(lambda: _pings(redis, port), what="redis up")
    app = create_app(stack.settings, {"TESTING": True})
    try:
        with app.app_context():
            sync_roles()
            editor = create_user("e@bochum.example", ["editor"], PASSWORD)
            approver = create_user("a@bochum.example", ["approver"], PASSWORD)
            channel = Channel(
                network="x", name="X", external_id="4242", credentials={"access_token": "sandbox"}
            )
            db.session.add(channel)
            db.session.commit()
            stack.start_worker()
            stack.start_beat()
            sandbox.add_fault("x", "latency", seconds=1, method="POST")
            anns = []
            for i in range(6):
                anns.append(
                    approved_announcement(
                        editor, approver, [channel.id], title=f"R{i}", body=f"Redis {i}"
                    )
                )
            wait_until(lambda: len(sandbox.posts("x")) >= 1, what="first post")
            redis_server.kill()
            redis_server.wait()
            redis_server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            wait_until(lambda: _pings(redis, port), what="redis up again")
            for ann in anns:
                wait_for_states(ann, FINAL, timeout=90)
            texts = [p["text"] for p in sandbox.posts("x")]
            for i in range(6):
                assert texts.count(f"Redis {i}") == 1, texts
            assert all(d.state == "published" for a in anns for d in fresh(a).deliveries)
    except BaseException:
        print(stack.log_tail())
        raise
    finally:
        stack.stop_all()
        redis_server.kill()
        redis_server.wait()


def _pings(redis_module, port: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(redis_module.Redis(port=port, socket_timeout=0.5).ping())
    except Exception:
        return False
