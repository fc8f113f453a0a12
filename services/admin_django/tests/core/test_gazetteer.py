"""The offline gazetteer: which city an address names."""

import pytest

from waybill_django.core.gazetteer import geocode


@pytest.mark.parametrize(
    ("address", "city", "country"),
    [
        ("Coolsingel 40, 3011 AD Rotterdam, Netherlands", "Rotterdam", "NL"),
        ("1 Quay, Rotterdam", "Rotterdam", "NL"),
        ("koln", "Köln", "DE"),  # accents and case do not matter
        ("Den Haag", "The Hague", "NL"),  # an alternate name
        ("Paris", "Paris", "FR"),  # the most populous of the cities so named
        ("12 Main St, Paris, US", "Paris", "US"),  # a country as the last part narrows it
        ("Paris, USA", "Paris", "US"),
    ],
)
def test_an_address_finds_the_city_it_names(address: str, city: str, country: str) -> None:
    place = geocode(address)
    assert place is not None
    assert (place.name, place.country_code) == (city, country)


@pytest.mark.parametrize(
    "address",
    [
        "Unit 4, Nowhere Industrial Estate",
        # Words that are also airport codes among a city's alternate names (ALL, THE, SEA) are no city.
        "All Saints Yard",
        "The Quay",
        "Sea View",
    ],
)
def test_an_address_naming_no_known_city_finds_nothing(address: str) -> None:
    assert geocode(address) is None
