"""Proof of delivery: photo, signature and note on the shipment page, the printable page and the admin."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.shipments.models import ProofOfDelivery, Shipment
from waybill_django.shipments.services import shipment_deliver

PHOTO = b"\x89PNG\r\n\x1a\n" + b"photo-bytes" * 4
SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"signature-bytes" * 4


@pytest.fixture
def delivered(members: dict[Role, User], make_shipment: Callable[..., Shipment], truck: Vehicle) -> Shipment:
    shipment = make_shipment("POD-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    return shipment_deliver(
        shipment=shipment,
        actor=members[Role.DRIVER],
        recipient_name="Rita Recipient",
        note="Left with the neighbour at no. 4",
        photo=SimpleUploadedFile("door.png", PHOTO, "image/png"),
        signature=SimpleUploadedFile("signature.png", SIGNATURE, "image/png"),
    )


def test_a_dispatcher_sees_the_photo_signature_and_note_on_the_shipment_page(
    members: dict[Role, User], signed_in: Callable[[User], Client], delivered: Shipment
) -> None:
    client = signed_in(members[Role.DISPATCHER])
    page = client.get(reverse("dashboard:shipment", args=[delivered.pk])).content.decode()
    photo_url = reverse("dashboard:shipment_proof_file", args=[delivered.pk, "photo"])
    signature_url = reverse("dashboard:shipment_proof_file", args=[delivered.pk, "signature"])
    assert "Proof of delivery" in page
    assert "Rita Recipient" in page
    assert "Left with the neighbour at no. 4" in page
    assert f'src="{photo_url}"' in page
    assert f'src="{signature_url}"' in page
    assert "/media/" not in page

    photo = client.get(photo_url)
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    assert photo["Content-Disposition"].startswith("inline")
    assert "private" in photo["Cache-Control"]
    assert b"".join(photo.streaming_content) == PHOTO  # type: ignore[attr-defined]
    signature = client.get(signature_url)
    assert b"".join(signature.streaming_content) == SIGNATURE  # type: ignore[attr-defined]


def test_the_printable_page_holds_the_shipment_and_its_proof(
    members: dict[Role, User], signed_in: Callable[[User], Client], delivered: Shipment
) -> None:
    client = signed_in(members[Role.VIEWER])
    page = client.get(reverse("dashboard:shipment_proof", args=[delivered.pk])).content.decode()
    assert "Proof of delivery · POD-1" in page
    assert delivered.tracking_code in page
    assert "Rita Recipient" in page
    assert "data-print" in page
    assert "<script>" not in page  # the print button is wired in a static file (CSP)


def test_a_shipment_without_proof_sends_the_printable_page_back(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("NOPE-1")
    client = signed_in(members[Role.DISPATCHER])
    response = client.get(reverse("dashboard:shipment_proof", args=[shipment.pk]))
    assert response["Location"] == reverse("dashboard:shipment", args=[shipment.pk])
    assert (
        client.get(reverse("dashboard:shipment_proof_file", args=[shipment.pk, "photo"])).status_code == 404
    )


def test_the_files_are_not_served_to_other_organizations_or_anonymous_visitors(
    client: Client, delivered: Shipment, elsewhere: tuple[User, Shipment, Vehicle]
) -> None:
    url = reverse("dashboard:shipment_proof_file", args=[delivered.pk, "photo"])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    outsider, _, _ = elsewhere
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dashboard:shipment_proof", args=[delivered.pk])).status_code == 404


def test_an_unknown_kind_of_file_is_not_found(
    members: dict[Role, User], signed_in: Callable[[User], Client], delivered: Shipment
) -> None:
    client = signed_in(members[Role.OWNER])
    assert (
        client.get(reverse("dashboard:shipment_proof_file", args=[delivered.pk, "note"])).status_code == 404
    )


def test_staff_see_the_images_in_the_admin(client: Client, staff: User, delivered: Shipment) -> None:
    client.force_login(staff)
    proof = ProofOfDelivery.objects.get(shipment=delivered)
    file_url = reverse("admin:shipments_proofofdelivery_file", args=[proof.pk, "photo"])
    change = client.get(reverse("admin:shipments_shipment_change", args=[delivered.pk])).content.decode()
    assert f'src="{file_url}"' in change
    assert "/media/" not in change
    listing = client.get(reverse("admin:shipments_proofofdelivery_changelist")).content.decode()
    assert f'src="{file_url}"' in listing
    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PHOTO  # type: ignore[attr-defined]


def test_members_who_are_not_staff_cannot_use_the_admins_file_view(
    members: dict[Role, User], signed_in: Callable[[User], Client], delivered: Shipment
) -> None:
    proof = ProofOfDelivery.objects.get(shipment=delivered)
    client = signed_in(members[Role.OWNER])
    response = client.get(reverse("admin:shipments_proofofdelivery_file", args=[proof.pk, "photo"]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
