"""The sandbox: one local HTTP server speaking each network's wire protocol.

No machine here reaches the real networks, and a press office wants a place to practise. The
connectors run unchanged against the sandbox over real HTTP (their base URL points here), so
what the tests exercise is the SDK code that will talk to X and Facebook.

Layout, one module per network and the shared things once:

- ``core``: state (accounts, posts, media), faults, the request log, ids;
- ``server``: the WSGI app (routing by path, faults), running it in a thread or a process;
- ``control``: ``/_sandbox/...`` endpoints; ``client``: a Python client for them;
- ``x``: X API v2; ``graph``: the Graph API's common ground; ``facebook``: Facebook Pages.
- ``oauth``: signing in: each network's consent page and authorization grant (hub's "Connect
  ..." buttons run against it).

Instagram, YouTube and Flickr come as more modules and one line each in
:func:`hub.sandbox.server.default_apis`.
"""

from hub.sandbox.client import SandboxControl
from hub.sandbox.server import SandboxApp, SandboxProcess, run_in_thread, start_process

__all__ = ["SandboxApp", "SandboxControl", "SandboxProcess", "run_in_thread", "start_process"]
