"""Reference lists and validators shared by the schemas: countries, languages, currencies, sectors.

Sectors follow the European Cluster Collaboration Platform, which classifies clusters by the
European Observatory for Clusters and Industrial Change's 51 sectoral industries and 10 emerging
industries. Countries are ISO 3166-1 alpha-2 (plus ``UK`` and ``EL``, which EU statistics and the
clusters themselves use for the United Kingdom and Greece), languages ISO 639-1, currencies
ISO 4217, time zones IANA.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

import pycountry
from marshmallow import ValidationError


def _l(text: str) -> str:
    """Marks a sector's name for the catalogues (``pybabel extract -k _l``) and returns it as it is:
    the names are codes in the data; pages show them translated (``roaming.i18n.sector_name``)."""
    return text


SECTORAL_INDUSTRIES = (
    _l("Aerospace vehicles and defence"),
    _l("Agricultural inputs and services"),
    _l("Apparel"),
    _l("Automotive"),
    _l("Biopharmaceuticals"),
    _l("Business services"),
    _l("Coal mining"),
    _l("Communications equipment and services"),
    _l("Construction products and services"),
    _l("Distribution and electronic commerce"),
    _l("Downstream chemical products"),
    _l("Downstream metal products"),
    _l("Education and knowledge creation"),
    _l("Electric power generation and transmission"),
    _l("Environmental services"),
    _l("Financial services"),
    _l("Fishing and fishing products"),
    _l("Food processing and manufacturing"),
    _l("Footwear"),
    _l("Forestry"),
    _l("Furniture"),
    _l("Hospitality and tourism"),
    _l("Information technology and analytical instruments"),
    _l("Insurance services"),
    _l("Jewellery and precious metals"),
    _l("Leather and related products"),
    _l("Lighting and electrical equipment"),
    _l("Livestock processing"),
    _l("Marketing, design and publishing"),
    _l("Medical devices"),
    _l("Metal mining"),
    _l("Metalworking technology"),
    _l("Music and sound recording"),
    _l("Nonmetal mining"),
    _l("Oil and gas production and transportation"),
    _l("Paper and packaging"),
    _l("Performing arts"),
    _l("Plastics"),
    _l("Printing services"),
    _l("Production technology and heavy machinery"),
    _l("Recreational and small electric goods"),
    _l("Textile manufacturing"),
    _l("Tobacco"),
    _l("Trailers, motor homes and appliances"),
    _l("Transportation and logistics"),
    _l("Upstream chemical products"),
    _l("Upstream metal manufacturing"),
    _l("Video production and distribution"),
    _l("Vulcanised and fired materials"),
    _l("Water transportation"),
    _l("Wood products"),
)
EMERGING_INDUSTRIES = (
    _l("Advanced packaging"),
    _l("Biopharmaceuticals (emerging)"),
    _l("Blue growth industries"),
    _l("Creative industries"),
    _l("Digital industries"),
    _l("Environmental industries"),
    _l("Experience industries"),
    _l("Logistical services"),
    _l("Medical devices (emerging)"),
    _l("Mobility technologies"),
)
SECTORS = SECTORAL_INDUSTRIES + EMERGING_INDUSTRIES

_EU_STATISTICAL_ALIASES = {"UK": "United Kingdom", "EL": "Greece"}
_NUTS_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,3}$")


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | frozenset(_EU_STATISTICAL_ALIASES)


@cache
def language_codes() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_country(value: str) -> None:
    if value not in country_codes():
        raise ValidationError(f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, IE).")


def validate_language(value: str) -> None:
    if value not in language_codes():
        raise ValidationError(f"'{value}' is not an ISO 639-1 language code (e.g. en, de, fr).")


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code (e.g. EUR, GBP).")


def validate_time_zone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError(f"'{value}' is not an IANA time zone (e.g. Europe/Berlin).")


def validate_sector(value: str) -> None:
    if value not in SECTORS:
        raise ValidationError(
            f"'{value}' is not a sector of the European Cluster Collaboration Platform's list "
            "(GET /api/reference/sectors lists them)."
        )


def looks_like_nuts_code(value: str) -> bool:
    return bool(_NUTS_CODE.match(value))
