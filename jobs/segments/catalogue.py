"""The catalogue of segment names: every name a family may publish, as one pattern per family.

The quality gate checks each published (family, segment) against it, so a typo in a
family module or a value nobody expected ("age_" with an empty band) stops publication
instead of reaching a dashboard. Fixed names are listed; names built from a value
(``province_<v>``, ``device_<model>``) are a prefix plus the ``segment_name`` alphabet
(letters of any script, digits, '_'). Slot and RFM group names come from the conf.
"""

from __future__ import annotations

import re

from jobs.common.config import Config
from jobs.segments.base import FAMILIES

VALUE = r"[\p{L}\p{N}]+(_[\p{L}\p{N}]+)*"    # what segment_name() can produce
# The stages of jobs/segments/lifecycle.py, also the profile suite's value set.
LIFECYCLE_STAGES = ("new", "churned", "declining", "mature", "growing")


def _alternatives(*names: str) -> str:
    return "|".join(names)


def family_patterns(cfg: Config) -> dict[str, str]:
    """family -> regular expression (Java and Python ``regex`` syntax) of its segment names."""
    slots = [*cfg.get("segments.scene.time_slots"), "daytime"]
    rfm_groups = [group["name"] for group in cfg.get("segments.rfm.groups")]
    bands = [band[2] for band in cfg.get("segments.attributes.age_bands")]
    return {
        "behaviour": _alternatives("silent", "deep_user", "msg_high", "msg_low",
                                   "content_pref_(article|video|live|mixed)",
                                   "depth_(payment|miniprogram|chat)"),
        "attributes": _alternatives("gen_z", "silver", f"age_({'|'.join(map(re.escape, bands))})",
                                    *(f"{prefix}_{VALUE}" for prefix in (
                                        "gender", "occupation", "province", "city_tier",
                                        "device", "os", "os_version", "dept", "rank"))),
        "social": _alternatives("strong_tie_hub", "tight_circle", "influencer"),
        "consumption": _alternatives("spend_high", "spend_mid", "spend_low", "high_value",
                                     "growth_spender", "price_sensitive", "regular_buyer",
                                     "seasonal_buyer", f"predicted_{VALUE}"),
        "rfm": _alternatives(*rfm_groups),
        "interest": f"interest_{VALUE}",
        "lifecycle": _alternatives(*LIFECYCLE_STAGES, "needs_onboarding", "conversion_ready",
                                   "loyal_streak", "churn_warning"),
        "scene": _alternatives("device_(phone|tablet|pc)", "network_(wifi|5g|4g|weak)",
                               "weekday_evening_20_22", "weekend_morning", *slots),
        "custom": VALUE,
    }


def segment_patterns(cfg: Config) -> dict[str, str]:
    """family -> the anchored pattern of its names; every family of FAMILIES has one."""
    patterns = family_patterns(cfg)
    missing = set(FAMILIES) - set(patterns)
    if missing:  # a new family must say what it publishes
        raise ValueError(f"no catalogue entry for famil(ies) {', '.join(sorted(missing))}")
    return {family: f"^({pattern})$" for family, pattern in patterns.items()}
