"""Limits on proof-of-delivery uploads: a small image, recognised by its bytes, not its name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

# The first bytes of each accepted format; the client's content type is not trusted.
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}


def sniff_image_type(head: bytes) -> str | None:
    for content_type, prefixes in _SIGNATURES.items():
        if head.startswith(prefixes):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None


def validate_proof_upload(upload: File[bytes]) -> None:
    limit: int = settings.PROOF_OF_DELIVERY_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB.", code="too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if sniff_image_type(head) is None:
        raise ValidationError("Upload a PNG, JPEG or WebP image.", code="bad_type")
