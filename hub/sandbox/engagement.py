"""Simulated engagement: published posts gather views, likes and shares as time passes.

So the demo's dashboard moves, every post of ours (not comments) grows along a curve that rises
fast in its first hours and then settles, with a per-post size drawn from its id (the same post
always grows the same way). Growth is off unless switched on, so tests see exactly the figures
they set: ``HUB_SANDBOX_ENGAGEMENT=<speed>`` when the sandbox starts (1: real time, 60: an hour a
minute), or ``POST /_sandbox/engagement {"speed": 60, "advance_seconds": 3600}`` at run time.
Figures set by hand (``POST /_sandbox/posts/<net>/<id>/metrics``) win over the curve.

The curve is in common names (views, reach, likes, comments, shares, saves, clicks); each
network module renders them in its own words (X ``public_metrics``, Graph insights, ...).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.sandbox.core import Post, SandboxState, utcnow

BUCKET = "engagement"
ENV_SPEED = "HUB_SANDBOX_ENGAGEMENT"
# Hours in which a post gets about 63 % of its views; a slow tail follows for weeks.
RISE_HOURS = 8.0
TAIL_DAYS = 30.0


@dataclass
class Growth:
    speed: float = 0.0  # network hours per real hour; 0: no growth
    offset_seconds: float = 0.0  # the sandbox's engagement clock runs this far ahead

    @property
    def enabled(self) -> bool:
        return self.speed > 0


def _env_speed() -> float:
    try:
        return max(float(os.environ.get(ENV_SPEED) or 0), 0.0)
    except ValueError:
        return 0.0


def growth(state: SandboxState) -> Growth:
    """The current setting (a reset returns to the environment's)."""
    bucket = state.bucket(BUCKET)
    with state.lock:
        if "growth" not in bucket:
            bucket["growth"] = Growth(speed=_env_speed())
        return bucket["growth"]


def configure(
    state: SandboxState,
    *,
    speed: float | None = None,
    advance_seconds: float | None = None,
) -> dict[str, Any]:
    current = growth(state)
    with state.lock:
        if speed is not None:
            if speed < 0:
                raise ValueError("speed must be 0 (off) or more")
            current.speed = float(speed)
        if advance_seconds is not None:
            if advance_seconds < 0:
                raise ValueError("advance_seconds cannot turn the clock back")
            current.offset_seconds += float(advance_seconds)
        return {**asdict(current), "enabled": current.enabled, "now": _iso(clock(state))}


# The city's accounts, when growth is on (the demo): followers a new account starts with.
FOLLOWERS = {
    "facebook": 48200,
    "instagram": 21300,
    "x": 35100,
    "youtube": 3200,
    "flickr": 910,
    "bluesky": 5200,
    "linkedin": 12400,
    "threads": 6400,
}


def starting_followers(state: SandboxState, network: str) -> int:
    """Followers of an account seen for the first time: 0, or the demo city's with growth on."""
    return FOLLOWERS.get(network, 1000) if growth(state).enabled else 0


def clock(state: SandboxState) -> datetime:
    """Now, as the engagement curve sees it (a test can move it ahead)."""
    return utcnow() + timedelta(seconds=growth(state).offset_seconds)


def _seed(post: Post) -> int:
    digest = hashlib.sha256(f"{post.network}:{post.id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def curve(post: Post, followers: int, speed: float, now: datetime) -> dict[str, int]:
    """The grown figures of one post at ``now`` (pure: same inputs, same figures)."""
    seed = _seed(post)
    hours = max((now - post.created_at).total_seconds(), 0.0) * speed / 3600
    share = 0.9 * (1 - math.exp(-hours / RISE_HOURS)) + 0.1 * min(hours / (24 * TAIL_DAYS), 1.0)
    audience = max(followers, 1000) * (0.2 + (seed % 1000) / 1000)
    reach = int(audience * share)
    views = int(reach * (1.3 + (seed >> 10) % 50 / 100))
    rate = 0.015 + (seed >> 20) % 40 / 1000  # interaction rate, 1.5 % to 5.4 %
    return {
        "views": views,
        "reach": reach,
        "likes": int(views * rate),
        "shares": int(views * rate / 6),
        "saves": int(views * rate / 10),
        "clicks": int(views * rate / 2),
    }


def figures(state: SandboxState, post: Post, now: datetime | None = None) -> dict[str, int]:
    """Common-name figures for a post: the curve if growth is on, else zeros; comments are the
    comments it really has."""
    setting = growth(state)
    with state.lock:
        account = state.accounts.get((post.network, post.account_id))
        comments = sum(
            1
            for p in state.posts.values()
            if p.network == post.network
            and p.is_comment
            and not p.deleted
            and post.id in (p.parent_id, p.root_id)
        )
    grown = (
        curve(post, account.followers if account else 0, setting.speed, now or clock(state))
        if setting.enabled and not post.is_comment
        else dict.fromkeys(("views", "reach", "likes", "shares", "saves", "clicks"), 0)
    )
    return {**grown, "comments": comments}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def report(state: SandboxState, network: str, post: Post, wire: Any) -> dict[str, Any]:
    """``GET /_sandbox/metrics``: the figures in common names and as the network sends them."""
    return {
        "network": network,
        "post_id": post.id,
        "at": _iso(clock(state)),
        "growth": asdict(growth(state)),
        "figures": figures(state, post),
        "wire": wire,
    }
