from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from waybill_django.dashboard.navigation import request_navigation
from waybill_django.shipments.models import STATUS_LABELS
from waybill_django.shipments.selectors import Stop

register = template.Library()
_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """A status as a coloured badge; live.js keeps ``data-status`` and the text in step with events."""
    return format_html(
        '<span class="badge badge--{}" data-status="{}">{}</span>', status, status, status_label(status)
    )


@register.filter
def status_label(status: str) -> str:
    return _LABELS.get(str(status), str(status))


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago ``moment`` was, in words; under a minute is "just now" (not "0 minutes ago")."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


_WHEN_FORMATS = {"": "M j, H:i T", "time": "H:i T", "seconds": "M j, H:i:s T", "long": "M j, Y, H:i T"}


@register.filter
def when(moment: datetime | None, style: str = "") -> SafeString | str:
    """A moment as ``<time>`` in the page's time zone, always with the zone's name: "Dec 1, 13:12 CET"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), date_format(local, _WHEN_FORMATS[style])
    )


@register.filter
def geo_uri(stop: Stop) -> str:
    """A ``geo:`` URI (RFC 5870) that phones hand to their maps app for directions to ``stop``."""
    if stop.latitude is not None and stop.longitude is not None:
        point = f"{stop.latitude:.6f},{stop.longitude:.6f}"
        return f"geo:{point}?q={point}({quote(stop.address, safe='')})"
    return f"geo:0,0?q={quote(stop.address, safe='')}"


@register.filter
def tel_uri(phone: str) -> str:
    """A ``tel:`` URI (RFC 3966) of a phone number as typed: only the + and the digits are dialled."""
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


@register.inclusion_tag("dashboard/partials/_topbar.html", takes_context=True)
def product_topbar(context: template.Context) -> dict[str, Any]:
    """The dashboard's top bar on a page its views do not render (allauth's account pages)."""
    request = context["request"]
    return {"request": request, "csrf_token": context.get("csrf_token"), **request_navigation(request)}


@register.filter
def km(metres: int | None) -> str:
    """Metres as kilometres with one decimal: 12345 → "12.3"."""
    return "" if metres is None else f"{metres / 1000:.1f}"
