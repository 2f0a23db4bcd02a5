"""Who the synthetic users are: the persona mix and each persona's behaviour, as data.

A persona's share of the population comes from conf (generator.personas, the rest are
"casual"); everything else about it lives here. Each persona exists so that some
segment of ../shared/SEGMENTS.md has members at the demo scale: the comment beside it
names the segments it feeds. Offsets are in days before the snapshot date D
(0 = D itself); time-of-day windows are [start, end) minutes after local midnight in the
business time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Event "slots" a persona's mix draws from: conf event types, plus "content", which
# becomes article_read / video_view / live_view by the user's content preference.
CONTENT_SLOT = "content"
CONTENT_EVENT_TYPES = ("article_read", "video_view", "live_view")
CONTENT_TYPES = ("article", "video", "live")


@dataclass(frozen=True)
class Burst:
    """A run of orders: for `share` of the persona's users, `count` orders in a window.

    spacing "random": days drawn uniformly in [days]; "regular": one order every `period`
    days (small jitter) across [days]; "quarter": all inside one calendar quarter of the
    last year, whatever `days` says.
    """

    share: float
    count: tuple[int, int]
    days: tuple[int, int]
    amount: tuple[float, float]
    coupon: float
    spacing: str = "random"
    period: tuple[int, int] = (1, 1)


@dataclass(frozen=True)
class Persona:
    name: str
    weekday_active: float                 # probability a weekday has any activity
    weekend_active: float
    events_per_day: tuple[int, int]       # on an active day, login included
    event_mix: Mapping[str, float]        # weights over event slots (after the daily login)
    time_profiles: Mapping[str, float]    # weights over TIME_PROFILES
    content_prefs: Mapping[str, float] = field(default_factory=lambda: CONTENT_PREF_MIX)
    tenure_days: tuple[int, int | None] = (0, None)   # registered this many days before D
    quiet_days: tuple[int, int] = (0, 0)  # no activity at all in the last N days
    recent_days: int = 0                  # the last `recent_days` days use recent_active
    recent_active: float = 0.0
    long_views: bool = False              # long video / live sessions
    depth: str | None = None              # fixed deepest feature; None = drawn from DEPTH_MIX
    orders: tuple[Burst, ...] = ()


# Content-type weights (article, video, live) per preference; "mixed" has no majority.
CONTENT_PREFS: Mapping[str, tuple[float, float, float]] = {
    "article": (0.76, 0.14, 0.10),
    "video": (0.12, 0.76, 0.12),
    "live": (0.10, 0.24, 0.66),
    "mixed": (0.34, 0.33, 0.33),
}
CONTENT_PREF_MIX: Mapping[str, float] = {"article": 0.3, "video": 0.35, "live": 0.1,
                                         "mixed": 0.25}

# Deepest feature a user ever touches: payment > miniprogram > chat (depth_* segments).
DEPTH_MIX: Mapping[str, float] = {"payment": 0.3, "miniprogram": 0.35, "chat": 0.35}

Window = tuple[int, int, float]
# name -> (weekday windows, weekend windows); weights need not sum to 1.
TIME_PROFILES: Mapping[str, tuple[tuple[Window, ...], tuple[Window, ...]]] = {
    "daytime": (((540, 690, 0.35), (810, 1050, 0.40), (690, 810, 0.08), (1200, 1320, 0.07),
                 (420, 540, 0.05), (1050, 1170, 0.05)),
                ((540, 690, 0.30), (810, 1050, 0.35), (1050, 1320, 0.25), (1320, 1440, 0.10))),
    "lunch": (((690, 810, 0.55), (540, 690, 0.15), (810, 1050, 0.15), (1200, 1320, 0.15)),
              ((690, 810, 0.45), (540, 690, 0.20), (810, 1200, 0.15), (1200, 1320, 0.20))),
    "prime_evening": (((1200, 1320, 0.60), (690, 810, 0.10), (1050, 1170, 0.10),
                       (1320, 1440, 0.10), (540, 690, 0.10)),
                      ((1200, 1320, 0.45), (600, 1200, 0.35), (1320, 1440, 0.20))),
    "bedtime": (((1320, 1440, 0.55), (1200, 1320, 0.20), (0, 60, 0.10), (690, 810, 0.15)),
                ((1320, 1440, 0.55), (1200, 1320, 0.20), (0, 60, 0.10), (690, 810, 0.15))),
    "late_night": (((0, 360, 0.55), (1320, 1440, 0.25), (1200, 1320, 0.10), (810, 1050, 0.10)),
                   ((0, 360, 0.55), (1320, 1440, 0.25), (1200, 1320, 0.10), (810, 1050, 0.10))),
    "commute_morning": (((420, 540, 0.50), (1050, 1170, 0.35), (690, 810, 0.05),
                         (1200, 1320, 0.10)),
                        ((540, 1050, 0.50), (1200, 1320, 0.30), (1050, 1170, 0.20))),
    "commute_evening": (((420, 540, 0.35), (1050, 1170, 0.50), (690, 810, 0.05),
                         (1200, 1320, 0.10)),
                        ((540, 1050, 0.50), (1200, 1320, 0.30), (1050, 1170, 0.20))),
    "weekend_morning": (((1200, 1320, 0.40), (690, 810, 0.20), (1050, 1170, 0.20),
                         (540, 690, 0.20)),
                        ((480, 720, 0.70), (720, 1200, 0.20), (1200, 1320, 0.10))),
}
EVERYDAY_PROFILES = {"daytime": 0.3, "lunch": 0.2, "prime_evening": 0.35, "bedtime": 0.15}

CASUAL_MIX = {"login": 0.04, "message_send": 0.10, "message_read": 0.14, CONTENT_SLOT: 0.34,
              "miniprogram_open": 0.06, "payment": 0.02, "share": 0.04, "product_view": 0.10,
              "coupon_claim": 0.03, "search": 0.07, "subscribe": 0.02, "favorite": 0.04}
SHOPPER_MIX = {"login": 0.03, "message_send": 0.08, "message_read": 0.12, CONTENT_SLOT: 0.28,
               "miniprogram_open": 0.06, "payment": 0.05, "share": 0.03, "product_view": 0.16,
               "coupon_claim": 0.06, "search": 0.09, "favorite": 0.04}
COUPON_MIX = {**SHOPPER_MIX, "coupon_claim": 0.12, CONTENT_SLOT: 0.22}
CHATTER_MIX = {"login": 0.04, "message_send": 0.32, "message_read": 0.36, CONTENT_SLOT: 0.14,
               "miniprogram_open": 0.03, "payment": 0.01, "share": 0.05, "product_view": 0.02,
               "search": 0.02, "favorite": 0.01}
DEEP_MIX = {"login": 0.02, "message_send": 0.05, "message_read": 0.08, CONTENT_SLOT: 0.70,
            "miniprogram_open": 0.01, "payment": 0.01, "share": 0.05, "search": 0.03,
            "subscribe": 0.02, "favorite": 0.03}
SHARER_MIX = {**CASUAL_MIX, "share": 0.10, "message_send": 0.14}
NEWCOMER_MIX = {"product_view": 0.6, "search": 0.4}    # login + 2 types: needs onboarding

# Everyday buyers: a third of users order a few small baskets a year (spend_low, RFM).
OCCASIONAL = Burst(share=0.35, count=(1, 4), days=(0, 394), amount=(15, 400), coupon=0.3)
NO_ORDERS = Burst(share=0.0, count=(0, 0), days=(0, 0), amount=(1, 1), coupon=0.0)
HISTORY = (400, None)   # long-time customers: a full year of orders fits after signup


def _persona(name: str, **kwargs) -> Persona:
    defaults = dict(weekday_active=0.35, weekend_active=0.45, events_per_day=(2, 9),
                    event_mix=CASUAL_MIX, time_profiles=EVERYDAY_PROFILES,
                    orders=(OCCASIONAL,))
    return Persona(name=name, **(defaults | kwargs))


PERSONAS: Mapping[str, Persona] = {p.name: p for p in (
    # growing, msg_low, mixed content preferences, every time slot, RFM spread
    _persona("casual"),
    # silent (7+ quiet days), churn_warning when the last login is 14-29 days ago
    _persona("silent", weekday_active=0.5, weekend_active=0.5, tenure_days=(90, None),
             quiet_days=(8, 25), orders=(Burst(0.35, (1, 3), (26, 394), (15, 400), 0.3),)),
    # deep_user (hours of video/live a day), loyal_streak (daily login), prime_evening
    _persona("deep_user", weekday_active=1.0, weekend_active=1.0, events_per_day=(7, 14),
             event_mix=DEEP_MIX, long_views=True, tenure_days=(60, None),
             content_prefs={"video": 0.55, "live": 0.35, "mixed": 0.10},
             time_profiles={"prime_evening": 0.5, "bedtime": 0.3, "late_night": 0.2}),
    # msg_high, loyal_streak, depth_chat
    _persona("chatter", weekday_active=1.0, weekend_active=1.0, events_per_day=(5, 12),
             event_mix=CHATTER_MIX, tenure_days=(60, None),
             time_profiles={"prime_evening": 0.45, "daytime": 0.3, "lunch": 0.1,
                            "bedtime": 0.15}),
    # spend_high (>= 5000 in 30 days), high_value, mature, champions, depth_payment
    _persona("big_spender", weekday_active=0.5, weekend_active=0.6, events_per_day=(3, 10),
             event_mix=SHOPPER_MIX, tenure_days=HISTORY, depth="payment",
             orders=(Burst(1.0, (4, 7), (0, 29), (1500, 4000), 0.1),
                     Burst(1.0, (3, 10), (30, 394), (300, 3000), 0.15))),
    # price_sensitive (coupon on >= 80 % of orders), spend_low, mature
    _persona("coupon_hunter", weekday_active=0.45, weekend_active=0.55, event_mix=COUPON_MIX,
             tenure_days=HISTORY, depth="payment",
             orders=(Burst(1.0, (6, 14), (0, 364), (12, 220), 0.97),)),
    # morning_commute / evening_commute slots on weekdays
    _persona("commuter", weekday_active=0.92, weekend_active=0.35, events_per_day=(4, 10),
             tenure_days=(30, None),
             time_profiles={"commute_morning": 0.55, "commute_evening": 0.45}),
    # late_night and bedtime slots
    _persona("night_owl", weekday_active=0.6, weekend_active=0.7, events_per_day=(4, 10),
             time_profiles={"late_night": 0.6, "bedtime": 0.4}),
    # churned (no login in 30 days after earlier activity)
    _persona("churner", weekday_active=0.5, weekend_active=0.5, tenure_days=(120, None),
             quiet_days=(31, 50), orders=(Burst(0.35, (1, 3), (60, 394), (15, 400), 0.3),)),
    # declining (active days in D-13..D well under half of D-27..D-14)
    _persona("declining", weekday_active=0.85, weekend_active=0.85, events_per_day=(3, 9),
             tenure_days=(60, None), recent_days=14, recent_active=0.12,
             orders=(Burst(0.35, (1, 3), (30, 394), (15, 400), 0.3),)),
    # new, needs_onboarding (<= 3 event types), conversion_ready (product views, no order)
    _persona("new_signup", weekday_active=0.85, weekend_active=0.85, events_per_day=(2, 6),
             event_mix=NEWCOMER_MIX, tenure_days=(0, 6), orders=(NO_ORDERS,)),
    # seasonal_buyer (the year's spend inside one calendar quarter)
    _persona("seasonal_buyer", event_mix=SHOPPER_MIX, tenure_days=HISTORY, depth="payment",
             orders=(Burst(1.0, (3, 6), (0, 364), (100, 1500), 0.3, spacing="quarter"),)),
    # regular_buyer (steady intervals, CV far below 0.5), spend_mid, mature
    _persona("regular_buyer", event_mix=SHOPPER_MIX, tenure_days=HISTORY, depth="payment",
             orders=(Burst(1.0, (0, 0), (0, 364), (400, 1600), 0.25, spacing="regular",
                           period=(18, 40)),)),
    # growth_spender (last 90 days >= 1.5x the 90 days before), mature
    _persona("growth_spender", event_mix=SHOPPER_MIX, tenure_days=HISTORY, depth="payment",
             orders=(Burst(1.0, (1, 2), (90, 179), (80, 300), 0.3),
                     Burst(1.0, (3, 5), (0, 89), (300, 900), 0.3))),
    # weekend_morning (>= 40 % of weekend activity 08-12), weekday_evening_20_22
    _persona("weekend_browser", weekday_active=0.2, weekend_active=0.92, events_per_day=(4, 12),
             time_profiles={"weekend_morning": 1.0}),
    # tight_circle (cliques of generator.circle_size mutual friends), strong_tie_hub,
    # influencer (many shares per content event)
    _persona("circle_member", weekday_active=0.5, weekend_active=0.6, events_per_day=(3, 10),
             event_mix=SHARER_MIX, tenure_days=(30, None)),
)}
DEFAULT_PERSONA = "casual"
CIRCLE_PERSONA = "circle_member"
