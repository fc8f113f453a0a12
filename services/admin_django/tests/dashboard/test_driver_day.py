"""The driver's phone view: a refused delivery keeps the driver there with their input, a typed
signature, and the hand-off to the phone's maps app."""

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import ProofOfDelivery, Shipment


def _on_the_road(make_shipment: Callable[..., Shipment], truck: Vehicle) -> Shipment:
    return make_shipment("DAY-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)


def test_a_refused_photo_keeps_the_driver_on_my_day_with_their_input(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = _on_the_road(make_shipment, truck)
    response = signed_in(members[Role.DRIVER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {
            "to_status": "delivered",
            "next": reverse("dashboard:driver"),
            "recipient_name": "Rita <b>Recipient</b>",
            "delivery_note": "Behind the blue gate",
            "signed_name": "Rita R.",
            "photo": SimpleUploadedFile("door.png", b"this is text, not a picture", "image/png"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>My day</h1>" in page, "the phone flow, not the desktop detail page"
    assert "The shipment was not moved" not in page
    assert '<details class="drive__deliver" open>' in page
    assert 'value="Rita &lt;b&gt;Recipient&lt;/b&gt;"' in page, "the name is kept, escaped"
    assert 'value="Behind the blue gate"' in page
    assert 'value="Rita R."' in page
    error_id = f"photo-{shipment.pk}-error"
    assert f'aria-describedby="{error_id}"' in page
    assert f'<p class="field-error" id="{error_id}">Upload a PNG, JPEG or WebP image.</p>' in page
    assert "data-rejected" in page, "signature.js restores the drawn strokes of a refused form"
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.IN_TRANSIT
    assert not ProofOfDelivery.objects.filter(shipment=shipment).exists()


def test_the_detail_page_keeps_its_own_error_for_a_move_sent_from_it(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = _on_the_road(make_shipment, truck)
    response = signed_in(members[Role.DRIVER]).post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {
            "to_status": "delivered",
            "recipient_name": "Rita",
            "photo": SimpleUploadedFile("door.png", b"text", "image/png"),
        },
    )
    assert response.status_code == 400
    assert "The shipment was not moved" in response.content.decode()


def test_a_typed_name_is_a_signature_the_server_keeps_and_shows(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = _on_the_road(make_shipment, truck)
    client = signed_in(members[Role.DRIVER])
    day = client.get(reverse("dashboard:driver")).content.decode()
    assert f'<label for="signed-name-{shipment.pk}">Or type your name to sign (optional)</label>' in day
    response = client.post(
        reverse("dashboard:shipment_move", args=[shipment.pk]),
        {
            "to_status": "delivered",
            "next": reverse("dashboard:driver"),
            "recipient_name": "Rita",
            "signed_name": "  Rita <script>Recipient</script> ",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:driver")
    proof = ProofOfDelivery.objects.get(shipment=shipment)
    assert proof.signed_name == "Rita <script>Recipient</script>"
    assert not proof.signature

    page = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:shipment_proof", args=[shipment.pk]))
    body = page.content.decode()
    assert "Rita &lt;script&gt;Recipient&lt;/script&gt;" in body
    assert "Signature, typed" in body
    assert "No photo or signature was recorded." not in body


def test_my_day_hands_the_next_stop_to_the_phones_maps_app(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    fetch = make_shipment("DAY-PICK", S.BOOKED, S.ASSIGNED, vehicle=truck)
    deliver = make_shipment("DAY-DROP", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck)
    Shipment.unscoped.filter(pk=deliver.pk).update(destination_latitude=None, destination_longitude=None)
    page = signed_in(members[Role.DRIVER]).get(reverse("dashboard:driver")).content.decode()
    assert fetch.origin_latitude is not None
    assert 'href="geo:51.900000,4.460000?q=51.900000,4.460000(1%20Quay%2C%20Rotterdam)"' in page
    assert "Navigate to the pickup" in page
    assert 'href="geo:0,0?q=2%20Street%2C%20Utrecht"' in page, "no coordinates: the address is searched"
    assert "Navigate to the delivery" in page


def test_the_live_part_of_the_detail_page_holds_the_route_card(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("LIVE-1", S.BOOKED)
    Shipment.unscoped.filter(pk=shipment.pk).update(customer_name="Nora Nordwind")
    fragment = signed_in(members[Role.VIEWER]).get(
        reverse("dashboard:shipment", args=[shipment.pk]), headers={"HX-Request": "true"}
    )
    body = fragment.content.decode()
    assert "<html" not in body
    assert 'id="route-title"' in body
    assert "Nora Nordwind" in body
    assert "2 Street, Utrecht" in body


def test_my_day_offers_to_call_the_recipient_and_the_detail_page_shows_the_number(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("DAY-CALL", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck)
    Shipment.unscoped.filter(pk=shipment.pk).update(customer_phone="+31 20 555-0101")
    page = signed_in(members[Role.DRIVER]).get(reverse("dashboard:driver")).content.decode()
    assert '<a class="button button--ghost" href="tel:+31205550101">Call Customer of DAY-CALL</a>' in page
    detail = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:shipment", args=[shipment.pk]))
    assert '<a href="tel:+31205550101">+31 20 555-0101</a>' in detail.content.decode()


def test_a_phone_number_that_is_not_one_is_refused_beside_its_field(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:shipment_new"),
        {
            "reference": "PHONE-1",
            "origin_address": "1 Quay",
            "destination_address": "2 Street",
            "customer_phone": "call me maybe",
            "parcels": "1",
        },
    )
    assert response.status_code == 400
    assert "Enter a phone number" in response.content.decode()
    assert not Shipment.objects.in_organization(organization).filter(reference="PHONE-1").exists()


def _assigned(make_shipment: Callable[..., Shipment], truck: Vehicle, reference: str) -> Shipment:
    return make_shipment(reference, S.BOOKED, S.ASSIGNED, vehicle=truck)


def test_my_day_asks_for_the_parcels_label_at_pick_up_and_may_use_the_camera(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = _assigned(make_shipment, truck, "PICK-1")
    response = signed_in(members[Role.DRIVER]).get(reverse("dashboard:driver"))
    page = response.content.decode()
    assert '<summary class="button button--big">Picked up…</summary>' in page
    assert f'<label for="label-{shipment.pk}">Code on the label</label>' in page
    assert 'name="confirm_label" value="on"' in page
    assert "camera=(self)" in response["Permissions-Policy"]
    assert (
        "camera=()"
        in signed_in(members[Role.DRIVER]).get(reverse("dashboard:overview"))["Permissions-Policy"]
    )


def test_a_pick_up_with_another_parcels_label_is_refused_beside_the_code(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = _assigned(make_shipment, truck, "PICK-2")
    other = _assigned(make_shipment, truck, "PICK-3")
    client = signed_in(members[Role.DRIVER])
    move = reverse("dashboard:shipment_move", args=[shipment.pk])
    form = {"to_status": "picked_up", "next": reverse("dashboard:driver"), "confirm_label": "on"}

    refused = client.post(move, {**form, "label_code": other.tracking_code})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "<h1>My day</h1>" in page
    assert '<details class="drive__pickup" open>' in page
    assert f"This is not the label of PICK-2 (it reads {other.tracking_code})" in page
    assert f'value="{other.tracking_code}"' in page
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.ASSIGNED

    empty = client.post(move, {**form, "label_code": "  "})
    assert empty.status_code == 400
    assert (
        "Scan the parcel&#x27;s label, or type the code printed under its QR code." in empty.content.decode()
    )
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.ASSIGNED

    confirmed = client.post(move, {**form, "label_code": shipment.tracking_code})
    assert confirmed.status_code == 302
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.PICKED_UP
