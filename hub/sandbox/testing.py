"""pytest fixtures for tests that talk to the sandbox. Import them into a ``conftest.py``::

    from hub.sandbox.testing import sandbox, sandbox_url  # noqa: F401

``sandbox_url`` starts one sandbox per test session (and xdist worker) in a background thread;
``sandbox`` gives each test an empty one (a :class:`~hub.sandbox.client.SandboxControl`) and
resets it afterwards, which also lets go of requests a fault still holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.sandbox.client import SandboxControl
from hub.sandbox.server import run_in_thread


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    url, stop = run_in_thread()
    yield url
    stop()


@pytest.fixture
def sandbox(sandbox_url: str) -> Iterator[SandboxControl]:
    control = SandboxControl(sandbox_url)
    control.reset()
    yield control
    control.reset()
