"""The interest stage's outputs: per-user category interests and topics, the LDA topics."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

CATEGORIES = T.ArrayType(T.StringType(), containsNull=False)

USER_INTEREST = TableSpec(
    layer="silver", name="user_interest",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("explicit_interests", CATEGORIES, nullable=False,
                      metadata={"comment": "categories subscribed to or favourited"}),
        T.StructField("implicit_interests", CATEGORIES, nullable=False,
                      metadata={"comment": "categories dwelt in >= 2x the mean per category"}),
        T.StructField("excluded_categories", CATEGORIES, nullable=False,
                      metadata={"comment": "categories where fast exits >= 80 % of views"}),
        T.StructField("primary_interest", T.StringType(),
                      metadata={"comment": "label of the user's heaviest LDA topic"}),
        T.StructField("secondary_interest", T.StringType(),
                      metadata={"comment": "label of the second heaviest LDA topic"}),
        T.StructField("primary_interest_weight", T.DoubleType()),
        T.StructField("lda_model_version", T.StringType()),
    ]),
    partition_by=("snapshot_date",),
    comment="Per user and snapshot: explicit, implicit and excluded categories, LDA topics.",
)

INTEREST_TOPICS = TableSpec(
    layer="gold", name="interest_topics",
    schema=T.StructType([
        T.StructField("model_version", T.StringType(), nullable=False,
                      metadata={"comment": "the training date; the model is at "
                                           "<root>/models/lda/<model_version>"}),
        T.StructField("topic", T.IntegerType(), nullable=False),
        T.StructField("label", T.StringType(), nullable=False),
        T.StructField("top_terms", T.ArrayType(T.StringType()), nullable=False,
                      metadata={"comment": "<content type>:<category>, heaviest first"}),
        T.StructField("top_weights", T.ArrayType(T.DoubleType()), nullable=False),
        T.StructField("documents", T.LongType(), nullable=False,
                      metadata={"comment": "users the model was trained on"}),
        T.StructField("vocabulary", T.IntegerType(), nullable=False),
        T.StructField("model_path", T.StringType(), nullable=False),
    ]),
    partition_by=(),
    comment="One row per topic of each LDA model version (the interest family).",
)

# The final part of the interest windows per user, content type and category
# (jobs/interest/window_state.py): one partition per state date, the last few kept.
USER_CATEGORY_STATE = TableSpec(
    layer="silver", name="user_category_state",
    schema=T.StructType([
        T.StructField("state_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("content_type", T.StringType(), nullable=False),
        T.StructField("content_category", T.StringType(), nullable=False),
        *(T.StructField(c, T.LongType(), nullable=False,
                        metadata={"comment": f"{c} on the final days of window_days"})
          for c in ("views", "dwell_s", "fast_exits")),
        T.StructField("explicit", T.LongType(), nullable=False,
                      metadata={"comment": "subscribes + favorites on the final days of "
                                           "explicit_window_days"}),
        T.StructField("days_present", T.LongType(), nullable=False,
                      metadata={"comment": "final days of the longer window with a row"}),
    ]),
    partition_by=("state_date",),
    comment="Per user, content type and category: the interest windows' final days (at "
            "least ingest.max_late_days before state_date).",
)
