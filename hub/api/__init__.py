"""REST API v1 (placeholder until the API module lands)."""

from flask import Flask


def init_api(app: Flask) -> None:
    pass
