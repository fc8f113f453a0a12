"""Events committed while Redis was down leave the outbox with no worker running at all."""

import signal
from datetime import timedelta

import pytest
import redis

from waybill_contracts.channels import org_stream_key
from waybill_devstack.redis_server import RestartableRedis
from waybill_django.accounts.models import User
from waybill_django.outbox import services as outbox
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.services import shipment_create

from ..test_webhooks import create_shipments, owner

__all__ = ["owner"]

pytestmark = pytest.mark.faults


def test_the_next_commit_after_redis_returns_publishes_what_waited(
    owner: User, own_redis: RestartableRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "PENDING_GRACE", timedelta(0))
    own_redis.stop(signal.SIGKILL)
    create_shipments(owner, 5)
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 5

    own_redis.start()
    shipment_create(
        organization=owner.memberships.get().organization,
        actor=owner,
        reference="WB-after",
        origin_address="1 Quay",
        destination_address="2 Street",
    )

    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 0
    stream_key = org_stream_key(owner.memberships.get().organization_id)
    assert redis.Redis.from_url(own_redis.url).xlen(stream_key) == 6
