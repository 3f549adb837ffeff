"""Meta's media fetcher, in the sandbox: Instagram and Threads download each container's file
from the URL hub gives them, in the background, and only then call the container finished.

:class:`FetchedContainers` is what both sandbox products share for that: a container's status
set under the state's lock (:meth:`~FetchedContainers.settle`), the download started in a
thread unless a ``PROCESS`` fault holds it (:meth:`~FetchedContainers.fetch_later`), and the
download itself (:func:`download`: status, type, size, sha256 and the file's first 8 MB, which
each network checks in its own words).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from hub.sandbox.core import Fault, SandboxState

FETCH_TIMEOUT = 30
HEAD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Download:
    """What the fetcher got: ``status`` None when no answer came (``failure`` says why)."""

    status: int | None
    mime: str = ""
    head: bytes = b""
    size: int = 0
    sha256: str = ""
    failure: str | None = None


def download(url: str, timeout: float = FETCH_TIMEOUT) -> Download:
    """Fetch ``url`` as Meta's fetcher would: every byte hashed, the first 8 MB kept."""
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    try:
        with requests.get(url, stream=True, timeout=timeout) as answer:
            if answer.status_code != 200:
                return Download(answer.status_code)
            for block in answer.iter_content(1024 * 1024):
                digest.update(block)
                size += len(block)
                if len(head) < HEAD_BYTES:
                    head += block
            mime = answer.headers.get("Content-Type", "")
    except requests.RequestException as exc:
        return Download(None, failure=exc.__class__.__name__)
    return Download(200, mime, bytes(head), size, digest.hexdigest())


class FetchedContainers:
    """Containers whose file the network downloads itself (see the module docstring)."""

    state: SandboxState

    def settle(self, container: dict[str, Any], status: str, error: str | None = None) -> None:
        with self.state.lock:
            container["status"] = status
            container["error"] = error

    def fetch_later(
        self,
        fetch: Callable[[dict[str, Any]], None],
        container: dict[str, Any],
        fault: Fault | None,
        name: str,
    ) -> None:
        """Run ``fetch(container)`` in a thread; a ``PROCESS`` timeout fault keeps the
        container ``IN_PROGRESS`` instead (for its ``seconds``, then for good)."""
        delay = (fault.seconds or 60.0) if fault is not None else 0.0

        def run() -> None:
            if delay:
                self.state.hold(delay)
                return  # never finishes while the fault holds it
            fetch(container)

        threading.Thread(target=run, name=name, daemon=True).start()
