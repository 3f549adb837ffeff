"""The supervisor of ``hub serve``/``hub demo`` starts a child that exited again, and counts and
logs every restart by the child's name (what ``bench/soak.py`` and an admin read)."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from hub.config import Settings
from hub.serving import Supervisor, child_name, worker_command
from tests.support import wait_until


def _run_until_restarted(
    supervisor: Supervisor, restarts: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Run ``supervisor`` until its first child was restarted ``restarts`` times, then stop it."""
    runner = threading.Thread(target=supervisor.run, daemon=True)
    with caplog.at_level(logging.WARNING, logger="hub.serving"):
        runner.start()
        try:
            wait_until(lambda: supervisor.restarts[0] >= restarts, timeout=30, what="restarts")
        finally:
            supervisor.stop()
            runner.join(timeout=30)


def test_a_child_that_exits_is_started_again_and_each_restart_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor([[sys.executable, "-c", "import sys; sys.exit(3)"]])
    _run_until_restarted(supervisor, 2, caplog)
    assert "exited with 3; restart 1 in 1 s" in caplog.text
    assert "exited with 3; restart 2 in 2 s" in caplog.text


def test_children_are_named_by_their_job(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)})
    assert child_name(worker_command(settings, with_beat=True)) == "worker"
    assert child_name([sys.executable, "-m", "hub.cli", "sandbox", "--port", "1"]) == "sandbox"


def test_a_child_that_ran_well_for_a_while_is_restarted_at_once_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The wait before a restart doubles while a child keeps failing, but not for ever: after a
    healthy run it starts again at one second (else, after a few incidents over the weeks, a
    beat that Redis lost would wait 30 seconds each time)."""
    supervisor = Supervisor(
        [[sys.executable, "-c", "import sys, time; time.sleep(1); sys.exit(3)"]]
    )
    supervisor.healthy_run = 0.5  # seconds of running that count as healthy (default a minute)
    _run_until_restarted(supervisor, 3, caplog)
    assert "exited with 3; restart 2 in 1 s" in caplog.text
    assert "exited with 3; restart 3 in 1 s" in caplog.text
