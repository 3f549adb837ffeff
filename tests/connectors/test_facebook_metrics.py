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
