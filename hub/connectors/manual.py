"""Manual channels: a WhatsApp channel, a printed notice board, a newsletter made elsewhere.

No software can post there (Meta's WhatsApp Cloud API serves business chats, not channels), so
this connector never talks to a network. The publishing pipeline does not call it: a due
delivery on a manual channel waits for its responsible person (``waiting_for_person``, see
:mod:`hub.publishing.manual`), who posts by hand and marks it posted or skipped. The connector
exists so that every part of hub that asks "what can this network do" (the inbox sync, the
figures schedule, "Test connection") gets a plain answer: nothing, and why.
"""

from __future__ import annotations

from typing import ClassVar

from flask_babel import gettext as _

from hub.connectors.base import Capability, Connector, OutgoingPost, Published, Unsupported
from hub.publishing.rules import NetworkRules, rules_for


def _by_hand() -> Unsupported:
    return Unsupported(
        _("This is a manual channel: a person posts by hand; hub does not connect to it.")
    )


class ManualConnector(Connector):
    network: ClassVar[str] = "manual"
    api: ClassVar[str] = "manual"
    rules: ClassVar[NetworkRules] = rules_for("manual")
    # No comments, no figures, no login: the inbox and the figures schedule leave it out.
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def publish(self, post: OutgoingPost) -> Published:
        raise _by_hand()

    def find_published(self, post: OutgoingPost) -> Published | None:
        raise _by_hand()

    def check_connection(self) -> str:
        raise _by_hand()
