"""Configuration: conf/base.yaml overlaid by conf/<env>.yaml, validated once at load.

A missing or wrong value fails here, before any data is read, with the key named.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from jobs.common.errors import ConfigError

ENVIRONMENTS = ("local", "test", "cluster")
_MISSING = object()


def _is_share(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_timezone(value: Any) -> bool:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _is_slot(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and 0 <= v <= 1440 for v in value) and value[0] < value[1])


def _is_nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_score_range(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
            and value[0] <= value[1])


def _is_rfm_group_table(value: Any) -> bool:
    """[{name, r: [lo, hi], fm: [lo, hi]}, ...]: unique lower-case names, 1 <= lo <= hi."""
    if not isinstance(value, list) or not value:
        return False
    rows_ok = all(isinstance(g, Mapping) and set(g) == {"name", "r", "fm"}
                  and isinstance(g["name"], str) and g["name"].isidentifier()
                  and g["name"] == g["name"].lower()
                  and _is_score_range(g["r"]) and _is_score_range(g["fm"]) for g in value)
    return rows_ok and len({g["name"] for g in value}) == len(value)


def _is_age_bands(value: Any) -> bool:
    def is_band(band: Any) -> bool:
        return (isinstance(band, list) and len(band) == 3 and _is_nonempty_str(band[2])
                and all(isinstance(v, int) and not isinstance(v, bool) for v in band[:2])
                and 0 <= band[0] <= band[1])
    return isinstance(value, list) and bool(value) and all(is_band(b) for b in value)


Check = tuple[Callable[[Any], bool], str]
SHARE: Check = (_is_share, "a number between 0 and 1")
NUMBER: Check = (_is_number, "a non-negative number")
COUNT: Check = (_is_positive_int, "a positive integer")
TIMEZONE: Check = (_is_timezone, "an IANA time zone such as Asia/Shanghai")
DATE: Check = (_is_date, "a date YYYY-MM-DD")
NAMES: Check = (_is_str_list, "a non-empty list of strings")
SLOT: Check = (_is_slot, "[start, end) minutes after midnight")
TEXT: Check = (_is_nonempty_str, "a non-empty string")
FLAG: Check = (lambda value: isinstance(value, bool), "true or false")

# Every key a job relies on, with what it must hold.
SCHEMA: dict[str, Check] = {
    "lakehouse.root": TEXT,
    "business.timezone": TIMEZONE,
    "secrets.pseudonym_key_env": TEXT,
    "secrets.pseudonym_key_file": TEXT,
    "secrets.new_pseudonym_key_env": TEXT,
    "spark.profile": TEXT,
    "spark.shuffle_partitions": COUNT,
    "ingest.future_tolerance_minutes": NUMBER,
    "ingest.max_late_days": COUNT,
    "windows.state_keep_days": COUNT,
    "ingest.earliest_timestamp": TEXT,
    "ingest.max_order_amount": NUMBER,
    "ingest.max_duration_s": NUMBER,
    "ingest.event_types": NAMES,
    "ingest.content_types": NAMES,
    "ingest.device_types": NAMES,
    "ingest.networks": NAMES,
    "ingest.order_statuses": NAMES,
    "ingest.genders": NAMES,
    "generator.seed": COUNT,
    "generator.users": COUNT,
    "generator.snapshot_date": DATE,
    "generator.event_days": COUNT,
    "generator.order_days": COUNT,
    "generator.history_years": COUNT,
    "generator.bad_record_share": SHARE,
    "generator.late_event_share": SHARE,
    "generator.files_per_day": COUNT,
    "generator.circle_size": COUNT,
    "generator.hubs_share": SHARE,
    "segments.min_segment_size": COUNT,
    "quality.suites_dir": TEXT,
    "quality.drift.max_share": NUMBER,
    "quality.drift.min_members": COUNT,
    "quality.drift.blocking": FLAG,
    "privacy.consent.marketing_families": (lambda v: isinstance(v, list) and all(
        isinstance(f, str) for f in v), "a list of family names (may be empty)"),
    "privacy.consent.count_in_aggregates": FLAG,
    "privacy.k_anonymity.k": COUNT,
    "segments.behaviour.window_days": COUNT,
    "segments.behaviour.silent_min_registered_days": COUNT,
    "segments.behaviour.deep_user_hours_per_day": NUMBER,
    "segments.behaviour.msg_high_per_day": NUMBER,
    "segments.behaviour.msg_low_max_per_window": NUMBER,
    "segments.behaviour.content_window_days": COUNT,
    "segments.behaviour.content_pref_min_share": SHARE,
    "segments.behaviour.depth_window_days": COUNT,
    "segments.behaviour.engagement_window_days": COUNT,
    "segments.attributes.age_bands": (_is_age_bands, "a list of [lowest, highest, name] bands"),
    "segments.attributes.gen_z_birth_years": (lambda v: isinstance(v, list) and len(v) == 2,
                                              "[first, last] birth years"),
    "segments.attributes.silver_min_age": COUNT,
    "segments.social.strong_tie_min_mutual": COUNT,
    "segments.social.tight_circle_min_common": COUNT,
    "segments.social.influencer_top_share": SHARE,
    "segments.social.group_overlap_min_jaccard": SHARE,
    "segments.social.max_degree": COUNT,
    "segments.social.max_iterations": COUNT,
    "segments.consumption.window_days": COUNT,
    "segments.consumption.spend_high_min": NUMBER,
    "segments.consumption.spend_mid_min": NUMBER,
    "segments.consumption.high_value_ltv_multiple": NUMBER,
    "segments.consumption.growth_window_days": COUNT,
    "segments.consumption.growth_min_ratio": NUMBER,
    "segments.consumption.coupon_window_days": COUNT,
    "segments.consumption.price_sensitive_min_coupon_share": SHARE,
    "segments.consumption.price_sensitive_min_orders": COUNT,
    "segments.consumption.regular_min_orders": COUNT,
    "segments.consumption.regular_max_interval_cv": NUMBER,
    "segments.consumption.seasonal_min_orders": COUNT,
    "segments.consumption.seasonal_min_quarter_share": SHARE,
    "segments.rfm.window_days": COUNT,
    "segments.rfm.quintiles": COUNT,
    "segments.rfm.groups": (_is_rfm_group_table,
                            "a list of {name, r: [lo, hi], fm: [lo, hi]} with unique lower-case "
                            "names and 1 <= lo <= hi"),
    "segments.interest.implicit_dwell_multiple": NUMBER,
    "segments.interest.excluded_fast_exit_share": SHARE,
    "segments.interest.fast_exit_max_seconds": NUMBER,
    "segments.interest.lda_topics": COUNT,
    "segments.interest.window_days": COUNT,
    "segments.interest.explicit_window_days": COUNT,
    "segments.interest.lda_max_iter": COUNT,
    "segments.interest.lda_retrain_days": COUNT,
    "segments.interest.lda_seed": COUNT,
    "predict.time_unit_days": COUNT,
    "predict.horizon_days": COUNT,
    "predict.fit_resolution_days": COUNT,
    "predict.spend_buckets_per_log_unit": COUNT,
    "predict.hyp2f1_terms": COUNT,
    "predict.min_customers": COUNT,
    "segments.lifecycle.new_days": COUNT,
    "segments.lifecycle.churned_no_login_days": COUNT,
    "segments.lifecycle.declining_recent_days": COUNT,
    "segments.lifecycle.declining_max_ratio": SHARE,
    "segments.lifecycle.declining_min_prior_active_days": COUNT,
    "segments.lifecycle.mature_window_days": COUNT,
    "segments.lifecycle.mature_min_orders": COUNT,
    "segments.lifecycle.onboarding_max_event_types": COUNT,
    "segments.lifecycle.conversion_ready_min_product_views": COUNT,
    "segments.lifecycle.conversion_ready_window_days": COUNT,
    "segments.lifecycle.loyal_streak_min_days": COUNT,
    "segments.lifecycle.churn_warning_min_days": COUNT,
    "segments.lifecycle.churn_warning_max_days": COUNT,
    "segments.scene.window_days": COUNT,
    "segments.scene.weak_networks": NAMES,
    "segments.scene.weekday_evening_min_share": SHARE,
    "segments.scene.weekday_evening_slot": SLOT,
    "segments.scene.weekend_morning_min_share": SHARE,
    "segments.scene.weekend_morning_slot": SLOT,
    # custom rules, membership history, effect evaluation, discovery (jobs/rules, evaluate,
    # discover)
    "rules.library": TEXT,
    "evaluation.holdout_share": SHARE,
    "evaluation.holdout_salt": TEXT,
    "evaluation.follow_up_days": COUNT,
    "evaluation.confidence_z": NUMBER,
    "evaluation.min_group_size": COUNT,
    "evaluation.overlap_families": NAMES,
    "discovery.k": COUNT,
    "discovery.seed": COUNT,
    "discovery.max_iter": COUNT,
    "discovery.top_features": COUNT,
    "discovery.features": NAMES,
}


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return loaded


@dataclass(frozen=True)
class Config:
    """The merged, validated configuration of one environment."""

    data: Mapping[str, Any]
    env: str
    conf_dir: Path

    def get(self, key: str, default: Any = _MISSING) -> Any:
        """The value at a dotted key; a missing key without a default is a ConfigError."""
        value = _lookup(self.data, key)
        if value is _MISSING:
            if default is _MISSING:
                raise ConfigError(f"conf key '{key}' is missing (env {self.env}, {self.conf_dir})")
            return default
        return value

    def date(self, key: str) -> dt.date:
        value = self.get(key)
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    @property
    def timezone(self) -> str:
        return str(self.get("business.timezone"))

    @property
    def lakehouse_root(self) -> str:
        """LAKEHOUSE_ROOT wins; a relative conf path is taken from the working directory."""
        root = os.environ.get("LAKEHOUSE_ROOT") or str(self.get("lakehouse.root"))
        return root if "://" in root else str(Path(root).resolve())

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """A copy with dotted keys replaced (used by tests and by the CLI's --set)."""
        data: dict[str, Any] = _merge(self.data, {})
        for key, value in overrides.items():
            node = data
            *parents, leaf = key.split(".")
            for part in parents:
                node[part] = dict(node.get(part) or {})
                node = node[part]
            node[leaf] = value
        return validate(Config(data, self.env, self.conf_dir))


def validate(cfg: Config) -> Config:
    problems = []
    for key, (check, expected) in SCHEMA.items():
        value = _lookup(cfg.data, key)
        if value is _MISSING or value is None:
            problems.append(f"'{key}' is missing; expected {expected}")
        elif not check(value):
            problems.append(f"'{key}' = {value!r} is not {expected}")
    if problems:
        listing = "\n  ".join(problems)
        raise ConfigError(f"invalid configuration (env {cfg.env}, {cfg.conf_dir}):\n  {listing}")
    return cfg


def default_conf_dir() -> Path:
    """SEG_CONF_DIR, else ./conf in the working directory (the repository root)."""
    return Path(os.environ.get("SEG_CONF_DIR", "conf"))


def load_config(env: str = "local", conf_dir: str | Path | None = None,
                overlays: list[str | Path] | tuple[str | Path, ...] = ()) -> Config:
    """Read conf/base.yaml, overlay conf/<env>.yaml, then each overlay file; validate.

    An overlay is a data set's own settings (its time zone, its lakehouse, its column
    mapping), such as conf/datasets/online_retail.yaml.
    """
    if env not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment '{env}'; expected one of {', '.join(ENVIRONMENTS)}")
    directory = Path(conf_dir) if conf_dir is not None else default_conf_dir()
    base_file = directory / "base.yaml"
    if not base_file.is_file():
        raise ConfigError(f"configuration file {base_file} not found (set SEG_CONF_DIR or run "
                          "from the repository root)")
    data = _read_yaml(base_file)
    env_file = directory / f"{env}.yaml"
    if env_file.is_file():
        data = _merge(data, _read_yaml(env_file))
    for overlay in overlays:
        overlay_file = Path(overlay)
        if not overlay_file.is_file():
            raise ConfigError(f"configuration overlay {overlay_file} not found")
        data = _merge(data, _read_yaml(overlay_file))
    return validate(Config(data, env, directory.resolve()))
