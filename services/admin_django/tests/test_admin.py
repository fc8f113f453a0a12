import pytest
from django.test import Client

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.notifications.models import OrganizationNotificationSettings
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def shipment_form(organization: Organization, **overrides: str) -> dict[str, str]:
    return {
        "organization": str(organization.pk),
        "reference": "ADM-1",
        "customer_name": "Jo",
        "customer_email": "jo@example.test",
        "origin_address": "1 Quay",
        "destination_address": "2 Street",
        **overrides,
    }


def test_the_add_page_shows_the_shipment_form_without_a_status_change(staff_client: Client) -> None:
    response = staff_client.get("/admin/shipments/shipment/add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reference"' in page
    assert 'name="transition_to"' not in page


def test_staff_create_a_shipment_in_the_admin_through_the_domain_service(
    staff_client: Client, organization: Organization, redis_url: str
) -> None:
    response = staff_client.post("/admin/shipments/shipment/add/", shipment_form(organization))

    assert response.status_code == 302, response.content.decode()[:2000]
    shipment = Shipment.unscoped.get(reference="ADM-1")
    assert shipment.status == ShipmentStatus.DRAFT
    assert OutboxMessage.objects.filter(event_type="shipment.created").count() == 1


def test_the_admin_offers_only_the_statuses_the_workflow_allows(
    staff_client: Client, organization: Organization, staff: User
) -> None:
    shipment = shipment_create(
        organization=organization, actor=staff, reference="ADM-2", origin_address="a", destination_address="b"
    )
    page = staff_client.get(f"/admin/shipments/shipment/{shipment.pk}/change/").content.decode()
    assert '<option value="booked">' in page
    assert '<option value="delivered">' not in page


def test_a_status_change_in_the_admin_goes_through_the_workflow(
    staff_client: Client, organization: Organization, staff: User, redis_url: str
) -> None:
    shipment = shipment_create(
        organization=organization, actor=staff, reference="ADM-3", origin_address="a", destination_address="b"
    )
    form = shipment_form(organization, reference="ADM-3", transition_to="booked")
    response = staff_client.post(f"/admin/shipments/shipment/{shipment.pk}/change/", form)

    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED
    assert OutboxMessage.objects.filter(event_type="shipment.status_changed").count() == 1


def test_a_status_the_workflow_forbids_is_refused_with_a_form_error(
    staff_client: Client, organization: Organization, staff: User
) -> None:
    shipment = shipment_create(
        organization=organization, actor=staff, reference="ADM-4", origin_address="a", destination_address="b"
    )
    response = staff_client.post(
        f"/admin/shipments/shipment/{shipment.pk}/change/",
        shipment_form(organization, reference="ADM-4", transition_to="delivered"),
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT


def test_people_who_are_not_staff_cannot_open_the_admin(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    response = client.get("/admin/shipments/shipment/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_status_change_that_repeats_the_details_records_only_the_status_change(
    staff_client: Client, organization: Organization, staff: User, redis_url: str
) -> None:
    shipment = shipment_create(
        organization=organization,
        actor=staff,
        reference="ADM-5",
        customer_name="Jo",
        customer_email="jo@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )
    staff_client.post(
        f"/admin/shipments/shipment/{shipment.pk}/change/",
        shipment_form(organization, reference="ADM-5", transition_to="booked"),
    )

    assert list(OutboxMessage.objects.values_list("event_type", flat=True)) == [
        "shipment.created",
        "shipment.status_changed",
    ]


def test_staff_sign_in_to_the_admin_with_email_and_password(staff: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/admin/login/")
    response = browser.post(
        "/admin/login/?next=/admin/",
        {
            "username": "staff@waybill.test",
            "password": "correct horse battery",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert browser.get("/admin/shipments/shipment/").status_code == 200


def test_staff_see_and_change_notification_settings_through_the_service(
    staff_client: Client, organization: Organization
) -> None:
    response = staff_client.post(
        "/admin/notifications/organizationnotificationsettings/add/",
        {"organization": str(organization.pk), "member_statuses": ["delivered"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    chosen = OrganizationNotificationSettings.unscoped.get(organization=organization)
    assert (chosen.email_customers, chosen.member_statuses) == (False, ["delivered"])
    assert AuditLog.unscoped.filter(action="notifications.settings_changed").exists()
    listing = staff_client.get(
        "/admin/notifications/organizationnotificationsettings/?email_customers__exact=0"
    )
    assert organization.name in listing.content.decode()
    assert staff_client.get("/admin/notifications/notificationsubscription/").status_code == 200
