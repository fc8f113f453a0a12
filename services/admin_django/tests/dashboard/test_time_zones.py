"""Times in the organization's zone (or the member's own), labelled with the zone, read in it from forms."""

from collections.abc import Callable
from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

WINDOW_END = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # 12:00 in Berlin (CET), 06:00 in New York


def test_an_admin_sets_the_organizations_zone_and_every_page_follows_it(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    organization: Organization,
    make_shipment: Callable[..., Shipment],
) -> None:
    shipment = make_shipment("TZ-1", delivery_window_end=WINDOW_END)
    client = signed_in(members[Role.ADMIN])
    detail = reverse("dashboard:shipment", args=[shipment.pk])
    assert "Dec 2, 11:00 UTC" in client.get(detail).content.decode()

    response = client.post(
        reverse("dashboard:settings_general"),
        {
            "form": "organization",
            "organization-name": "Acme Freight",
            "organization-time_zone": "Europe/Berlin",
        },
    )
    assert response["Location"] == reverse("dashboard:settings_general")
    organization.refresh_from_db()
    assert organization.time_zone == "Europe/Berlin"
    assert AuditLog.objects.in_organization(organization).get(action="organization.updated").data == {
        "changed": ["time_zone"]
    }
    page = client.get(detail).content.decode()
    assert "Dec 2, 12:00 CET" in page
    assert 'datetime="2026-12-02T12:00:00+01:00"' in page
    assert "Dec 2, 12:00 CET" in client.get(reverse("dashboard:shipments")).content.decode()


def test_a_member_sees_their_own_zone_when_they_chose_one(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    organization: Organization,
    make_shipment: Callable[..., Shipment],
) -> None:
    organization.time_zone = "Europe/Berlin"
    organization.save()
    shipment = make_shipment("TZ-1", delivery_window_end=WINDOW_END)
    viewer = members[Role.VIEWER]
    client = signed_in(viewer)
    form = client.get(reverse("dashboard:settings_general")).content.decode()
    assert "The organization&#x27;s (Europe/Berlin)" in form
    client.post(
        reverse("dashboard:settings_general"),
        {"form": "profile", "profile-full_name": "Vic Viewer", "profile-time_zone": "America/New_York"},
    )
    viewer.refresh_from_db()
    assert (viewer.full_name, viewer.time_zone) == ("Vic Viewer", "America/New_York")
    page = client.get(reverse("dashboard:shipment", args=[shipment.pk])).content.decode()
    assert "Dec 2, 06:00 EST" in page
    assert "Vic Viewer" in page  # the account menu names the person


def test_a_viewer_cannot_change_the_organizations_zone(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.VIEWER])
    response = client.post(
        reverse("dashboard:settings_general"),
        {"form": "organization", "organization-name": "Hijacked", "organization-time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert (organization.name, organization.time_zone) == ("Acme Freight", "UTC")


def test_an_unknown_zone_is_refused_beside_the_field(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(members[Role.OWNER]).post(
        reverse("dashboard:settings_general"),
        {"form": "organization", "organization-name": "Acme", "organization-time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert (
        "Select a valid choice. Mars/Olympus is not one of the available choices."
        in response.content.decode()
    )


def test_window_times_typed_into_the_form_are_read_in_the_organizations_zone(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    organization.time_zone = "Europe/Berlin"
    organization.save()
    client = signed_in(members[Role.DISPATCHER])
    form = client.get(reverse("dashboard:shipment_new")).content.decode()
    assert "(times in Europe/Berlin)" in form
    response = client.post(
        reverse("dashboard:shipment_new"),
        {
            "reference": "TZ-2",
            "origin_address": "A",
            "destination_address": "B",
            "parcels": "1",
            "delivery_window_end": "2026-12-02T12:00",
        },
    )
    assert response.status_code == 302
    shipment = Shipment.objects.in_organization(organization).get(reference="TZ-2")
    assert shipment.delivery_window_end == WINDOW_END
    edit = client.get(reverse("dashboard:shipment_edit", args=[shipment.pk])).content.decode()
    assert 'value="2026-12-02T12:00"' in edit


def test_the_public_page_shows_eta_and_window_in_one_format_in_the_senders_zone(
    client: Client, organization: Organization, make_shipment: Callable[..., Shipment], truck: Vehicle
) -> None:
    organization.time_zone = "Europe/Berlin"
    organization.save()
    shipment = make_shipment(
        "TZ-3",
        ShipmentStatus.BOOKED,
        ShipmentStatus.ASSIGNED,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        vehicle=truck,
        delivery_window_start=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
        delivery_window_end=WINDOW_END,
    )
    # The worker's ETA job writes this column.
    Shipment.unscoped.filter(pk=shipment.pk).update(eta=datetime(2026, 12, 2, 10, 12, tzinfo=UTC))
    page = client.get(reverse("dashboard:tracking", args=[shipment.tracking_code])).content.decode()
    assert "Expected between" in page
    # The ETA (11:12 CET) as the arrival window around it, in the sender's zone.
    assert "Dec 2, 10:30 CET" in page
    assert "Dec 2, 11:45 CET" in page
    assert "Dec 2, 09:00 CET" in page  # the window, same format, same zone
    assert "Dec 2, 12:00 CET" in page
    assert "Times are in Europe/Berlin." in page
