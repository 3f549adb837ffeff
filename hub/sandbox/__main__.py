"""``python -m hub.sandbox [--host H] [--port P] [--quiet]``: the sandbox as its own process."""

from hub.sandbox.server import main

main()
