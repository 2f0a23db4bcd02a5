"""Family 2, static attributes (SEGMENTS.md): who the user is, as of the snapshot.

Segments (family ``attributes``):

- ``age_<band>``: the band of ``segments.attributes.age_bands`` (``[lowest, highest, name]``,
  both ends inclusive, first match wins) holding the user's age: ``age_lt_18``,
  ``age_18_24``, ``age_25_34``, ``age_35_44``, ``age_45_59``, ``age_60_plus``;
- ``gen_z``: birth year inside ``gen_z_birth_years`` (inclusive);
- ``silver``: age at least ``silver_min_age``;
- ``gender_<v>``, ``occupation_<v>``, ``province_<v>``, ``city_tier_<n>``,
  ``device_<model>``, ``os_<os>``, ``os_version_<os>_<version>``, ``dept_<department>``,
  ``rank_<rank>``: free text through ``segment_name`` (``iPhone 15`` -> ``device_iphone_15``).

No row for a null attribute, nor for one with no letter or digit (see ``columns.tag``).
Derived profile column: ``age_band`` (the band name, e.g. ``25_34``; null when age is null
or in no band).
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import tag

FAMILY = "attributes"
CONF = "segments.attributes"
# (segment prefix, profile columns whose values complete the name)
TAGGED_ATTRIBUTES = (
    ("gender", ("gender",)),
    ("occupation", ("occupation",)),
    ("province", ("province",)),
    ("city_tier", ("city_tier",)),
    ("device", ("device_model",)),
    ("os", ("os",)),
    ("os_version", ("os", "os_version")),
    ("dept", ("org_department",)),
    ("rank", ("org_rank",)),
)


def age_band(age: Column, bands: Sequence[Sequence]) -> Column:
    """The name of the first ``[lowest, highest, name]`` band holding age; null if none."""
    (first_low, first_high, first_name), *others = bands
    band = F.when(age.between(first_low, first_high), F.lit(first_name))
    for low, high, name in others:
        band = band.when(age.between(low, high), F.lit(name))
    return band


def is_gen_z(birth_year: Column, first_year: int, last_year: int) -> Column:
    return birth_year.between(first_year, last_year)


def is_silver(age: Column, min_age: int) -> Column:
    return age >= min_age


def with_attributes_columns(cfg: Config) -> Transform:
    """Adds age_band."""
    band = age_band(F.col("age"), cfg.get(f"{CONF}.age_bands"))

    def transform(profile: DataFrame) -> DataFrame:
        return profile.withColumn("age_band", band)

    return transform


def attributes_memberships(cfg: Config) -> Transform:
    """Profile with the attribute columns -> one membership row per segment held."""
    first_year, last_year = cfg.get(f"{CONF}.gen_z_birth_years")
    segments = [
        ("gen_z", is_gen_z(F.col("birth_year"), first_year, last_year)),
        ("silver", is_silver(F.col("age"), cfg.get(f"{CONF}.silver_min_age"))),
    ]
    valued = [tag("age", F.col("age_band"))]
    valued += [tag(prefix, *[F.col(c) for c in columns]) for prefix, columns in TAGGED_ATTRIBUTES]

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile, FAMILY, segments, valued)

    return transform
