"""The erasure's rewrite of landing files: a compressed file stays readable through its
codec, the kept lines keep their order, and no checksum sidecar is left beside a file."""

from __future__ import annotations

import gzip
import json

import pytest

from jobs.erasure.main import rewrite_landing

pytestmark = pytest.mark.unit

TARGET = "u-erased"


def line(user_id: str, n: int) -> str:
    return json.dumps({"event_id": f"e{n}", "user_id": user_id, "event_type": "login"})


def test_rewritten_landing_files_keep_their_codec_order_and_no_checksum(spark, tmp_path):
    landing = tmp_path / "landing" / "events" / "ingest_date=2026-06-30"
    landing.mkdir(parents=True)
    packed = [line("u1", 1), line(TARGET, 2), line("u3", 3), line("u4", 4)]
    plain = [line(TARGET, 5), line("u6", 6)]
    untouched = [line("u7", 7)]
    with gzip.open(landing / "delivery.json.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(packed) + "\n")
    (landing / "delivery.json").write_text("\n".join(plain) + "\n", encoding="utf-8")
    (landing / "other.json").write_text("\n".join(untouched) + "\n", encoding="utf-8")
    found = spark.createDataFrame([(TARGET,)], "identifier string")

    removed = rewrite_landing(spark, str(tmp_path), found)

    assert removed == {"events": 2}
    with gzip.open(landing / "delivery.json.gz", "rt", encoding="utf-8") as packed_in:
        assert packed_in.read().splitlines() == [packed[0], packed[2], packed[3]]
    assert (landing / "delivery.json").read_text(encoding="utf-8").splitlines() == plain[1:]
    assert (landing / "other.json").read_text(encoding="utf-8").splitlines() == untouched
    assert sorted(p.name for p in landing.iterdir()) == [
        "delivery.json", "delivery.json.gz", "other.json"]   # no .crc, no erasure-tmp
    # What the next ingest does: read the folder through Hadoop's codecs.
    read = spark.read.text(str(landing)).collect()
    assert sorted(r.value for r in read) == sorted([packed[0], packed[2], packed[3], plain[1],
                                                    *untouched])
