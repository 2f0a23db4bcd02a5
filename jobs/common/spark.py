"""The only place a SparkSession is built (local, test and cluster profiles from conf/);
and ``computed_once``, a frame computed once with its plan cut there.

Delta's jars come from ./jars (fetched by `make setup` from the Maven pins in
infra/jars/pom.xml), never from the network at run time. Under spark-submit the
master and jars come from the command line and are left alone here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from pyspark.sql import DataFrame, SparkSession

from jobs.common.config import Config
from jobs.common.errors import ConfigError

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def delta_jars(jars_dir: str | None = None) -> list[str]:
    """Absolute paths of the project's Delta jars; a missing folder is a ConfigError."""
    directory = Path(jars_dir or os.environ.get("SEG_JARS_DIR") or "jars").resolve()
    jars = sorted(str(p) for p in directory.glob("*.jar"))
    if not jars:
        raise ConfigError(f"no Delta jars in {directory}: run `make setup` "
                          "(or set SEG_JARS_DIR to the folder holding them)")
    return jars


def profile_properties(cfg: Config) -> dict[str, str]:
    """The Spark properties of the configured profile, from conf/spark/profiles.yaml."""
    profiles_file = cfg.conf_dir / "spark" / "profiles.yaml"
    profiles = yaml.safe_load(profiles_file.read_text(encoding="utf-8")) or {}
    profile = str(cfg.get("spark.profile"))
    if profile not in profiles:
        raise ConfigError(f"conf key 'spark.profile' = {profile!r} is not a profile of "
                          f"{profiles_file} ({', '.join(profiles)})")
    return {key: str(value) for key, value in (profiles[profile] or {}).items()}


def shuffle_partitions_for(shuffle_bytes: int, slots: int,
                           advisory_bytes: int = 128 * 2**20) -> int:
    """Initial shuffle partitions for a stage shuffling ``shuffle_bytes``: one partition per
    ``advisory_bytes`` (AQE's advisory partition size), rounded up to a multiple of the
    executor ``slots`` so that every wave fills the cluster. AQE coalesces the partitions
    that turn out small, so erring high costs little; the `cluster` profile's value is this
    rule at the target scale (conf/cluster.yaml)."""
    if shuffle_bytes < 0 or slots < 1 or advisory_bytes < 1:
        raise ValueError("shuffle_bytes >= 0, slots >= 1 and advisory_bytes >= 1 are needed")
    needed = max(1, -(-shuffle_bytes // advisory_bytes))
    return -(-needed // slots) * slots


def launched_by_spark_submit() -> bool:
    """spark-submit starts the JVM first and hands its gateway port to Python."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def build_spark(cfg: Config, app_name: str) -> SparkSession:
    """A Delta-enabled session for the configured profile."""
    props = profile_properties(cfg) | DELTA_CONF
    props["spark.sql.shuffle.partitions"] = str(cfg.get("spark.shuffle_partitions"))
    if launched_by_spark_submit():
        props.pop("spark.master", None)
    else:
        props["spark.jars"] = ",".join(delta_jars())
        if os.environ.get("SPARK_MASTER_URL"):
            props["spark.master"] = os.environ["SPARK_MASTER_URL"]
        props.setdefault("spark.master", "local[2]")
    builder = SparkSession.builder.appName(app_name)
    for key, value in props.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


@contextmanager
def computed_once(df: DataFrame) -> Iterator[DataFrame]:
    """``df`` computed once (memory, then disk) with its plan cut there, for the block.

    Unlike ``persist``, later steps are analysed on top of a leaf, not of ``df``'s whole
    plan: a frame that feeds ~100 steps (self-joins among them) would otherwise pay the
    analysis of its plan at each. The blocks are dropped when the block ends, as
    ``unpersist`` would (a local checkpoint is otherwise kept until garbage collection).
    """
    cut = df.localCheckpoint()
    try:
        yield cut
    finally:
        cut._jdf.queryExecution().analyzed().rdd().unpersist(False)
