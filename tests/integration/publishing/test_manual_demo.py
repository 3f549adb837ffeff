"""The demo office's WhatsApp channel: a manual channel with Mona (moderation) responsible, and
one announcement that waits for her once the dispatcher has run."""

from __future__ import annotations

from sqlalchemy import select

from hub import demo
from hub.extensions import db
from hub.models import Channel, Delivery, DeliveryState, Network, Notification, RoleName
from hub.publishing import pipeline


def test_demo_whatsapp_channel_waits_for_its_person(app, settings) -> None:
    demo.seed(settings)
    db.session.commit()
    (whatsapp,) = db.session.scalars(select(Channel).where(Channel.network == Network.manual))
    assert whatsapp.name == "WhatsApp-Kanal Stadt Bochum"
    assert whatsapp.responsible_user.email == demo.DEMO_USERS[RoleName.moderator][0]

    pipeline.dispatch_due()
    waiting = db.session.scalars(
        select(Delivery).where(
            Delivery.channel_id == whatsapp.id,
            Delivery.state == DeliveryState.waiting_for_person,
        )
    ).all()
    assert [d.announcement.title for d in waiting] == ["Hitzewarnung für Bochum"]
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == whatsapp.responsible_user_id)
    ).all()
    assert [n.kind for n in notices] == ["manual_post_due"]
