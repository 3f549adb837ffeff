"""The public Instagram monitor runs the real instaloader against www.instagram.com as an
anonymous visitor sees it, served by ``responses`` (no network here).

:class:`FakeInstagram` answers what instaloader 4.16 asks for, in the shapes Instagram uses:

- ``GET /<username>/``: the logged-out profile page, whose ``<script type="application/json">``
  blocks embed the results of two Relay queries (``xig_user_by_username``: the profile with its
  ``follower_count``; and its ``polaris_ordered_timeline_connection``: the newest posts);
- ``GET /``: the start page, for the ``LSD`` token and the ``csrftoken`` cookie the web app's
  GraphQL endpoint wants;
- ``POST /api/graphql`` with ``doc_id=27128499623469141``: one post's details
  (``xdt_api__v1__media__shortcode__web_info``), refused with 400 without the page's token.

Faults: an unknown profile (404 page), a private profile (no posts on its page), a 429 on the
page or after some posts, a redirect to the login page. Unregistered addresses fail the test
(``responses`` refuses them), which is how "never logs in" and "no other endpoint" are held.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from hub.connectors.base import Connector, RateLimited, Rejected, Transient, Unsupported
from hub.connectors.instagram_public import (
    InstagramPublicMonitor,
    MustWait,
    shortcode_from_url,
)
from hub.connectors.registry import CONNECTORS, connector_class
from hub.models import Network

WWW = "https://www.instagram.com"
POST_DOC_ID = "27128499623469141"
LSD = "AVrqPT0gJWU"
CSRF = "kQz3Yd8eLwF0bTnq5uJxgH2c1RiVaMsP"
NOT_FOUND_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>Page not found • Instagram</title></head>'
    "<body><h2>Sorry, this page isn't available.</h2></body></html>"
)


@dataclass
class FakeProfile:
    username: str
    pk: str
    followers: int
    private: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)  # newest first


def media(
    code: str,
    pk: str,
    owner: FakeProfile,
    *,
    likes: int,
    comments: int,
    taken_at: int,
    video: bool = False,
    caption: str = "",
) -> dict[str, Any]:
    """A post the way ``xdt_api__v1__media__shortcode__web_info`` returns it."""
    item: dict[str, Any] = {
        "code": code,
        "pk": pk,
        "id": f"{pk}_{owner.pk}",
        "media_type": 2 if video else 1,
        "product_type": "clips" if video else "feed",
        "taken_at": taken_at,
        "like_count": likes,
        "comment_count": comments,
        "caption": {"text": caption, "pk": str(int(pk) + 1), "created_at": taken_at},
        "accessibility_caption": None,
        "original_width": 1080,
        "original_height": 1350,
        "image_versions2": {
            "candidates": [
                {
                    "url": f"https://scontent-dus1-1.cdninstagram.com/v/t51.29350-15/{pk}_n.jpg",
                    "width": 1080,
                    "height": 1350,
                }
            ]
        },
        "user": {
            "pk": owner.pk,
            "id": owner.pk,
            "username": owner.username,
            "full_name": "Stadt Bochum",
            "is_private": owner.private,
            "profile_pic_url": "https://scontent-dus1-1.cdninstagram.com/v/t51.2885-19/p.jpg",
        },
        "has_liked": None,
        "carousel_media": None,
        "usertags": None,
        "location": None,
    }
    if video:
        item["video_versions"] = [
            {"type": 101, "url": f"https://scontent.cdninstagram.com/o1/v/{pk}.mp4"}
        ]
        item["video_duration"] = 31.5
        item["view_count"] = None  # not public
        item["play_count"] = None
    return item


def _timeline_node(item: dict[str, Any]) -> dict[str, Any]:
    """The trimmed node the profile page lists (instaloader re-reads each post by its code)."""
    keep = ("code", "pk", "id", "media_type", "product_type", "taken_at", "caption", "user")
    node = {key: item[key] for key in keep}
    node["display_uri"] = item["image_versions2"]["candidates"][0]["url"]
    node["like_count"] = item["like_count"]
    node["comment_count"] = item["comment_count"]
    return node


def _script(query: str, data: dict[str, Any], n: int) -> str:
    """One ``<script type="application/json">`` block as the server-rendered page has it."""
    payload = {
        "require": [
            [
                "ScheduledServerJS",
                "handle",
                None,
                [
                    {
                        "__bbox": {
                            "require": [
                                [
                                    "RelayPrefetchedStreamCache",
                                    "next",
                                    [],
                                    [
                                        f"adp_{query}RelayPreloader_{n}",
                                        {
                                            "__bbox": {
                                                "complete": True,
                                                "result": {
                                                    "data": data,
                                                    "extensions": {"is_final": True},
                                                },
                                                "sequence_number": 0,
                                            }
                                        },
                                    ],
                                ]
                            ]
                        }
                    }
                ],
            ]
        ]
    }
    body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/")
    return (
        f'<script type="application/json" data-content-len="{len(body)}" data-sjs>{body}</script>'
    )


def profile_page(profile: FakeProfile) -> str:
    user = {
        "pk": profile.pk,
        "id": f"1{profile.pk}",  # the page's own id for the profile, not its user id
        "username": profile.username,
        "full_name": "Stadt Bochum",
        "biography": "Offizieller Account der Stadt Bochum. Impressum: bochum.de/impressum",
        "is_private": profile.private,
        "is_verified": True,
        "follower_count": profile.followers,
        "following_count": 312,
        "all_media_count": None,  # not shown to visitors
        "profile_pic_url": "https://scontent-dus1-1.cdninstagram.com/v/t51.2885-19/p.jpg",
        "hd_profile_pic_url_info": {
            "url": "https://scontent-dus1-1.cdninstagram.com/v/t51.2885-19/p_hd.jpg"
        },
        "bio_links": [{"url": "https://www.bochum.de", "link_type": "external"}],
        "friendship_status": None,
    }
    scripts = [_script("PolarisProfilePageContentQuery", {"xig_user_by_username": user}, 1)]
    if not profile.private:
        timeline = {
            "xig_user_by_username": {
                "id": user["id"],
                "polaris_ordered_timeline_connection": {
                    "edges": [
                        {"node": _timeline_node(p), "cursor": p["pk"]} for p in profile.posts
                    ],
                    "page_info": {"has_next_page": False, "end_cursor": None},
                },
            }
        }
        scripts.append(
            _script("PolarisLoggedOutDesktopWWWProfilePostsTabContentQuery", timeline, 2)
        )
    return (
        '<!DOCTYPE html><html class="_9dls" lang="en" dir="ltr"><head><meta charset="utf-8">'
        f"<title>Stadt Bochum (@{profile.username}) • Instagram photos and videos</title>"
        f'<meta property="og:title" content="Stadt Bochum (@{profile.username})">'
        f'</head><body>{"".join(scripts)}<div id="mount_0_0_Xy"></div></body></html>'
    )


START_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>Instagram</title></head><body>'
    '<script type="application/json" data-sjs>{"require":[["ScheduledServerJS","handle",null,'
    f'[{{"define":[["LSD",[],{{"token":"{LSD}"}},323],'
    '["CurrentUserInitialData",[],{"ACCOUNT_ID":"0","USER_ID":"0","IG_USER_EIMU":"0",'
    '"NON_FACEBOOK_USER_ID":"0","APP_ID":"936619743392459"},270]]}]]]}</script></body></html>'
)


class FakeInstagram:
    """www.instagram.com for a logged-out visitor, through ``responses`` (see the module)."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.profiles: dict[str, FakeProfile] = {}
        self.page_status: int | None = None  # every profile page answers this (429 ...)
        self.login_wall = False  # profile pages redirect to the login page
        self.posts_before_429: int | None = None  # post queries answered before a 429
        self.requests: list[tuple[str, str]] = []
        self.post_queries = 0
        # What a real visitor's browser would never send; checked after each test (an assert in
        # a callback would reach instaloader as an exception and be reported as a failed read).
        self.violations: list[str] = []
        mock.add_callback(responses.GET, re.compile(rf"^{WWW}/$"), callback=self._start)
        mock.add_callback(
            responses.GET, re.compile(rf"^{WWW}/([A-Za-z0-9._]+)/$"), callback=self._page
        )
        mock.add_callback(responses.POST, f"{WWW}/api/graphql", callback=self._graphql)

    def add(self, profile: FakeProfile) -> FakeProfile:
        self.profiles[profile.username] = profile
        return profile

    def _seen(self, request: Any) -> None:
        cookies = request.headers.get("Cookie", "")
        if re.search(r"sessionid=[^;\s]", cookies):
            self.violations.append(f"a logged-in request: {request.method} {request.url}")
        self.requests.append((request.method, request.url))

    def _start(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._seen(request)
        cookie = f"csrftoken={CSRF}; Domain=.instagram.com; Path=/; Secure; Max-Age=31449600"
        return 200, {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": cookie}, START_PAGE

    def _page(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._seen(request)
        html = {"Content-Type": "text/html; charset=utf-8"}
        username = request.url.rstrip("/").rsplit("/", 1)[1]
        if self.login_wall:
            target = f"{WWW}/accounts/login/?next=%2F{username}%2F"
            return 302, {**html, "Location": target}, ""
        if self.page_status is not None:
            return self.page_status, html, "Please wait a few minutes before you try again."
        profile = self.profiles.get(username)
        if profile is None:
            return 404, html, NOT_FOUND_PAGE
        return 200, html, profile_page(profile)

    def _graphql(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._seen(request)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        if (
            form.get("lsd") != LSD
            or request.headers.get("x-fb-lsd") != LSD
            or request.headers.get("x-csrftoken") != CSRF
        ):
            body = {"message": "Please try again later.", "status": "fail"}
            return 400, headers, json.dumps(body)
        if form.get("doc_id") != POST_DOC_ID:
            self.violations.append(f"an unexpected query: doc_id={form.get('doc_id')}")
            return 400, headers, json.dumps({"message": "Invalid query", "status": "fail"})
        if self.posts_before_429 is not None and self.post_queries >= self.posts_before_429:
            body = {
                "message": "Please wait a few minutes before you try again.",
                "require_login": True,
                "status": "fail",
            }
            return 429, headers, json.dumps(body)
        self.post_queries += 1
        code = json.loads(form["variables"])["shortcode"]
        items = [
            p for profile in self.profiles.values() for p in profile.posts if p["code"] == code
        ]
        data = {"xdt_api__v1__media__shortcode__web_info": {"items": items}}
        return 200, headers, json.dumps({"data": data, "extensions": {"is_final": True}})


@pytest.fixture(name="instagram")
def instagram_fixture() -> Iterator[FakeInstagram]:
    """www.instagram.com as a logged-out visitor sees it; any other address fails the read."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeInstagram(mock)
        yield fake
    assert fake.violations == []


def stadt_bochum(followers: int = 48_213, *, private: bool = False) -> FakeProfile:
    """The city's profile with three posts, newest first: a Reel and two photos."""
    profile = FakeProfile("stadtbochum", "1464738206", followers, private=private)
    profile.posts = [
        media(
            "DJx7mQ2tA_k",
            "3671042199870214187",
            profile,
            likes=1204,
            comments=87,
            taken_at=1751619600,
            video=True,
            caption="Bochum Total 2025 #bochum",
        ),
        media(
            "DJvR-1aNqZ0",
            "3670321775561048692",
            profile,
            likes=356,
            comments=12,
            taken_at=1751533200,
            caption="Das Rathaus im Abendlicht",
        ),
        media(
            "DJs0Ufzt9Lw",
            "3669603417201376880",
            profile,
            likes=98,
            comments=0,
            taken_at=1751446800,
            caption="Neue Radwege an der Castroper Straße",
        ),
    ]
    return profile


def monitor(username: str = "stadtbochum", **kwargs: Any) -> InstagramPublicMonitor:
    # polite=False: no random pause before each request (tests never sleep).
    return InstagramPublicMonitor(username, polite=False, timeout=2.0, **kwargs)


# ---------------------------------------------------------------------------------------------


def test_reads_followers_and_recent_posts_anonymously(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    profile = monitor("@StadtBochum").read()

    assert profile.username == "stadtbochum" and profile.user_id == "1464738206"
    assert profile.followers == 48_213 and not profile.is_private
    assert profile.posts_error is None
    assert list(profile.posts) == ["DJx7mQ2tA_k", "DJvR-1aNqZ0", "DJs0Ufzt9Lw"]
    reel = profile.posts["DJx7mQ2tA_k"]
    assert (reel.metrics.likes, reel.metrics.comments) == (1204, 87)
    assert reel.metrics.views is None  # not public
    assert reel.media_id == "3671042199870214187"
    assert reel.taken_at == datetime(2025, 7, 4, 9, 0, tzinfo=UTC)
    assert reel.metrics.raw["is_video"] is True
    assert (
        profile.posts["DJs0Ufzt9Lw"].metrics.likes,
        profile.posts["DJs0Ufzt9Lw"].metrics.comments,
    ) == (98, 0)
    # Only public pages and the web app's post query; no login, no other endpoint.
    assert {(m, u.split("?")[0]) for m, u in instagram.requests} <= {
        ("GET", f"{WWW}/stadtbochum/"),
        ("GET", f"{WWW}/"),
        ("POST", f"{WWW}/api/graphql"),
    }
    assert instagram.post_queries == 3


def test_reads_only_as_many_posts_as_asked(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    profile = monitor(recent=2).read()
    assert list(profile.posts) == ["DJx7mQ2tA_k", "DJvR-1aNqZ0"]
    assert instagram.post_queries == 2


def test_private_profile_gives_followers_only(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum(9_120, private=True))
    profile = monitor().read()
    assert profile.is_private and profile.followers == 9_120
    assert profile.posts == {}
    assert "private" in (profile.posts_error or "")
    assert instagram.post_queries == 0  # nothing asked that needs a login


def test_unknown_profile_is_rejected(instagram: FakeInstagram) -> None:
    with pytest.raises(Rejected) as caught:
        monitor("stadt_bochum_gibts_nicht").read()
    assert "@stadt_bochum_gibts_nicht" in caught.value.message
    assert "ProfileNotExistsException" in (caught.value.detail or "")


def test_429_on_the_profile_page_is_rate_limited(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    instagram.page_status = 429
    with pytest.raises(RateLimited) as caught:
        monitor().read()
    assert "too many requests" in caught.value.message
    assert caught.value.retry_after and caught.value.retry_after >= 3600
    assert len(instagram.requests) == 1  # one attempt, no retry loop inside instaloader


def test_429_among_the_posts_keeps_what_was_read(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    instagram.posts_before_429 = 1
    profile = monitor().read()
    assert profile.followers == 48_213
    assert list(profile.posts) == ["DJx7mQ2tA_k"]
    assert "too many requests" in (profile.posts_error or "")


def test_login_wall_is_reported_as_blocked(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    instagram.login_wall = True
    with pytest.raises(RateLimited) as caught:
        monitor().read()
    assert "asked for a login" in caught.value.message
    assert "never logs in" in caught.value.message


def test_other_failures_are_transient(instagram: FakeInstagram) -> None:
    instagram.add(stadt_bochum())
    instagram.page_status = 500
    with pytest.raises(Transient) as caught:
        monitor().read()
    assert not isinstance(caught.value, RateLimited)
    assert "could not be reached" in caught.value.message


def test_a_long_wait_of_instaloaders_rate_accounting_gives_up_instead_of_blocking() -> None:
    from hub.connectors.instagram_public import _rate_controller

    controller = _rate_controller(max_wait=60.0)(None)
    with pytest.raises(MustWait) as caught:
        controller.sleep(1800)
    assert caught.value.seconds == 1800
    error = InstagramPublicMonitor("stadtbochum")._error(caught.value)
    assert isinstance(error, RateLimited) and error.retry_after == 3600


def test_shortcodes_from_permalinks() -> None:
    assert shortcode_from_url("https://www.instagram.com/p/DJvR-1aNqZ0/") == "DJvR-1aNqZ0"
    assert shortcode_from_url("https://www.instagram.com/reel/DJx7mQ2tA_k/?igsh=x") == "DJx7mQ2tA_k"
    assert shortcode_from_url("https://www.instagram.com/stadtbochum/p/DJs0Ufzt9Lw/") == (
        "DJs0Ufzt9Lw"
    )
    assert shortcode_from_url("https://www.instagram.com/stadtbochum/") is None
    assert shortcode_from_url(None) is None


def test_the_monitor_is_a_reader_and_never_a_publishing_connector() -> None:
    assert not issubclass(InstagramPublicMonitor, Connector)
    assert InstagramPublicMonitor.read_only is True
    for name in ("publish", "find_published", "reply", "set_hidden", "delete_comment"):
        assert not hasattr(InstagramPublicMonitor, name), name
    assert not any("instagram_public" in target for target in CONNECTORS.values())
    # Channels (and so deliveries) only ever get the Graph API connector for Instagram.
    assert connector_class(Network.instagram).__module__ == "hub.connectors.instagram"
    assert "instagram_public" not in {n.value for n in Network}
    with pytest.raises(Unsupported):
        connector_class("instagram_public")
