"""Predicted value for a date or a range: BG/NBD + Gamma-Gamma fitted on grouped statistics.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/predict/main.py \
        --run-date 2026-06-30 [--env local]

Per snapshot D: the purchase history of every customer up to D, as of D (the moving
silver/user_purchase_state of the final days, jobs/common/chain.py, plus the last
few days from the rollup increments; ``--full-refresh`` scans every purchase day
instead, the reference) -> per-customer (x, t_x, T, mean repeat spend) in Spark ->
grouped to distinct (x, t_x, T) rows and (x, spend bucket) rows -> only those small
tables reach the driver and are fitted with scipy -> the closed forms are applied to
every customer in Spark.
Writes silver/user_predicted_value and gold/predicted_value_model, replacing D's rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs.common import cli
from jobs.common.chain import chained_state, late_days
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.predict.fit import BgNbd, GammaGamma, fit_bgnbd, fit_gamma_gamma
from jobs.predict.schemas import (
    PREDICTED_VALUE_MODEL,
    USER_PREDICTED_VALUE,
    USER_PURCHASE_STATE,
)
from jobs.predict.transforms import (
    as_purchases,
    bgnbd_groups,
    cold_purchases,
    combine_purchases,
    gamma_gamma_groups,
    moved_purchases,
    paid_days_as_of,
    purchases_as_of,
    summarize,
    with_predictions,
)
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS

log = logging.getLogger("jobs.predict")


def purchases_of(spark: SparkSession, cfg: Config, snapshot: dt.date, run_id: str, *,
                 full_refresh: bool = False) -> DataFrame | None:
    """One combined row per customer of every purchase day up to D, as of D: the moving
    silver/user_purchase_state of D (final days) with the last few days from the
    increments; with ``full_refresh``, every purchase day scanned (the reference). None
    when there is no rollup yet."""
    root, late = cfg.lakehouse_root, late_days(cfg)
    if not all(table_exists(spark, spec, root) for spec in (USER_DAILY, USER_DAILY_INCREMENTS)):
        return None
    daily, increments = (read_table(spark, spec, root)
                         for spec in (USER_DAILY, USER_DAILY_INCREMENTS))
    state = chained_state(
        spark, cfg, USER_PURCHASE_STATE, snapshot, run_id, full_refresh=full_refresh,
        moved=lambda previous: moved_purchases(previous, daily, snapshot, late),
        cold=lambda: cold_purchases(daily, snapshot, late))
    if full_refresh:
        return combine_purchases(as_purchases(paid_days_as_of(daily, increments, snapshot,
                                                              late)))
    return purchases_as_of(state, increments, snapshot, late)


def fit(summary: DataFrame, cfg: Config) -> tuple[BgNbd, GammaGamma] | None:
    """Both models from the grouped statistics (bounded tables, collected); None when
    there are too few customers or a fitted model has no finite mean."""
    unit, resolution = int(cfg.get("predict.time_unit_days")), int(
        cfg.get("predict.fit_resolution_days"))
    rows = bgnbd_groups(summary, resolution, unit).collect()
    customers = sum(r["customers"] for r in rows)
    if customers < int(cfg.get("predict.min_customers")):
        log.warning("predict: %d customers, fewer than predict.min_customers; no model",
                    customers)
        return None
    bg = fit_bgnbd([r["x"] for r in rows], [r["t_x"] for r in rows],
                   [r["big_t"] for r in rows], [r["customers"] for r in rows])
    spend = gamma_gamma_groups(summary, int(cfg.get("predict.spend_buckets_per_log_unit")))
    spend_rows = spend.collect()
    if not spend_rows:
        log.warning("predict: no repeat customer with a positive spend; no model")
        return None
    gg = fit_gamma_gamma([r["x"] for r in spend_rows], [r["m"] for r in spend_rows],
                         [r["customers"] for r in spend_rows])
    if bg.a == 1 or gg.q <= 1:
        log.warning("predict: fitted a = %.4f, q = %.4f: no finite expectation; no model",
                    bg.a, gg.q)
        return None
    return bg, gg


def model_rows(spark: SparkSession, cfg: Config, snapshot: dt.date, bg: BgNbd,
               gg: GammaGamma) -> DataFrame:
    unit, horizon = int(cfg.get("predict.time_unit_days")), int(cfg.get("predict.horizon_days"))
    rows = [
        (snapshot, "bgnbd", {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b},
         bg.log_likelihood, bg.customers, bg.rows, unit, horizon),
        (snapshot, "gamma_gamma", {"p": gg.p, "q": gg.q, "gamma": gg.gamma},
         gg.log_likelihood, gg.customers, gg.rows, unit, horizon),
    ]
    return spark.createDataFrame(rows, PREDICTED_VALUE_MODEL.schema)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        full_refresh: bool = False) -> None:
    root = cfg.lakehouse_root
    unit = int(cfg.get("predict.time_unit_days"))
    horizon = int(cfg.get("predict.horizon_days")) / unit
    terms = int(cfg.get("predict.hyp2f1_terms"))
    day = first
    while day <= last:
        where = f"snapshot_date = DATE'{day}'"
        purchases = purchases_of(spark, cfg, day, run_id, full_refresh=full_refresh)
        empty = spark.createDataFrame([], USER_PREDICTED_VALUE.schema)
        predictions, models = empty, spark.createDataFrame([], PREDICTED_VALUE_MODEL.schema)
        summary = None
        if purchases is not None:
            summary = summarize(purchases, day, unit).persist(StorageLevel.MEMORY_AND_DISK)
            fitted = fit(summary, cfg)
            if fitted is not None:
                bg, gg = fitted
                predictions = summary.transform(with_predictions(bg, gg, horizon, terms))
                models = model_rows(spark, cfg, day, bg, gg)
                print(f"predict {day}: BG/NBD r={bg.r:.4f} alpha={bg.alpha:.4f} a={bg.a:.4f} "
                      f"b={bg.b:.4f} ({bg.customers:,} customers, {bg.rows:,} rows); "
                      f"Gamma-Gamma p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.4f}",
                      flush=True)
        try:
            replace_where(predictions, USER_PREDICTED_VALUE, root, where, run_id)
            replace_where(models, PREDICTED_VALUE_MODEL, root, where, run_id)
        finally:
            if summary is not None:
                summary.unpersist()
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Fit BG/NBD + Gamma-Gamma and predict every customer's value.",
                            full_refresh="scan every purchase day")
    args = parser.parse_args(argv)
    cli.run_stage("predict", run, args, args.full_refresh)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))
