"""Reference data the generator draws attributes from: places, ages, devices, categories.

Plain data, no Spark: weights need not sum to 1 (they are normalised where used).
"""

from __future__ import annotations

from collections.abc import Mapping

# (lowest age, highest age, weight): every age band of segments.attributes has members.
AGE_BANDS = ((13, 17, 0.06), (18, 24, 0.16), (25, 34, 0.27), (35, 44, 0.22), (45, 59, 0.18),
             (60, 82, 0.11))
GENDER_MIX = {"female": 0.49, "male": 0.47, "unknown": 0.04}
OCCUPATIONS = ("engineer", "teacher", "doctor", "civil_servant", "sales", "finance",
               "designer", "freelancer", "factory_worker", "homemaker", "student")
STUDENT_MAX_AGE = 17        # younger users are students
RETIRED_MIN_AGE = 60        # most older users are retired
RETIRED_SHARE = 0.75

# (province, city, city tier, weight): every tier 1-5 is present.
CITIES = (
    ("Beijing", "Beijing", 1, 0.06), ("Shanghai", "Shanghai", 1, 0.06),
    ("Guangdong", "Guangzhou", 1, 0.05), ("Guangdong", "Shenzhen", 1, 0.05),
    ("Sichuan", "Chengdu", 2, 0.06), ("Zhejiang", "Hangzhou", 2, 0.06),
    ("Hubei", "Wuhan", 2, 0.05), ("Jiangsu", "Nanjing", 2, 0.05),
    ("Shaanxi", "Xi'an", 2, 0.04), ("Chongqing", "Chongqing", 2, 0.04),
    ("Jiangsu", "Xuzhou", 3, 0.05), ("Guangdong", "Shantou", 3, 0.04),
    ("Hebei", "Baoding", 3, 0.04), ("Shandong", "Weifang", 3, 0.04),
    ("Henan", "Luoyang", 3, 0.04), ("Hunan", "Yueyang", 3, 0.04),
    ("Guangxi", "Guilin", 4, 0.04), ("Jiangxi", "Jiujiang", 4, 0.04),
    ("Gansu", "Tianshui", 4, 0.04), ("Yunnan", "Qujing", 4, 0.03),
    ("Guizhou", "Anshun", 5, 0.03), ("Heilongjiang", "Hegang", 5, 0.03),
    ("Qinghai", "Haidong", 5, 0.02), ("Xizang", "Shigatse", 5, 0.02),
)

NICKNAME_STEMS = ("小鱼", "阿强", "晴天", "木木", "大橙子", "追风少年", "lily", "momo", "kevin",
                  "sunny", "阿杰", "小雪", "老王", "Coco")
PHONE_SECOND_DIGITS = (3, 4, 5, 6, 7, 8, 9)
CONSENT_SHARE = 0.85        # users who accept marketing
ORG_SHARE = 0.6             # users in an enterprise directory (org_department / org_rank)
ORG_DEPARTMENTS = ("sales", "marketing", "engineering", "operations", "finance", "hr",
                   "support", "legal")
ORG_RANKS = {"staff": 0.55, "senior": 0.25, "manager": 0.13, "director": 0.05,
             "executive": 0.02}
PROFILE_EDIT_SHARE = 0.05   # users whose updated_at is later than registered_at

# Devices: (model, os, os versions) per device type.
DEVICE_MIX = {"phone": 0.78, "tablet": 0.08, "pc": 0.14}
DEVICE_CATALOG: Mapping[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "phone": (("iPhone 15", "ios", ("17.5", "18.1")), ("iPhone 13", "ios", ("16.7", "17.5")),
              ("Huawei Mate 60", "harmonyos", ("4.0", "4.2")),
              ("Xiaomi 14", "android", ("14", "15")), ("OPPO Reno 11", "android", ("13", "14")),
              ("vivo X100", "android", ("14", "15")), ("Honor 90", "android", ("13", "14"))),
    "tablet": (("iPad Air", "ios", ("17.5", "18.1")),
               ("Huawei MatePad", "harmonyos", ("4.0", "4.2")),
               ("Xiaomi Pad 6", "android", ("13", "14"))),
    "pc": (("Windows PC", "windows", ("10", "11")), ("MacBook Air", "macos", ("14.5", "15.1"))),
}
PRIMARY_DEVICE_SHARE = 0.85   # events on the user's own main device
NETWORK_MIX = {"wifi": 0.45, "5g": 0.2, "4g": 0.2, "3g": 0.06, "2g": 0.03, "unknown": 0.06}
PRIMARY_NETWORK_SHARE = 0.8
HOME_IP_SHARE = 0.75

# Content.
CATEGORIES = ("tech", "beauty", "sports", "finance", "food", "travel", "games", "parenting")
# Where a content event's category comes from: favourite, second, disliked, anything.
CATEGORY_SOURCE_MIX = {"primary": 0.5, "secondary": 0.2, "disliked": 0.08, "any": 0.22}
EXPLICIT_PRIMARY_SHARE = 0.8  # subscribe / favorite go to the favourite category
CONTENT_POOL = 300            # content ids per (content type, category)
FAST_EXIT_DISLIKED = 0.9      # views of a disliked category that are fast exits
FAST_EXIT_OTHER = 0.04
# Seconds an event lasts, by event type; long_views personas use LONG_DURATIONS.
DURATIONS = {"login": (2, 20), "message_send": (5, 60), "message_read": (3, 40),
             "article_read": (30, 600), "video_view": (60, 1200), "live_view": (120, 2400),
             "miniprogram_open": (20, 300), "payment": (10, 60), "share": (3, 15),
             "product_view": (10, 180), "coupon_claim": (2, 10), "search": (5, 40),
             "subscribe": (2, 8), "favorite": (2, 8)}
LONG_DURATIONS = {"article_read": (300, 1500), "video_view": (600, 2400),
                  "live_view": (1200, 3600)}
OTHER_DURATION = (2, 30)      # an event type conf adds that this table does not know

# Orders.
REFUND_SHARE = 0.05
REGULAR_JITTER_DAYS = 2

# Social graph: out-degree ~ Pareto(x_min, alpha), capped; where edges point.
OUT_DEGREE_MIN = 1.0
OUT_DEGREE_ALPHA = 1.4
OUT_DEGREE_CAP = 400
HUB_EDGE_SHARE = 0.12         # edges to a hub (one-way follows)
LOCAL_EDGE_SHARE = 0.55       # edges to a nearby id (acquaintances: triangles, mutuals)
LOCAL_SPAN = 300
MUTUAL_SHARE = 0.55           # non-hub edges that are followed back
USERS_PER_GROUP = 40          # base groups: one per this many users
GROUP_COUNT_MIX = {0: 0.25, 1: 0.35, 2: 0.2, 3: 0.12, 4: 0.08}
TWIN_GROUP_EVERY = 5          # every 5th group has a heavily overlapping twin
TWIN_SHARE = 0.75             # members of the group who are also in its twin
