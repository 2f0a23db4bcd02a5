"""The generator's settings, read once from conf and checked against the persona data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from jobs.common.config import Config
from jobs.common.errors import ConfigError
from jobs.generate.catalog import DEVICE_CATALOG, NETWORK_MIX
from jobs.generate.clock import end_of_day_epoch
from jobs.generate.personas import (
    CIRCLE_PERSONA,
    CONTENT_EVENT_TYPES,
    CONTENT_SLOT,
    DEFAULT_PERSONA,
    PERSONAS,
)

DAYS_PER_YEAR = 365
REQUIRED_EVENT_TYPES = ("login", "message_send", "message_read", "payment",
                        "miniprogram_open", *CONTENT_EVENT_TYPES)


@dataclass(frozen=True)
class Settings:
    seed: int
    users: int
    snapshot: dt.date
    timezone: str
    event_days: int
    order_days: int
    history_days: int
    bad_record_share: float
    late_event_share: float
    files_per_day: int
    circle_size: int
    hubs_share: float
    persona_shares: Mapping[str, float]
    event_types: tuple[str, ...]
    fast_exit_max_seconds: int

    @property
    def end_epoch(self) -> int:
        """UTC epoch second of the end of D in the business zone: nothing lands after it."""
        return end_of_day_epoch(self.snapshot, self.timezone)

    @property
    def circle_share(self) -> float:
        return float(self.persona_shares.get(CIRCLE_PERSONA, 0.0))

    @property
    def hub_stride(self) -> int:
        """Every hub_stride-th user id is a hub."""
        return max(1, round(1 / self.hubs_share)) if self.hubs_share > 0 else self.users + 1

    @property
    def hub_count(self) -> int:
        return (self.users - 1) // self.hub_stride + 1

    @staticmethod
    def from_config(cfg: Config, snapshot: dt.date) -> Settings:
        shares = {str(k): float(v) for k, v in (cfg.get("generator.personas") or {}).items()}
        settings = Settings(
            seed=int(cfg.get("generator.seed")),
            users=int(cfg.get("generator.users")),
            snapshot=snapshot,
            timezone=cfg.timezone,
            event_days=int(cfg.get("generator.event_days")),
            order_days=int(cfg.get("generator.order_days")),
            history_days=int(cfg.get("generator.history_years")) * DAYS_PER_YEAR,
            bad_record_share=float(cfg.get("generator.bad_record_share")),
            late_event_share=float(cfg.get("generator.late_event_share")),
            files_per_day=int(cfg.get("generator.files_per_day")),
            circle_size=int(cfg.get("generator.circle_size")),
            hubs_share=float(cfg.get("generator.hubs_share")),
            persona_shares=shares,
            event_types=tuple(cfg.get("ingest.event_types")),
            fast_exit_max_seconds=int(cfg.get("segments.interest.fast_exit_max_seconds")),
        )
        check_against_conf(settings, cfg)
        return settings


def check_against_conf(settings: Settings, cfg: Config) -> None:
    """The persona data may only use names conf knows; shares must leave room for casual."""
    unknown = sorted(set(settings.persona_shares) - set(PERSONAS))
    if unknown or DEFAULT_PERSONA in settings.persona_shares:
        raise ConfigError(f"generator.personas: unknown persona(s) {unknown or [DEFAULT_PERSONA]}"
                          f"; known: {', '.join(sorted(set(PERSONAS) - {DEFAULT_PERSONA}))}")
    if any(share < 0 for share in settings.persona_shares.values()) \
            or sum(settings.persona_shares.values()) > 1:
        raise ConfigError("generator.personas: shares must be >= 0 and sum to at most 1")
    used = {slot for p in PERSONAS.values() for slot in p.event_mix} - {CONTENT_SLOT}
    missing = sorted((used | set(REQUIRED_EVENT_TYPES)) - set(settings.event_types))
    if missing:
        raise ConfigError(f"ingest.event_types lacks {missing}, which the generator emits")
    for key, names in (("ingest.device_types", DEVICE_CATALOG), ("ingest.networks", NETWORK_MIX),
                       ("ingest.order_statuses", ("paid", "refunded"))):
        lacking = sorted(set(names) - set(cfg.get(key)))
        if lacking:
            raise ConfigError(f"{key} lacks {lacking}, which the generator emits")
    if settings.circle_size < 3:
        raise ConfigError("generator.circle_size must be at least 3")
