"""One redaction of secrets for every log line and every stored error, whatever produced it.

Connectors and SDKs describe failures with ``repr(exc)``, which repeats the request: a Graph URL
with ``access_token=`` and ``appsecret_proof=``, a token exchange with ``client_secret``, a JSON
answer with a ``refresh_token``, an ``Authorization: Bearer`` header. :func:`redact` replaces
the *values* of such names (query strings, form bodies, JSON and Python reprs, headers, also
URL-encoded once more) with ``[redacted]`` and keeps everything else, so the line still says
what happened.

Where it applies:

- :class:`RedactingFilter` on the handlers of the web app (``create_app`` calls
  :func:`install`) and of the Celery worker and beat (``after_setup_logger`` and
  ``after_setup_task_logger``, connected in ``hub.scheduler.app``): the formatted message, its
  arguments and the traceback;
- ``ConnectorError``/``ConnectFailed``: their ``detail`` (and message) when they are made;
- the columns that store error texts (:class:`hub.models.types.RedactedText`), whichever way
  they are written (ORM or a Core ``UPDATE``).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, overload

MARK = "[redacted]"

# Names whose value is a secret. A prefix is allowed (``page_access_token``, ``x-api-key``).
_NAMES = (
    r"access_token|refresh_token|id_token|input_token|fb_exchange_token|oauth_token_secret"
    r"|oauth_token|oauth_signature|oauth_verifier|appsecret_proof|app_secret|client_secret"
    r"|api_secret|consumer_secret|code_verifier|password|passwd|api_key|apikey|secret"
)
_KEY = rf"[A-Za-z0-9_.-]*?(?:{_NAMES})"

# name=value in a query string or form body; ``%3D`` when the URL is itself URL-encoded.
# A quoted value (OAuth 1.0a headers: oauth_signature="...") is taken whole.
_ASSIGNED = re.compile(
    rf"""(?P<key>(?<![A-Za-z0-9]){_KEY}|(?<=[?&])code)(?P<sep>=|%3[Dd])(?!\[redacted\])"""
    r"""(?:(?P<q>\\?")(?P<quoted>[^"\\]*)(?P=q)|(?P<plain>(?:(?!%26|%2[56]|\\)[^&\s"'<>,;)\]}])+))""",
    re.IGNORECASE,
)

# "name": "value" in JSON, 'name': 'value' in a Python repr, with escaped quotes inside reprs.
_QUOTED = re.compile(
    rf"""(?P<open>\\?["'])(?P<key>{_KEY}|authorization|proxy-authorization|cookie|set-cookie)"""
    r"""(?P=open)(?P<sep>\s*:\s*)(?P<vq>\\?["'])(?P<value>(?:(?!(?P=vq)).)*)(?P=vq)""",
    re.IGNORECASE,
)

# An HTTP header line: Authorization: <anything up to the end of the line or quote>.
_HEADER = re.compile(
    r"(?P<key>(?<![A-Za-z0-9-])(?:proxy-)?authorization|(?<![A-Za-z0-9-])(?:set-)?cookie"
    r"|x-api-key)(?P<sep>\s*:\s*)(?P<value>[^\r\n'\"]+)",
    re.IGNORECASE,
)

# A bearer or basic credential wherever it stands.
_SCHEME = re.compile(
    r"(?P<scheme>\b(?:bearer|basic))(?P<space>\s+)(?P<value>(?!\[redacted\])[A-Za-z0-9._~+/=-]+)",
    re.IGNORECASE,
)


def _assigned(match: re.Match[str]) -> str:
    if match.group("quoted") is not None:
        quote = match.group("q")
        return f"{match.group('key')}{match.group('sep')}{quote}{MARK}{quote}"
    return f"{match.group('key')}{match.group('sep')}{MARK}"


def _quoted(match: re.Match[str]) -> str:
    opened, quote = match.group("open"), match.group("vq")
    return f"{opened}{match.group('key')}{opened}{match.group('sep')}{quote}{MARK}{quote}"


@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    """``text`` with the value of every secret replaced by ``[redacted]``; idempotent."""
    if not text:
        return text
    text = _SCHEME.sub(lambda m: f"{m.group('scheme')}{m.group('space')}{MARK}", text)
    text = _QUOTED.sub(_quoted, text)
    text = _ASSIGNED.sub(_assigned, text)
    return _HEADER.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MARK}", text)


def redact_any(value: Any) -> Any:
    """:func:`redact` for a string; anything else is returned as it is."""
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Redacts a record before a handler writes it: message, arguments and traceback.

    A record without secrets is left exactly as it is (its ``args`` too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it as usual
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (like logging's last resort)."""

    def __init__(self, level: int = logging.WARNING) -> None:
        logging.Handler.__init__(self, level)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr


def install(*loggers: logging.Logger, default_handler: bool = False) -> None:
    """Put the filter on every handler of ``loggers`` (default: every logger there is).

    ``default_handler``: when the root logger has no handler (a web server that configures
    none), give it one for warnings on standard error, so those lines pass the filter instead
    of logging's last resort, which no filter sees. Idempotent.
    """
    root = logging.getLogger()
    if default_handler and not root.handlers:
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for handler in handlers_of(*loggers):
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def handlers_of(*loggers: logging.Logger) -> list[logging.Handler]:
    """The handlers of ``loggers`` (default: of every logger there is, the root's included)."""
    if not loggers:
        known = logging.Logger.manager.loggerDict.values()
        loggers = (logging.getLogger(), *(lg for lg in known if isinstance(lg, logging.Logger)))
    return [handler for logger in loggers for handler in logger.handlers]


def on_celery_logging(logger: logging.Logger | None = None, **_: Any) -> None:
    """Receiver of Celery's ``after_setup_logger``/``after_setup_task_logger`` signals."""
    install(*([logger] if logger is not None else []))
    install()
