"""Flask-Admin backend (placeholder)."""

from flask import Flask


def init_admin(app: Flask) -> None:
    pass
