"""privacy/key_registry: a fingerprint of every pseudonym key this lakehouse ever used.

Never the key: the fingerprint is HMAC-SHA256(key, a fixed label), so it names a key
without revealing it or any pseudonym made with it.
"""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

CURRENT, PENDING, RETIRED = "current", "pending", "retired"

KEY_REGISTRY = TableSpec(
    layer="privacy", name="key_registry",
    schema=T.StructType([
        T.StructField("fingerprint", T.StringType(), nullable=False,
                      metadata={"comment": "HMAC-SHA256(key, 'segmentation/pseudonym-key/"
                                           "fingerprint/v1'), lower-case hex"}),
        T.StructField("state", T.StringType(), nullable=False,
                      metadata={"comment": "current (silver keys with it), pending (a rotation "
                                           "to it is under way) or retired (never again)"}),
        T.StructField("run_id", T.StringType(), nullable=False,
                      metadata={"comment": "the run that set the state; a pending key's "
                                           "rotation run, found again in userMetadata"}),
        T.StructField("replaces", T.StringType(),
                      metadata={"comment": "fingerprint of the key it replaced; null for the "
                                           "lakehouse's first key"}),
    ]),
    comment="One row per pseudonym key ever used, by fingerprint. At most one current and "
            "one pending; a fingerprint found here is never accepted as a new key.",
)
