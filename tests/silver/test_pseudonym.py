"""The pseudonym is exactly INTERFACES.md's HMAC-SHA256, and the key never shows."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import SecretError
from jobs.common.secrets import PseudonymKey, load_pseudonym_key
from jobs.silver.pseudonym import key_frame, with_pseudonyms

pytestmark = pytest.mark.unit

KEY = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
IDS = ["u000001", "用户-42", "", None]


def reference(user_id: str | None, key: bytes = KEY) -> str | None:
    if user_id is None:
        return None
    return hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("key", [KEY, b"k" * 16, b"long-key" * 20])
def test_user_key_equals_python_hmac(spark, key):
    schema = T.StructType([T.StructField("user_id", T.StringType()),
                           T.StructField("n", T.IntegerType())])
    frame = spark.createDataFrame([(u, i) for i, u in enumerate(IDS)], schema)
    keys = key_frame(spark, PseudonymKey(key, "test"))
    actual = frame.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
    expected_schema = T.StructType([T.StructField("n", T.IntegerType()),
                                    T.StructField("user_key", T.StringType())])
    expected = spark.createDataFrame([(i, reference(u, key)) for i, u in enumerate(IDS)],
                                     expected_schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_key_is_not_in_the_plan(spark):
    frame = spark.createDataFrame([("u1",)], "user_id string")
    keyed = frame.transform(with_pseudonyms(key_frame(spark, PseudonymKey(KEY, "t")),
                                            {"user_id": "user_key"}))
    plan = keyed._jdf.queryExecution().toString()
    assert KEY.hex() not in plan.lower()
    assert bytes(b ^ 0x36 for b in KEY.ljust(64, b"\0")).hex() not in plan.lower()
    assert "hidden" in repr(PseudonymKey(KEY, "t"))
    assert KEY.hex() not in repr(PseudonymKey(KEY, "t"))


def test_missing_or_bad_secret_is_a_clear_error(cfg, tmp_path, monkeypatch):
    monkeypatch.delenv("SEG_PSEUDONYM_KEY", raising=False)
    missing = cfg.with_overrides({"secrets.pseudonym_key_file": str(tmp_path / "none.key")})
    with pytest.raises(SecretError, match="no pseudonym key"):
        load_pseudonym_key(missing)
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", "not-hex")
    with pytest.raises(SecretError, match="not hex"):
        load_pseudonym_key(cfg)
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", "00ff")
    with pytest.raises(SecretError, match="at least 16"):
        load_pseudonym_key(cfg)


def test_a_job_without_the_secret_stops_before_reading(tmp_path, monkeypatch, capsys):
    from jobs.common import cli
    from jobs.pipeline import main as pipeline

    monkeypatch.delenv("SEG_PSEUDONYM_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no .secrets/ here
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "no-lakehouse"))
    conf = str(Path(__file__).resolve().parents[2] / "conf")
    code = cli.run_job(pipeline.main, ["--run-date", "2026-06-30", "--env", "test",
                                       "--conf-dir", conf])
    assert code == 2
    assert "no pseudonym key" in capsys.readouterr().err
    assert not (tmp_path / "no-lakehouse").exists()
