"""The sandbox server: one threaded WSGI app for every network, and three ways to run it.

- ``hub sandbox --port 5050`` (or ``python -m hub.sandbox``): in the foreground, for the demo
  and for practice;
- :func:`run_in_thread`: inside a test process, on a free port, stopped by the returned function;
- :func:`start_process`: as a separate process (tests that kill workers, benchmarks), stopped by
  :meth:`SandboxProcess.stop`.

The server is threaded so a request held by a latency or timeout fault never blocks the others.
Paths pick the API: X under ``/2/...``, the Graph API under ``/vNN.N/...`` (they do not collide,
so one base URL serves every network), control endpoints under ``/_sandbox/...``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from hub.sandbox.bluesky import BlueskyApi
from hub.sandbox.control import Control
from hub.sandbox.core import FaultKind, LoggedRequest, NetworkApi, SandboxState, json_response
from hub.sandbox.facebook import FacebookPages
from hub.sandbox.flickr import FlickrApi
from hub.sandbox.graph import GraphApi
from hub.sandbox.instagram import InstagramAccounts
from hub.sandbox.linkedin import LinkedInApi
from hub.sandbox.mastodon import MastodonApi
from hub.sandbox.oauth import with_sign_in
from hub.sandbox.threads import ThreadsApi
from hub.sandbox.x import XApi
from hub.sandbox.youtube import YouTubeApi

READY_LINE = "hub sandbox listening on "


class _Dropped(Exception):
    """The answer is: no answer. ``outcome`` goes to the request log."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def default_apis(state: SandboxState) -> list[NetworkApi]:
    """Every network the sandbox speaks. A new network is one more entry here."""
    return with_sign_in(  # consent pages and code grants (hub.sandbox.oauth) go first
        [
            XApi(state),
            ThreadsApi(state),  # graph.threads.net, under its prefix
            GraphApi(state, [FacebookPages, InstagramAccounts]),
            YouTubeApi(state),
            FlickrApi(state),
            BlueskyApi(state),
            LinkedInApi(state),
            MastodonApi(state),  # every instance, under /mastodon/<instance>/
        ]
    )


class SandboxApp:
    """The WSGI application. ``state`` is shared with whoever wants to look inside directly."""

    def __init__(self, state: SandboxState | None = None) -> None:
        self.state = state or SandboxState()
        self.apis = default_apis(self.state)
        self.networks = frozenset(n for api in self.apis for n in api.networks)
        self.control = Control(self)

    def api_for(self, network: str) -> NetworkApi:
        return next(api for api in self.apis if network in api.networks)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_sandbox"):
            return self.control.dispatch(request)(environ, start_response)
        api = next((a for a in self.apis if a.claims(request.path)), None)
        if api is None:
            response = json_response({"error": f"the sandbox does not serve {request.path}"}, 404)
            return response(environ, start_response)
        network = api.network_of(request)
        entry = self.state.log_start(
            network, request.method, request.path, request.query_string.decode("latin-1")
        )
        try:
            response = self._serve(api, network, request, entry)
        except _Dropped as dropped:
            self.state.log_end(entry, dropped.outcome)
            _drop_connection(environ)
        self.state.log_end(entry, response.status_code)
        return response(environ, start_response)

    def _serve(
        self, api: NetworkApi, network: str, request: Request, entry: LoggedRequest
    ) -> Response:
        fault = self.state.take_fault(network, request.method, request.path)
        if fault is None:
            return self._answer(api, network, request)
        entry.fault = fault.kind.value
        if fault.kind == FaultKind.latency:
            self.state.hold(fault.seconds or 0)
            return self._answer(api, network, request)
        if fault.after:
            # The network does the work; the client never learns (the "did it post?" case).
            self._answer(api, network, request)
        if fault.kind == FaultKind.timeout:
            self.state.hold(fault.seconds or 0)
            raise _Dropped("timeout")
        if fault.kind == FaultKind.reset:
            raise _Dropped("dropped")
        return api.error_response(
            network,
            fault.status or 503,
            retry_after=fault.retry_after,
            overrides=fault.error,
            request=request,
        )

    def _answer(self, api: NetworkApi, network: str, request: Request) -> Response:
        if self.state.is_expired(network):
            return api.expired_response(network)
        token = api.token_of(request)
        if not token:
            return api.missing_token_response(network)
        return api.handle(request, network, token)


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (RST where the OS allows)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
    # A ConnectionError is what werkzeug expects from a vanished client: no 500, no traceback.
    raise ConnectionAbortedError("the sandbox dropped this connection on purpose")


class _Handler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if getattr(self.server, "verbose", False):
            super().log_request(code, size)


class _Server(ThreadedWSGIServer):
    verbose = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped and held connections end in socket errors: that is the point, not a bug.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def make_server(
    host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None, *, verbose: bool = False
) -> _Server:
    server = _Server(host, port, app or SandboxApp(), _Handler)
    server.verbose = verbose
    return server


def _url(server: _Server) -> str:
    host = server.host if server.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    return f"http://{host}:{server.port}"


def run_in_thread(
    host: str = "127.0.0.1", port: int = 0, *, app: SandboxApp | None = None
) -> tuple[str, Callable[[], None]]:
    """Start the sandbox in a daemon thread; return its base URL and a function that stops it."""
    app = app or SandboxApp()
    server = make_server(host, port, app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="hub-sandbox", daemon=True
    )
    thread.start()

    def stop() -> None:
        app.state.release_held()  # let held requests go so their threads end
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return _url(server), stop


def serve(host: str = "127.0.0.1", port: int = 5050, *, verbose: bool = True) -> None:
    """Serve in the foreground until interrupted; the first line printed names the URL."""
    server = make_server(host, port, verbose=verbose)
    print(f"{READY_LINE}{_url(server)}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


@dataclass
class SandboxProcess:
    """A sandbox running as its own process (``python -m hub.sandbox``)."""

    url: str
    process: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_process(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    startup_timeout: float = 20.0,
    env: dict[str, str] | None = None,
) -> SandboxProcess:
    """Start the sandbox as a child process; return once it listens (port 0: any free port)."""
    command = [sys.executable, "-m", "hub.sandbox", "--host", host, "--port", str(port), "--quiet"]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        command,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # keeps draining, so the child never blocks on a full pipe
            lines.put(line)

    threading.Thread(target=read, name="hub-sandbox-stdout", daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=startup_timeout)
            if line.startswith(READY_LINE):
                return SandboxProcess(url=line[len(READY_LINE) :].strip(), process=process)
    except queue.Empty:
        process.kill()
        process.wait()
        raise RuntimeError(f"the sandbox did not start within {startup_timeout} s") from None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hub.sandbox", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5050)
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port, verbose=not args.quiet)
