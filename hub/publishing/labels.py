"""Words shown for states, in the users' language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ANNOUNCEMENT_STATUS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "scheduled": _l("Approved, scheduled"),
    "publishing": _l("Publishing"),
    "published": _l("Published"),
    "partly_failed": _l("Partly failed"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

DELIVERY_STATE = {
    "pending": _l("Waiting for its time"),
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "retry_wait": _l("Will retry"),
    "published": _l("Published"),
    "failed": _l("Failed"),
    "needs_review": _l("Needs review"),
    "held": _l("Held (crisis hold)"),
    "cancelled": _l("Cancelled"),
    "waiting_for_person": _l("Waiting for a person"),
    "skipped": _l("Skipped"),
}

DELIVERY_ADVICE = {
    "pending": _l("Nothing to do: it goes out at the scheduled time."),
    "queued": _l("Nothing to do: a worker picks it up within seconds."),
    "sending": _l("Nothing to do: the network is being contacted."),
    "retry_wait": _l("Nothing to do: the network was busy; hub tries again by itself."),
    "published": _l("Open the link to see the post."),
    "failed": _l("Read the reason, fix the cause (text, media, channel login), then retry."),
    "needs_review": _l(
        "hub could not tell whether the post went out. Look on the network: mark it as "
        "published with its link, or publish it again."
    ),
    "held": _l("Publishing is on hold. An admin releases, reschedules or cancels it."),
    "cancelled": _l("Nothing to do."),
    "waiting_for_person": _l(
        "This channel has no connection for software: the responsible person posts the text "
        "by hand, then marks it as posted (with the link, if any) or skipped (with a reason)."
    ),
    "skipped": _l("Nothing to do: it was left out on purpose; the reason is shown."),
}

CHANNEL_STATUS = {
    "active": _l("Active"),
    "needs_reauth": _l("Needs a new login"),
    "disabled": _l("Switched off"),
}

NETWORK = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "youtube": "YouTube",
    "flickr": "Flickr",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "manual": _l("Manual (by hand)"),
    "linkedin": "LinkedIn",
    "threads": "Threads",
}
