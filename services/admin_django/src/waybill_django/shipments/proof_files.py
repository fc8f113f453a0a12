"""Serving a proof of delivery's photo or signature to someone already allowed to see the shipment.

The files live in the default storage (a private volume or bucket) and are never published under a
media URL: every request goes through a view that has checked the organization first.
"""

from typing import Literal

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from waybill_django.shipments.models import ProofOfDelivery
from waybill_django.shipments.uploads import sniff_image_type

ProofFile = Literal["photo", "signature"]
PROOF_FILES: tuple[ProofFile, ...] = ("photo", "signature")


def proof_file_response(*, proof: ProofOfDelivery | None, kind: str) -> FileResponse:
    """The stored image as an inline response; 404 when there is none."""
    if proof is None or kind not in PROOF_FILES:
        raise Http404("No such file.")
    name = getattr(proof, kind).name
    if not name or not default_storage.exists(name):
        raise Http404("No such file.")
    handle = default_storage.open(name, "rb")
    head = handle.read(16)
    handle.seek(0)
    content_type = sniff_image_type(head)
    if content_type is None:  # stored before uploads were checked: never serve it as something runnable
        handle.close()
        raise Http404("No such file.")
    response = FileResponse(handle, content_type=content_type, filename=name.rsplit("/", 1)[-1])
    # Personal data: the browser may keep it for the page, shared caches never.
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
