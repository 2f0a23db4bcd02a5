"""The tombstone of a user id: HMAC-SHA256(pseudonym key, "tombstone:" || user_id).

The same sha2-spelled HMAC as the pseudonym (jobs/silver/pseudonym.py) over a
domain-separated message, so it is neither the id nor the user_key, and without the key
it cannot be recomputed from a guessed id. Needs the columns of ``key_frame`` in scope.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs.silver.pseudonym import hmac_sha256_hex

DOMAIN = "tombstone:"


def tombstone(user_id: Column) -> Column:
    return hmac_sha256_hex(F.concat(F.lit(DOMAIN), user_id))
