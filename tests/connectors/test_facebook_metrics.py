"""Facebook post and page figures through pyfacebook, against the sandbox over real HTTP."""

from __future__ import annotations

from hub.connectors.base import Capability, OutgoingPost
from hub.connectors.facebook import POST_INSIGHTS, post_metrics_from_graph


def _publish(facebook, text: str) -> str:  # type: ignore[no-untyped-def]
    return facebook.publish(OutgoingPost(delivery_id=1, text=text)).remote_id


def test_post_figures_map_to_common_names(facebook, sandbox) -> None:
    assert facebook.supports(Capability.post_metrics)
    post = _publish(facebook, "Weihnachtsmarkt eröffnet")
    sandbox.set_metrics(
        "facebook",
        post,
        post_media_view=2500,
        post_total_media_view_unique=1800,
        post_clicks=44,
        like=90,
        love=10,
        wow=2,
        shares=7,
    )
    sandbox.add_comment("facebook", post, "Schön!")
    figures = facebook.fetch_post_metrics([post])[post]
    assert (figures.views, figures.reach, figures.clicks) == (2500, 1800, 44)
    assert figures.likes == 102  # every reaction type counts as a like
    assert (figures.comments, figures.shares, figures.saves) == (1, 7, None)
    assert figures.raw["insights"]["post_media_view"] == 2500


def test_fifty_posts_per_request_and_current_metric_names(facebook, sandbox) -> None:
    posts = [_publish(facebook, f"Meldung {n}") for n in range(60)]
    before = len(sandbox.requests("facebook"))
    figures = facebook.fetch_post_metrics(posts)
    assert sorted(figures) == sorted(posts)
    lookups = sandbox.requests("facebook")[before:]
    assert len(lookups) == 2  # 50 + 10 ids
    assert all("ids=" in r["query"] for r in lookups)
    assert all("post_impressions" not in r["query"] for r in lookups)
    assert all(name in lookups[0]["query"] for name in POST_INSIGHTS)


def test_a_deleted_post_does_not_cost_the_others_their_figures(facebook, sandbox) -> None:
    kept, gone = _publish(facebook, "Bleibt"), _publish(facebook, "Wird gelöscht")
    facebook.graph.delete_object(gone)
    figures = facebook.fetch_post_metrics([kept, gone])
    assert list(figures) == [kept]


def test_page_followers(facebook, sandbox) -> None:
    sandbox.put_account("facebook", id=facebook.page_id, name="Stadt Bochum", followers=48211)
    assert facebook.fetch_account_metrics().followers == 48211


def test_mapping_of_a_graph_answer_without_optional_fields() -> None:
    figures = post_metrics_from_graph(
        {
            "id": "1_2",
            "insights": {
                "data": [
                    {"name": "post_media_view", "period": "lifetime", "values": [{"value": 12}]},
                    {
                        "name": "post_reactions_by_type_total",
                        "period": "lifetime",
                        "values": [{"value": {}}],
                    },
                ]
            },
            "comments": {"data": [], "summary": {"total_count": 0}},
        }
    )
    assert (figures.views, figures.likes, figures.shares, figures.comments) == (12, 0, 0, 0)
    assert figures.reach is None and figures.clicks is None


def test_a_metric_meta_retires_costs_only_its_own_figure(facebook, sandbox, monkeypatch) -> None:
    """Graph refuses a whole request for one retired metric name ("(#100) The value must be a
    valid insights metric"): the name is found, dropped and remembered; every other figure of
    every post still arrives, and the retired one stays unknown ("–"), never 0."""
    from hub.connectors.facebook import FacebookConnector
    from hub.connectors.registry import connector_for
    from hub.sandbox import facebook as fb_sandbox

    monkeypatch.setattr(FacebookConnector, "retired_metrics", set(), raising=False)
    monkeypatch.delitem(fb_sandbox.POST_METRICS, "post_total_media_view_unique")
    posts = [_publish(facebook, f"Nachricht {n}") for n in range(3)]
    sandbox.set_metrics("facebook", posts[0], post_media_view=2500, post_clicks=44, like=9)
    figures = facebook.fetch_post_metrics(posts)
    assert sorted(figures) == sorted(posts)
    first = figures[posts[0]]
    assert (first.views, first.clicks, first.likes) == (2500, 44, 9)
    assert first.reach is None
    assert first.raw["refused_metrics"] == ["post_total_media_view_unique"]
    # Remembered for the process: the next reading asks once, without the retired name.
    again = connector_for("facebook", facebook.access, timeout=2)
    before = len(sandbox.requests("facebook"))
    assert again.fetch_post_metrics(posts)[posts[0]].views == 2500
    (lookup,) = sandbox.requests("facebook")[before:]
    assert lookup["status"] == 200 and "post_total_media_view_unique" not in lookup["query"]
