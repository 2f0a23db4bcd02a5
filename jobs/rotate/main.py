"""Key rotation: every pseudonym in silver, staging and gold moves to a new key in one run.

    SEG_PSEUDONYM_KEY_NEW=<hex> spark-submit --jars <delta jars> --py-files dist/jobs.zip \
        jobs/rotate/main.py --run-date 2026-07-01 [--new-key-file .secrets/pseudonym.key.new]

The current key comes from its usual source ($SEG_PSEUDONYM_KEY or the key file), the
new one from $SEG_PSEUDONYM_KEY_NEW or --new-key-file; both are loaded before a session
exists. Old and new user_key of every user are computed in Spark from bronze/users (the
only place with the raw user_id), proven one-to-one, and every table holding a key
column (jobs/rotate/tables.py) is rewritten in one overwrite commit tagged with the
rotation's run id. The key registry (privacy/key_registry) marks the new key pending
first and current last, the old one retired: a key ever used is never accepted again.

Restartable: a table whose history already holds a commit with the rotation's run id
is skipped, so a run that failed half-way is finished by running it again with the
same two keys. Older Delta versions keep the old pseudonyms until VACUUM.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence

from delta.tables import DeltaTable
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import TableSpec, read_table, replace_where, table_exists
from jobs.common.errors import InputError, SecretError
from jobs.common.secrets import PseudonymKey, load_new_pseudonym_key, load_pseudonym_key
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.rotate.registry import (
    PROCEDURE,
    fingerprint,
    read_registry,
    require_current_key,
    short,
    write_states,
)
from jobs.rotate.schemas import CURRENT, PENDING, RETIRED
from jobs.rotate.tables import key_columns, keyed_tables
from jobs.rotate.transforms import key_pairs, pairs_check, with_new_keys
from jobs.silver.pseudonym import key_frame

log = logging.getLogger("jobs.rotate")
EVERYTHING = "true"


def load_keys(cfg: Config, new_key_file: str | None) -> tuple[PseudonymKey, PseudonymKey]:
    """Both keys, before any session: a missing or repeated one stops the rotation here."""
    old, new = load_pseudonym_key(cfg), load_new_pseudonym_key(cfg, new_key_file)
    if fingerprint(old) == fingerprint(new):
        raise SecretError(f"the new pseudonym key ({new.source}) is the current key "
                          f"({old.source}); generate a new one. The rotation stopped "
                          "before reading any data")
    return old, new


def begin(spark: SparkSession, root: str, old: PseudonymKey, new: PseudonymKey,
          run_id: str) -> str | None:
    """The rotation's run id (new, or the pending one resumed); None when done before.

    It names the new key, so commits of an earlier rotation never pass for this one's.
    """
    old_fp, new_fp = fingerprint(old), fingerprint(new)
    run_id = f"{run_id}:key-{short(new_fp)}"
    registry = read_registry(spark, root)
    if registry.rows.get(new_fp, (None,))[0] == CURRENT and \
            registry.rows.get(old_fp, (None,))[0] == RETIRED:
        return None
    if registry.pending not in (None, new_fp):
        raise SecretError(f"a rotation to another key ({short(registry.pending)}) is under "
                          f"way: finish it with that key first; {PROCEDURE}")
    if registry.pending == new_fp:
        if registry.current != old_fp:
            raise SecretError(f"the current key ({old.source}) is not the key the pending "
                              f"rotation started from; {PROCEDURE}")
        return registry.run_id(new_fp)
    if new_fp in registry.rows:
        raise SecretError(f"the new pseudonym key ({new.source}, fingerprint {short(new_fp)}) "
                          f"was used before by this lakehouse: old keys are never reused; "
                          "generate a new one")
    require_current_key(spark, root, old, run_id)
    write_states(spark, root, [(new_fp, PENDING, run_id, old_fp)], run_id)
    return run_id


def already_rekeyed(spark: SparkSession, spec: TableSpec, root: str, rotation: str) -> bool:
    history = DeltaTable.forPath(spark, spec.path(root)).history()
    return history.filter(F.col("userMetadata") == rotation).limit(1).count() == 1


def rekey_table(spark: SparkSession, spec: TableSpec, root: str, pairs: DataFrame,
                rotation: str) -> dict | None:
    """One overwrite commit with every key column moved; None when absent or done before."""
    if not table_exists(spark, spec, root) or already_rekeyed(spark, spec, root, rotation):
        return None
    where = f"{spec.layer}/{spec.name}"
    rows = read_table(spark, spec, root).transform(with_new_keys(pairs, key_columns(spec), where))
    return replace_where(rows, spec, root, EVERYTHING, rotation, metrics=True)


def proven_pairs(spark: SparkSession, root: str, old: PseudonymKey,
                 new: PseudonymKey) -> DataFrame:
    """old -> new key of every user of bronze/users, persisted, one-to-one or an error."""
    users = BRONZE_TABLES["users"]
    if not table_exists(spark, users, root):
        raise InputError(f"{users.path(root)} not found: the rotation needs the raw user ids")
    pairs = key_pairs(read_table(spark, users, root), key_frame(spark, old),
                      key_frame(spark, new)).persist(StorageLevel.MEMORY_AND_DISK)
    check = pairs_check(pairs)
    if not check["pairs"] == check["old_keys"] == check["new_keys"] or check["clashes"]:
        pairs.unpersist()
        raise SecretError(f"old -> new keys are not one-to-one: {check}; nothing rewritten")
    log.info("rotate: %s users, old -> new keys one-to-one", check["pairs"])
    return pairs


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        new_key_file: str | None = None) -> dict[str, dict | None]:
    old, new = load_keys(cfg, new_key_file)
    root = cfg.lakehouse_root
    rotation = begin(spark, root, old, new, run_id)
    if rotation is None:
        print(f"rotate: key {short(fingerprint(new))} is already current; nothing to do")
        return {}
    pairs = proven_pairs(spark, root, old, new)
    results: dict[str, dict | None] = {}
    try:
        for spec in keyed_tables():
            results[f"{spec.layer}/{spec.name}"] = metrics = rekey_table(
                spark, spec, root, pairs, rotation)
            state = "absent or re-keyed before" if metrics is None else \
                f"{metrics.get('numOutputRows', 0)} rows re-keyed"
            print(f"rotate {spec.layer}/{spec.name}: {state}", flush=True)
    finally:
        pairs.unpersist()
    old_fp, new_fp = fingerprint(old), fingerprint(new)
    registry = read_registry(spark, root)
    write_states(spark, root, [(old_fp, RETIRED, rotation, registry.rows[old_fp][2]),
                               (new_fp, CURRENT, rotation, old_fp)], rotation)
    print(f"rotate: key {short(new_fp)} is current, {short(old_fp)} retired. Now install the "
          "new key where jobs read it ($SEG_PSEUDONYM_KEY or the key file) and destroy the "
          "old one; older table versions keep old pseudonyms until VACUUM.", flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Move every pseudonym to a new key.", date_range=False)
    parser.add_argument("--new-key-file", default=None,
                        help="the new key, hex (default: $SEG_PSEUDONYM_KEY_NEW)")
    args = parser.parse_args(argv)
    cli.run_stage("rotate", run, args, args.new_key_file,
                  check=lambda cfg: load_keys(cfg, args.new_key_file))  # before a session


if __name__ == "__main__":
    sys.exit(cli.run_job(main))
