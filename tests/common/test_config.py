"""Configuration: loaded once, validated, and a wrong value names its key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jobs.common.config import load_config
from jobs.common.errors import ConfigError

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    target = tmp_path / "conf"
    shutil.copytree(REPO / "conf", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_configuration_loads_in_every_environment():
    for env in ("local", "test", "cluster"):
        cfg = load_config(env, REPO / "conf")
        assert cfg.timezone == "Asia/Shanghai"
        assert cfg.get("segments.consumption.spend_high_min") == 5000


def test_a_missing_threshold_is_named(conf_dir):
    edit(conf_dir / "base.yaml", "    spend_high_min: 5000\n", "")
    with pytest.raises(ConfigError, match=r"'segments.consumption.spend_high_min' is missing"):
        load_config("local", conf_dir)


def test_a_wrong_value_is_named_with_what_was_expected(conf_dir):
    edit(conf_dir / "base.yaml", "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    edit(conf_dir / "base.yaml", "content_pref_min_share: 0.5", "content_pref_min_share: 1.5")
    with pytest.raises(ConfigError) as failure:
        load_config("local", conf_dir)
    message = str(failure.value)
    assert "'business.timezone' = 'Mars/Olympus' is not an IANA time zone" in message
    assert "'segments.behaviour.content_pref_min_share' = 1.5 is not a number between 0 and 1" \
        in message


def test_environment_and_overlay_override_base(conf_dir):
    cfg = load_config("test", conf_dir, [REPO / "conf" / "datasets" / "online_retail.yaml"])
    assert cfg.get("spark.shuffle_partitions") == 2
    assert cfg.timezone == "Europe/London"
    assert cfg.get("byod.columns.user_id") == "CustomerID"


def test_unknown_environment_missing_file_and_overlay(conf_dir, tmp_path):
    with pytest.raises(ConfigError, match="unknown environment 'prod'"):
        load_config("prod", conf_dir)
    with pytest.raises(ConfigError, match="base.yaml not found"):
        load_config("local", tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="overlay .* not found"):
        load_config("local", conf_dir, [tmp_path / "missing.yaml"])
    (conf_dir / "local.yaml").write_text("spark: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config("local", conf_dir)
