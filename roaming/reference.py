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

SECTORAL_INDUSTRIES = (
    "Aerospace vehicles and defence",
    "Agricultural inputs and services",
    "Apparel",
    "Automotive",
    "Biopharmaceuticals",
    "Business services",
    "Coal mining",
    "Communications equipment and services",
    "Construction products and services",
    "Distribution and electronic commerce",
    "Downstream chemical products",
    "Downstream metal products",
    "Education and knowledge creation",
    "Electric power generation and transmission",
    "Environmental services",
    "Financial services",
    "Fishing and fishing products",
    "Food processing and manufacturing",
    "Footwear",
    "Forestry",
    "Furniture",
    "Hospitality and tourism",
    "Information technology and analytical instruments",
    "Insurance services",
    "Jewellery and precious metals",
    "Leather and related products",
    "Lighting and electrical equipment",
    "Livestock processing",
    "Marketing, design and publishing",
    "Medical devices",
    "Metal mining",
    "Metalworking technology",
    "Music and sound recording",
    "Nonmetal mining",
    "Oil and gas production and transportation",
    "Paper and packaging",
    "Performing arts",
    "Plastics",
    "Printing services",
    "Production technology and heavy machinery",
    "Recreational and small electric goods",
    "Textile manufacturing",
    "Tobacco",
    "Trailers, motor homes and appliances",
    "Transportation and logistics",
    "Upstream chemical products",
    "Upstream metal manufacturing",
    "Video production and distribution",
    "Vulcanised and fired materials",
    "Water transportation",
    "Wood products",
)
EMERGING_INDUSTRIES = (
    "Advanced packaging",
    "Biopharmaceuticals (emerging)",
    "Blue growth industries",
    "Creative industries",
    "Digital industries",
    "Environmental industries",
    "Experience industries",
    "Logistical services",
    "Medical devices (emerging)",
    "Mobility technologies",
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
