"""The embedded broker's connection as a worker's start-up describes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import EMBEDDED_BROKER, Settings
from hub.scheduler.app import make_celery


def test_a_worker_on_the_embedded_broker_starts_without_a_hostname_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every start of ``hub serve``'s worker logged kombu's "No hostname was supplied.
    Reverting to default 'localhost'" twice (the banner and the first connection): a WARNING
    about a host that a folder on disk does not have, in the log a city's IT reads."""
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}, broker_url=EMBEDDED_BROKER)
    app = make_celery(settings, set_as_current=False)
    with caplog.at_level("WARNING"), app.connection_for_write() as connection:
        connection.as_uri()
        connection.clone().ensure_connection(max_retries=1)
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
