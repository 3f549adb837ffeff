"""What each chosen channel will get: final text, title, count and problems.

Both the preview on the detail page and the live counter on the compose form use
:func:`network_previews`; the counting and checking itself is ``hub.publishing.rules``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.models import Channel
from hub.publishing.compose import AnnouncementInput, channel_text
from hub.publishing.rules import (
    UNITS,
    Count,
    MediaFacts,
    Problem,
    check_post,
    count_text,
    rules_for,
    text_limit,
)


@dataclass(frozen=True)
class NetworkPreview:
    channel: Channel
    label: str
    text: str
    title: str | None  # None: the network takes no title
    count: Count
    problems: list[Problem]

    @property
    def unit(self) -> str:
        return str(UNITS.get(self.count.unit, self.count.unit))

    def as_json(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel.id,
            "channel": self.channel.name,
            "network": self.channel.network,
            "label": self.label,
            "text": self.text,
            "title": self.title,
            "used": self.count.used,
            "limit": self.count.limit,
            "unit": self.unit,
            "over": self.count.over,
            "problems": [{"field": p.field, "message": p.message} for p in self.problems],
        }


def network_previews(
    data: AnnouncementInput, channels: Sequence[Channel], media: Sequence[MediaFacts]
) -> list[NetworkPreview]:
    previews = []
    for channel in channels:
        rules = rules_for(channel.network)
        limit = text_limit(channel.network, channel.credentials)
        body, title = channel_text(data, channel.id, channel.network)
        previews.append(
            NetworkPreview(
                channel=channel,
                label=rules.label,
                text=rules.final_text(body, data.link),
                title=title if rules.takes_title else None,
                count=count_text(channel.network, body, data.link, limit=limit),
                problems=check_post(
                    channel.network,
                    body=body,
                    title=title,
                    link=data.link,
                    media=media,
                    field=f"variants.{channel.id}",
                    limit=limit,
                ),
            )
        )
    return previews
