"""Marketing consent: users without it on D are in no marketing segment of D.

The consent in force on D is the profile's ``consent_marketing`` (jobs/profile: the latest
version of silver/user_consent landed on or before D). Only true is consent: false
(never given or withdrawn) and null (unknown) are not.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.errors import ConfigError

Transform = Callable[[DataFrame], DataFrame]


def has_consent(consent: Column) -> Column:
    """True only for an explicit yes; no answer is no consent."""
    return F.coalesce(consent, F.lit(False))


def consenting_users(profile: DataFrame) -> DataFrame:
    """(snapshot_date, user_key) of the profile's users with marketing consent on D."""
    return profile.filter(has_consent(F.col("consent_marketing"))).select("snapshot_date",
                                                                          "user_key")


def gated_families(cfg: Config, known: tuple[str, ...]) -> tuple[str, ...]:
    """The families whose rows need consent: the marketing ones, or every family when
    non-consenting users must not count in aggregates either."""
    if not bool(cfg.get("privacy.consent.count_in_aggregates")):
        return known
    listed = tuple(cfg.get("privacy.consent.marketing_families"))
    unknown = sorted(set(listed) - set(known))
    if unknown:
        raise ConfigError(f"privacy.consent.marketing_families names unknown famil"
                          f"{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
                          f"known: {', '.join(known)}")
    return listed


def filter_consented(profile: DataFrame, families: tuple[str, ...]) -> Transform:
    """Membership rows without the rows of ``families`` held by users without consent."""
    def transform(membership: DataFrame) -> DataFrame:
        if not families:
            return membership
        gated = F.col("family").isin(*families)
        kept = membership.filter(gated).join(consenting_users(profile),
                                             on=["snapshot_date", "user_key"], how="left_semi")
        return membership.filter(~gated).unionByName(kept)

    return transform
