import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.workflow import FINISHED
from waybill_django.core.gazetteer import geocode
from waybill_django.core.tenancy import TenantModel
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.uploads import validate_proof_upload

STATUS_LABELS = {status: status.name.replace("_", " ").title() for status in ShipmentStatus}
STATUS_CHOICES = [(status.value, label) for status, label in STATUS_LABELS.items()]

_LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
_LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]
_PHONE = [
    RegexValidator(
        r"^\+?[0-9][0-9 ()./-]{2,30}$",
        "Enter a phone number: digits, with an optional leading + and spaces, ( ) - . or /.",
    )
]


# The descriptive fields: the ones a person types in (dashboard, admin, API, CSV import).
DETAIL_FIELDS = (
    "reference",
    "customer_name",
    "customer_email",
    "customer_phone",
    "origin_address",
    "origin_latitude",
    "origin_longitude",
    "destination_address",
    "destination_latitude",
    "destination_longitude",
    "pickup_window_start",
    "pickup_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "weight_kg",
    "parcels",
)
COORDINATE_PAIRS = (
    ("origin_latitude", "origin_longitude"),
    ("destination_latitude", "destination_longitude"),
)
ADDRESS_FIELDS = ("origin_address", "destination_address")
BOTH_COORDINATES = "Give both the latitude and the longitude, or neither."


def new_tracking_code() -> str:
    """An unguessable public code (about 95 bits), safe to print on a label."""
    return secrets.token_urlsafe(12)


class Shipment(TenantModel):
    """A consignment moving from an origin to a destination.

    ``status``, ``status_before_exception``, ``vehicle`` and ``exception_reason``
    change only through the workflow functions in ``services``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(max_length=64)
    tracking_code = models.CharField(max_length=32, unique=True, default=new_tracking_code, editable=False)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(
        max_length=32,
        blank=True,
        db_default="",
        validators=_PHONE,
        help_text="For the driver to call the recipient; never shown on the public tracking page.",
    )
    origin_address = models.CharField(max_length=300)
    origin_latitude = models.FloatField(null=True, blank=True, validators=_LATITUDE)
    origin_longitude = models.FloatField(null=True, blank=True, validators=_LONGITUDE)
    destination_address = models.CharField(max_length=300)
    destination_latitude = models.FloatField(null=True, blank=True, validators=_LATITUDE)
    destination_longitude = models.FloatField(null=True, blank=True, validators=_LONGITUDE)
    pickup_window_start = models.DateTimeField(null=True, blank=True)
    pickup_window_end = models.DateTimeField(null=True, blank=True)
    delivery_window_start = models.DateTimeField(null=True, blank=True)
    delivery_window_end = models.DateTimeField(null=True, blank=True)
    weight_kg = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # Not a PositiveIntegerField: its form field would refuse -1 with "≥ 0", the model with "≥ 1".
    parcels = models.IntegerField(default=1, validators=[MinValueValidator(1)])
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=ShipmentStatus.DRAFT.value)
    status_before_exception = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    exception_reason = models.TextField(blank=True)
    # Written by the worker (``shipments.eta`` and ``shipments.lateness``), never by a form.
    eta = models.DateTimeField(null=True, blank=True, editable=False)
    eta_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    at_risk = models.BooleanField(default=False, db_default=False, editable=False)
    late_reported_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "reference"), name="shipment_reference_unique_in_org"
            ),
            models.CheckConstraint(
                condition=models.Q(pickup_window_end__isnull=True)
                | models.Q(pickup_window_start__isnull=True)
                | models.Q(pickup_window_end__gte=models.F("pickup_window_start")),
                name="shipment_pickup_window_ordered",
                violation_error_message="The pickup window must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_window_end__isnull=True)
                | models.Q(delivery_window_start__isnull=True)
                | models.Q(delivery_window_end__gte=models.F("delivery_window_start")),
                name="shipment_delivery_window_ordered",
                violation_error_message="The delivery window must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=("organization", "status"))]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_finished(self) -> bool:
        """Delivered or cancelled: nothing more happens (``waybill_contracts.workflow.FINISHED``)."""
        return self.status in FINISHED

    def clean(self) -> None:
        """The rules between fields, each error on the field a person corrects.

        Every entry point validates through the model (``full_clean`` in the
        services, model forms, :func:`shipment_details_check` for the CSV import),
        so the rules and their messages exist once.
        """
        self.locate_addresses()
        errors: dict[str, str] = {}
        for latitude, longitude in COORDINATE_PAIRS:
            given = (getattr(self, latitude) is not None, getattr(self, longitude) is not None)
            if given == (True, False):
                errors[longitude] = BOTH_COORDINATES
            elif given == (False, True):
                errors[latitude] = BOTH_COORDINATES
        if _before(self.pickup_window_end, self.pickup_window_start):
            errors["pickup_window_end"] = "The pickup window must end after it starts."
        if _before(self.delivery_window_end, self.delivery_window_start):
            errors["delivery_window_end"] = "The delivery window must end after it starts."
        elif _before(self.delivery_window_end, self.pickup_window_start):
            errors["delivery_window_end"] = "The delivery window must end after the pickup window starts."
        if errors:
            raise ValidationError(errors)

    def locate_addresses(self) -> None:
        """Fill an end's missing coordinates from the offline gazetteer (the city its address names).

        An address it does not know keeps empty coordinates, as before: the
        shipment is valid, and the planner lists it as left out for that reason.
        """
        for address, (latitude, longitude) in zip(ADDRESS_FIELDS, COORDINATE_PAIRS, strict=True):
            text = getattr(self, address)
            if not text or getattr(self, latitude) is not None or getattr(self, longitude) is not None:
                continue
            place = geocode(text)
            if place is not None:
                setattr(self, latitude, place.latitude)
                setattr(self, longitude, place.longitude)


def _before(end: Any, start: Any) -> bool:
    return end is not None and start is not None and end < start


def shipment_details_check(details: dict[str, Any]) -> None:
    """Check details by the model's rules without a query (no unique or check-constraint lookups).

    For bulk paths such as the CSV import, which check references for the
    whole file at once; raises ``ValidationError`` keyed by field, and sets the
    coordinates the model locates in ``details``.
    """
    others = [field.name for field in Shipment._meta.fields if field.name not in details]
    shipment = Shipment(**details)
    shipment.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    # What the model filled in (coordinates from the gazetteer) goes back to the caller's details.
    for latitude, longitude in COORDINATE_PAIRS:
        details[latitude], details[longitude] = getattr(shipment, latitude), getattr(shipment, longitude)


class TrackingEvent(TenantModel):
    """One entry of a shipment's timeline, written by each workflow step."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    previous_status = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ("occurred_at", "id")

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.previous_status or '∅'} → {self.status}"


class ProofOfDelivery(models.Model):
    """What the driver recorded at the door."""

    shipment = models.OneToOneField(Shipment, on_delete=models.CASCADE, related_name="proof_of_delivery")
    recipient_name = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    photo = models.FileField(upload_to="proof/photos/%Y/%m/", blank=True, validators=[validate_proof_upload])
    signature = models.FileField(
        upload_to="proof/signatures/%Y/%m/", blank=True, validators=[validate_proof_upload]
    )
    signed_name = models.CharField(
        max_length=200, blank=True, help_text="A signature typed instead of drawn (keyboard alternative)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "proofs of delivery"

    def __str__(self) -> str:
        return f"{self.shipment} received by {self.recipient_name}"
