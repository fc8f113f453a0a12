"""Signing, target checks and who receives what, without sending anything."""

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from waybill_contracts.enums import Role
from waybill_contracts.events import EVENT_ADAPTER
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.services import shipment_create, shipment_update_details
from waybill_django.webhooks.models import WebhookDelivery, new_signing_secret
from waybill_django.webhooks.services import webhook_deliveries_create, webhook_endpoint_create
from waybill_django.webhooks.signing import signature_headers
from waybill_django.webhooks.targets import TargetRefused, resolve_target


def test_a_signature_verifies_with_the_reference_implementation_and_not_after_tampering() -> None:
    secret = new_signing_secret()
    body = '{"type":"shipment.created","data":{"shipment_id":1}}'
    headers = signature_headers(secret=secret, message_id="msg_1", timestamp=int(time.time()), body=body)

    assert Webhook(secret).verify(body, headers) == {"type": "shipment.created", "data": {"shipment_id": 1}}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("1", "2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_signing_secret()).verify(body, headers)


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_signing_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != new_signing_secret()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused, match="private, loopback or link-local"):
        resolve_target(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost"])
def test_only_http_urls_with_a_host_are_accepted(url: str) -> None:
    with pytest.raises(TargetRefused):
        resolve_target(url, allow_private=True)


def test_the_request_goes_to_the_checked_address_with_the_original_host() -> None:
    target = resolve_target("http://127.0.0.1:8080/hooks?x=1", allow_private=True)
    assert (target.url, target.host_header, target.server_name) == (
        "http://127.0.0.1:8080/hooks?x=1",
        "127.0.0.1:8080",
        "127.0.0.1",
    )


@pytest.mark.parametrize(
    "url", ["http://hooks.example.test/in", "https://hooks.example.test:8443/in", "http://127.0.0.1:443/"]
)
def test_where_egress_allows_only_https_on_443_other_endpoints_are_refused_with_the_reason(
    organization: Organization, make_member: Callable[..., User], settings: Any, url: str
) -> None:
    settings.WEBHOOKS_HTTPS_443_ONLY = True  # production
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # no DNS in this test: only the URL's form counts

    with pytest.raises(ValidationError, match=r"https:// on port 443"):
        webhook_endpoint_create(organization=organization, actor=make_member(Role.OWNER), url=url)

    accepted = webhook_endpoint_create(
        organization=organization, actor=make_member(Role.ADMIN), url="https://hooks.example.test:443/in"
    )
    assert accepted.url == "https://hooks.example.test:443/in"


def test_locally_plain_http_endpoints_on_any_port_are_accepted(
    organization: Organization, make_member: Callable[..., User], settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint = webhook_endpoint_create(
        organization=organization, actor=make_member(Role.OWNER), url="http://127.0.0.1:8080/hooks"
    )
    assert endpoint.url == "http://127.0.0.1:8080/hooks"


def test_only_owners_and_admins_manage_endpoints(
    organization: Organization, make_member: Callable[..., User], settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(
            organization=organization, actor=make_member(Role.DISPATCHER), url="https://example.com/"
        )
    with pytest.raises(ValidationError):
        webhook_endpoint_create(
            organization=organization, actor=make_member(Role.ADMIN), url="http://127.0.0.1/"
        )


def test_each_endpoint_gets_the_event_types_it_subscribed_to_once(
    organization: Organization,
    other_organization: Organization,
    make_member: Callable[..., User],
    settings: Any,
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    owner = make_member(Role.OWNER)
    other_owner = make_member(Role.OWNER, email="owner@other.test", org=other_organization)
    everything = webhook_endpoint_create(organization=organization, actor=owner, url="http://127.0.0.1/all")
    updates_only = webhook_endpoint_create(
        organization=organization, actor=owner, url="http://127.0.0.1/upd", event_types=["shipment.updated"]
    )
    webhook_endpoint_create(organization=other_organization, actor=other_owner, url="http://127.0.0.1/other")
    shipment = shipment_create(
        organization=organization, actor=owner, reference="WB-1", origin_address="a", destination_address="b"
    )
    shipment_update_details(shipment=shipment, actor=owner, fields={"customer_name": "Jo"})

    for payload in OutboxMessage.objects.values_list("payload", flat=True):
        event = EVENT_ADAPTER.validate_python(payload)
        webhook_deliveries_create(event)
        webhook_deliveries_create(event)

    received = sorted(WebhookDelivery.unscoped.values_list("endpoint_id", "event_type"))
    assert received == sorted(
        [
            (everything.pk, "shipment.created"),
            (everything.pk, "shipment.updated"),
            (updates_only.pk, "shipment.updated"),
        ]
    )
