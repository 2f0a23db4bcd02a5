"""The key registry: which pseudonym key is current, which ones may never come back.

Silver (and any job that makes pseudonyms from bronze) calls ``require_current_key``:
a key other than the registry's current one would silently mix two pseudonym spaces,
so it stops the job. The first keyed run of a lakehouse registers its key, after
checking that the silver users already there (a lakehouse from before the registry)
were keyed with it. The registry is a few rows, one per key ever used.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pyspark.sql import SparkSession

from jobs.common.delta import merge_upsert_newer, read_table, table_exists
from jobs.common.errors import SecretError
from jobs.common.secrets import PseudonymKey
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.rotate.schemas import CURRENT, KEY_REGISTRY, PENDING, RETIRED
from jobs.silver.pseudonym import key_frame, with_pseudonyms
from jobs.silver.schemas import SILVER_USERS

FINGERPRINT_LABEL = b"segmentation/pseudonym-key/fingerprint/v1"
PROCEDURE = "see the README, 'Privacy: the pseudonym secret and key rotation'"


def fingerprint(key: PseudonymKey) -> str:
    """Names a key without revealing it: HMAC-SHA256(key, a fixed label)."""
    return hmac.new(key.reveal(), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def short(fp: str) -> str:
    return fp[:12]


@dataclass(frozen=True)
class Registry:
    """The registry's rows: {fingerprint: (state, run_id, replaces)}."""

    rows: dict[str, tuple[str, str, str | None]]

    def in_state(self, state: str) -> list[str]:
        return sorted(fp for fp, row in self.rows.items() if row[0] == state)

    @property
    def current(self) -> str | None:
        found = self.in_state(CURRENT)
        if len(found) > 1:
            raise SecretError(f"key registry holds {len(found)} current keys; {PROCEDURE}")
        return found[0] if found else None

    @property
    def pending(self) -> str | None:
        found = self.in_state(PENDING)
        return found[0] if found else None

    def run_id(self, fp: str) -> str:
        return self.rows[fp][1]


def read_registry(spark: SparkSession, root: str) -> Registry:
    """A handful of rows, one per key the lakehouse ever used."""
    if not table_exists(spark, KEY_REGISTRY, root):
        return Registry({})
    rows = read_table(spark, KEY_REGISTRY, root).collect()
    return Registry({r["fingerprint"]: (r["state"], r["run_id"], r["replaces"]) for r in rows})


def write_states(spark: SparkSession, root: str, rows: list[tuple[str, str, str, str | None]],
                 run_id: str) -> None:
    """Upserts (fingerprint, state, run_id, replaces) rows in one commit."""
    batch = spark.createDataFrame(rows, KEY_REGISTRY.schema)
    merge_upsert_newer(batch, KEY_REGISTRY, root, ("fingerprint",), "true", run_id)


def keyed_with(spark: SparkSession, root: str, key: PseudonymKey) -> bool:
    """True when silver/users is absent or empty, or holds a pseudonym made with ``key``."""
    if not table_exists(spark, SILVER_USERS, root):
        return True
    silver = read_table(spark, SILVER_USERS, root).select("user_key")
    if silver.limit(1).count() == 0:
        return True
    ours = (read_table(spark, BRONZE_TABLES["users"], root).select("user_id")
            .transform(with_pseudonyms(key_frame(spark, key), {"user_id": "user_key"})))
    return silver.join(ours, on="user_key", how="left_semi").limit(1).count() == 1


def require_current_key(spark: SparkSession, root: str, key: PseudonymKey, run_id: str) -> str:
    """The key's fingerprint, if it is the lakehouse's current key; else a SecretError.

    An empty registry registers the key as current (the lakehouse's first keyed run).
    """
    registry = read_registry(spark, root)
    fp = fingerprint(key)
    if registry.pending is not None:
        raise SecretError(
            f"a key rotation to key {short(registry.pending)} is under way (run "
            f"{registry.run_id(registry.pending)}): finish it by running jobs/rotate again "
            f"before anything is keyed; {PROCEDURE}")
    current = registry.current
    if current is None:
        if not keyed_with(spark, root, key):
            raise SecretError(
                f"the pseudonym key {key.source} did not make the user keys already in "
                f"silver/users: this lakehouse was keyed with another key; {PROCEDURE}")
        write_states(spark, root, [(fp, CURRENT, run_id, None)], run_id)
        return fp
    if fp == current:
        return fp
    state = registry.rows.get(fp, (None,))[0]
    what = "a retired key" if state == RETIRED else "not the current key"
    raise SecretError(
        f"the pseudonym key from {key.source} (fingerprint {short(fp)}) is {what} of this "
        f"lakehouse (current: {short(current)}); keying with it would mix two pseudonym "
        f"spaces. Use the current key, or move to a new one with jobs/rotate; {PROCEDURE}")
