"""Network settings through the API: stored, returned, and wrong values refused by field."""

from __future__ import annotations

from tests.conftest import image_bytes


def test_variant_options_round_trip_and_bad_values(caller, make_channel) -> None:
    editor = caller("editor")
    flickr, x = make_channel("flickr"), make_channel("x")
    photo = editor.upload(image_bytes(), "rathaus.png").json
    created = editor.post(
        "/api/v1/announcements",
        json={
            "title": "Rathaus",
            "body": "Das Rathaus im Schnee.",
            "channels": [flickr.id, x.id],
            "media": [photo["id"]],
            "variants": {
                str(flickr.id): {"options": {"privacy": "friends", "tags": ["Rathaus"]}},
                str(x.id): {"options": {"reply_settings": "following"}},
            },
        },
    )
    assert created.status_code == 201, created.json
    variants = created.json["variants"]
    assert variants[str(flickr.id)]["options"] == {"privacy": "friends", "tags": ["Rathaus"]}
    assert variants[str(x.id)]["options"] == {"reply_settings": "following"}

    refused = editor.patch(
        f"/api/v1/announcements/{created.json['id']}",
        json={
            "version": created.json["version"],
            "variants": {str(x.id): {"options": {"reply_settings": "nobody", "color": "red"}}},
        },
    )
    assert refused.status_code == 422
    assert set(refused.json["fields"]) == {
        f"variants.{x.id}.options.reply_settings",
        f"variants.{x.id}.options.color",
    }
