"""The sandbox's figures: what each network says about a post, and engagement that grows.

Growth is tested with the sandbox's engagement clock moved ahead (``advance_seconds``) or with
``now`` passed to the curve: never by waiting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.sandbox.core import Post, utcnow
from hub.sandbox.engagement import curve

PAGE = "104729318356812"


def _tweet(x) -> str:  # type: ignore[no-untyped-def]
    return x("POST", "/2/tweets", json={"text": "Sperrung Kortumstraße"}).json()["data"]["id"]


def _fb_post(graph) -> str:  # type: ignore[no-untyped-def]
    return graph("POST", f"/{PAGE}/feed", data={"message": "Hallo Bochum"}).json()["id"]


def test_figures_stay_as_set_while_growth_is_off(x, sandbox) -> None:
    tweet = _tweet(x)
    sandbox.engagement(advance_seconds=86400)
    report = sandbox.metrics("x", tweet)
    assert report["growth"]["speed"] == 0
    assert report["figures"]["views"] == 0
    sandbox.set_metrics("x", tweet, impression_count=77, like_count=5)
    wire = sandbox.metrics("x", tweet)["wire"]["public_metrics"]
    assert wire["impression_count"] == 77 and wire["like_count"] == 5
    looked_up = x("GET", "/2/tweets", params={"ids": tweet, "tweet.fields": "public_metrics"})
    assert looked_up.json()["data"][0]["public_metrics"] == wire


def test_engagement_grows_as_the_clock_moves(x, graph, sandbox) -> None:
    tweet, post = _tweet(x), _fb_post(graph)
    sandbox.engagement(speed=1)
    seen = []
    for _ in range(4):
        sandbox.engagement(advance_seconds=3 * 3600)
        seen.append(sandbox.metrics("x", tweet)["figures"])
    views = [f["views"] for f in seen]
    assert views == sorted(views) and views[-1] > views[0] > 0
    assert seen[-1]["likes"] > 0 and seen[-1]["shares"] >= seen[0]["shares"]
    # The same curve reaches the wire: X's public_metrics, Graph's insights.
    wire = sandbox.metrics("x", tweet)["wire"]["public_metrics"]
    assert wire["impression_count"] == sandbox.metrics("x", tweet)["figures"]["views"]
    fb = sandbox.metrics("facebook", post)
    names = {i["name"]: i["values"][0]["value"] for i in fb["wire"]["insights"]["data"]}
    assert names["post_media_view"] == fb["figures"]["views"] > 0
    assert names["post_total_media_view_unique"] == fb["figures"]["reach"]


def test_set_figures_win_over_growth(x, sandbox) -> None:
    tweet = _tweet(x)
    sandbox.engagement(speed=60, advance_seconds=600)
    sandbox.set_metrics("x", tweet, like_count=3)
    wire = sandbox.metrics("x", tweet)["wire"]["public_metrics"]
    assert wire["like_count"] == 3 and wire["impression_count"] > 0


def test_the_curve_is_deterministic_and_never_falls() -> None:
    post = Post(network="x", id="1900000000000000001", account_id="1", text="")
    now = post.created_at
    values = [curve(post, 5000, 1.0, now + timedelta(hours=h))["views"] for h in range(0, 2200, 7)]
    assert values == sorted(values) and values[0] == 0 and values[-1] > 0
    assert curve(post, 5000, 1.0, now + timedelta(hours=5)) == curve(
        post, 5000, 1.0, now + timedelta(hours=5)
    )
    other = Post(network="x", id="1900000000000000002", account_id="1", text="")
    assert curve(other, 5000, 1.0, now + timedelta(days=3)) != curve(
        post, 5000, 1.0, now + timedelta(days=3)
    )


def test_comments_count_what_citizens_really_wrote(graph, sandbox) -> None:
    post = _fb_post(graph)
    sandbox.add_comment("facebook", post, "Danke!")
    sandbox.add_comment("facebook", post, "Gilt das auch sonntags?")
    report = sandbox.metrics("facebook", post)
    assert report["figures"]["comments"] == 2
    assert report["wire"]["comments"]["summary"]["total_count"] == 2


def test_graph_post_insights_use_current_metric_names(graph, sandbox) -> None:
    post = _fb_post(graph)
    sandbox.set_metrics("facebook", post, post_media_view=40, like=3, love=1)
    ok = graph(
        "GET",
        f"/{post}/insights",
        params={"metric": "post_media_view,post_reactions_by_type_total"},
    )
    assert ok.status_code == 200
    data = {i["name"]: i for i in ok.json()["data"]}
    assert data["post_media_view"]["values"] == [{"value": 40}]
    assert data["post_media_view"]["period"] == "lifetime"
    assert data["post_reactions_by_type_total"]["values"][0]["value"] == {"like": 3, "love": 1}
    retired = graph("GET", f"/{post}/insights", params={"metric": "post_impressions"})
    assert retired.status_code == 400
    assert retired.json()["error"]["code"] == 100
    assert "valid insights metric" in retired.json()["error"]["message"]


def test_graph_answers_several_posts_in_one_request(graph, sandbox) -> None:
    first, second = (
        _fb_post(graph),
        graph("POST", f"/{PAGE}/feed", data={"message": "Zweiter Beitrag"}).json()["id"],
    )
    sandbox.set_metrics("facebook", first, shares=2)
    fields = "insights.metric(post_media_view),shares,comments.limit(0).summary(total_count)"
    both = graph("GET", "", params={"ids": f"{first},{second}", "fields": fields})
    assert both.status_code == 200
    body = both.json()
    assert set(body) == {first, second}
    assert body[first]["shares"] == {"count": 2}
    assert "shares" not in body[second]  # Graph leaves out a post nobody shared
    assert body[second]["comments"]["summary"]["total_count"] == 0
    gone = graph("GET", "", params={"ids": f"{first},{PAGE}_999", "fields": fields})
    assert gone.status_code == 400  # one unknown id fails the whole request, as on Graph
    too_many = graph("GET", "", params={"ids": ",".join([first] * 51), "fields": fields})
    assert too_many.status_code == 400


def test_metrics_of_an_unknown_post_is_404(sandbox) -> None:
    with pytest.raises(RuntimeError, match="404"):
        sandbox.metrics("x", "123")


def test_reset_returns_to_no_growth(x, sandbox) -> None:
    sandbox.engagement(speed=60)
    sandbox.reset()
    tweet = _tweet(x)
    assert sandbox.engagement()["speed"] == 0
    assert sandbox.metrics("x", tweet)["figures"]["views"] == 0
    assert utcnow()  # the clock is the wall clock again (no offset)
    assert sandbox.engagement()["offset_seconds"] == 0
