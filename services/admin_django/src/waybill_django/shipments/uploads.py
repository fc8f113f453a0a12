"""Limits on proof-of-delivery uploads: a small image, recognised by its bytes, not its name."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

# The first bytes of each accepted format; the client's content type is not trusted.
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


def sniff_image_type(head: bytes) -> str | None:
    for content_type, prefixes in _SIGNATURES.items():
        if head.startswith(prefixes):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None


def _head(upload: File[bytes]) -> bytes:
    upload.seek(0)
    head: bytes = upload.read(16)
    upload.seek(0)
    return head


def proof_file_name(upload: File[bytes]) -> str:
    """The name a proof is stored under: chosen here, with the extension of the type its bytes show.

    Never the client's name or extension, so a file that merely starts like a
    PNG cannot be stored as ``.html`` or ``.svg``.
    """
    content_type = sniff_image_type(_head(upload)) or ""
    return f"{uuid.uuid4().hex}{_EXTENSIONS.get(content_type, '.bin')}"


def validate_proof_upload(upload: File[bytes]) -> None:
    limit: int = settings.PROOF_OF_DELIVERY_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB.", code="too_large")
    if sniff_image_type(_head(upload)) is None:
        raise ValidationError("Upload a PNG, JPEG or WebP image.", code="bad_type")
