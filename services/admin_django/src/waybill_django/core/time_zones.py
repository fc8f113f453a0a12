"""Time zones people choose for an organization or for themselves (IANA names, e.g. Europe/Berlin)."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

DEFAULT_TIME_ZONE = "UTC"


@cache
def time_zone_names() -> tuple[str, ...]:
    # Legacy aliases ("US/Eastern", "Etc/GMT+5") are valid but confusing in a list of choices.
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "US/", "SystemV/"))
    }
    return tuple(sorted(names | {DEFAULT_TIME_ZONE}))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(name: str) -> None:
    if name and name not in time_zone_names():
        raise ValidationError(
            f"“{name}” is not a time zone; pick one such as Europe/Berlin.", code="time_zone"
        )


def zone_for(*, user_zone: str, organization_zone: str) -> str:
    """The zone a person sees times in: their own choice, else their organization's."""
    return user_zone or organization_zone or DEFAULT_TIME_ZONE
