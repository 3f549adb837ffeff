"""Words shown for inbox states, in the users' language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

COMMENT_STATUS = {
    "new": _l("New"),
    "assigned": _l("Assigned"),
    "answered": _l("Answered"),
    "done": _l("Done"),
}

STATUS_FILTER = {
    "open": _l("Open (new and assigned)"),
    **COMMENT_STATUS,
    "all": _l("All"),
}

ACTION_KIND = {
    "reply": _l("Reply"),
    "hide": _l("Hide"),
    "unhide": _l("Show again"),
    "delete": _l("Delete"),
}

ACTION_STATE = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "retry_wait": _l("Will retry"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "needs_review": _l("Needs review"),
}
