"""infra/ is checked like code: the manifests parse, the SparkApplication the DAG's own code
renders for every task of the daily DAG is the task's spark-submit in the jobs image, the Dockerfile
copies files that exist. Pure Python, no Spark."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
import yaml

from jobs.common.spark import shuffle_partitions_for
from jobs.pipeline import main as pipeline

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "dags"))  # segmentation_settings: plain Python, no Airflow

import segmentation_settings as settings  # noqa: E402

RUN_AFTER = dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.UTC)
PARAMS = {"run_date": "2026-06-30"}


def load(path: str):
    return yaml.safe_load((REPO / path).read_text(encoding="utf-8"))


def profile() -> dict[str, str]:
    return {k: str(v) for k, v in load("conf/spark/profiles.yaml")["cluster"].items()}


def rendered(task: str, params=PARAMS, **kwargs) -> dict:
    return yaml.safe_load(settings.spark_application(task, params, None, RUN_AFTER, **kwargs))


@pytest.mark.parametrize("task", tuple(settings.TASKS))
def test_every_task_renders_a_spark_application_of_its_stages(task):
    app = rendered(task, image="registry.test/segmentation:1", lakehouse_root="s3a://b/lh")
    spec = app["spec"]
    assert app["apiVersion"] == "sparkoperator.k8s.io/v1beta2"
    assert app["kind"] == "SparkApplication"
    assert app["metadata"]["name"] == f"segmentation-{task.replace('_', '-')}-20260630"
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", app["metadata"]["name"])
    assert len(app["metadata"]["name"]) <= 63
    assert (spec["type"], spec["mode"], spec["image"]) == (
        "Python", "cluster", "registry.test/segmentation:1")
    assert spec["mainApplicationFile"] == "local:///opt/segmentation/jobs/pipeline/main.py"
    assert spec["arguments"] == settings.task_args(
        task, PARAMS, None, RUN_AFTER, env="cluster", conf_dir="/opt/segmentation/conf")
    assert spec["arguments"][:4] == ["--run-date", "2026-06-30", "--stages",
                                     ",".join(settings.TASKS[task])]
    assert pipeline.parse_stages(spec["arguments"][3]) == settings.TASKS[task]
    assert spec["deps"]["pyFiles"] == ["local:///opt/segmentation/dist/jobs.zip"]
    jars = sorted(p.name for p in (REPO / "jars").glob("*.jar"))
    assert jars and spec["deps"]["jars"] == [f"local:///opt/segmentation/jars/{j}" for j in jars]
    assert spec["sparkConf"] == profile()
    assert spec["sparkVersion"] == settings.SPARK_VERSION
    assert spec["restartPolicy"] == {"type": "Never"}


def test_pod_sizing_is_the_cluster_profiles():
    spec, conf = rendered("state_to_segments")["spec"], profile()
    assert spec["driver"]["cores"] == int(conf["spark.driver.cores"])
    assert spec["driver"]["memory"] == conf["spark.driver.memory"]
    assert spec["executor"]["instances"] == int(conf["spark.executor.instances"])
    assert spec["executor"]["cores"] == int(conf["spark.executor.cores"])
    assert spec["executor"]["memory"] == conf["spark.executor.memory"]


def test_the_pseudonym_key_comes_from_a_secret_never_inline():
    spec = rendered("ingest_to_rollup")["spec"]
    for role in ("driver", "executor"):
        env = {e["name"]: e for e in spec[role]["env"]}
        key = env["SEG_PSEUDONYM_KEY"]
        assert "value" not in key
        assert key["valueFrom"]["secretKeyRef"] == {"name": settings.PSEUDONYM_SECRET,
                                                    "key": "pseudonym-key"}


def test_a_range_and_the_segments_params_reach_the_arguments():
    params = {"run_date": "2026-06-30", "full_refresh_start": "2026-06-01",
              "families": ["rfm", "lifecycle"]}
    app = rendered("state_to_segments", params)
    assert app["metadata"]["name"] == "segmentation-state-to-segments-20260601-20260630"
    assert app["spec"]["arguments"] == [
        "--start-date", "2026-06-01", "--end-date", "2026-06-30",
        "--stages", "state,social,interest,predict,profile,segments", "--env", "cluster",
        "--conf-dir", "/opt/segmentation/conf", "--families", "rfm,lifecycle"]


def test_a_value_cannot_break_the_document():
    app = rendered("audit_and_publish", lakehouse_root='s3a://b/x: "y"\n  - z')
    env = {e["name"]: e.get("value") for e in app["spec"]["driver"]["env"]}
    assert env["LAKEHOUSE_ROOT"] == 's3a://b/x: "y"\n  - z'


def test_the_cluster_profile_sizes_and_adapts():
    conf = profile()
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.sql.adaptive.skewJoin.enabled"] == "true"
    assert conf["spark.sql.adaptive.coalescePartitions.enabled"] == "true"
    assert conf["spark.databricks.delta.properties.defaults.enableDeletionVectors"] == "false"
    assert "spark.master" not in conf  # the cluster's URL comes from spark-submit / the operator


def test_shuffle_partitions_of_the_cluster_conf_follow_the_documented_rule():
    conf = profile()
    slots = int(conf["spark.executor.instances"]) * int(conf["spark.executor.cores"])
    assert conf["spark.sql.adaptive.advisoryPartitionSizeInBytes"] == "128m"
    assert load("conf/cluster.yaml")["spark"]["shuffle_partitions"] == \
        shuffle_partitions_for(100 * 2**30, slots, 128 * 2**20)  # 100 GiB: conf/cluster.yaml


def test_shuffle_partitions_rule():
    mib = 2**20
    assert shuffle_partitions_for(0, 8) == 8
    assert shuffle_partitions_for(128 * mib, 8) == 8
    assert shuffle_partitions_for(9 * 128 * mib, 8) == 16
    assert shuffle_partitions_for(9 * 128 * mib + 1, 4) == 12
    with pytest.raises(ValueError):
        shuffle_partitions_for(1, 0)


def test_airflow_values_take_the_key_from_a_kubernetes_secret():
    values = load("infra/airflow/values.yaml")
    assert values["executor"] == "KubernetesExecutor"
    assert values["dags"]["gitSync"]["enabled"] is True
    assert values["dags"]["gitSync"]["subPath"] == "dags"
    env = {e["name"]: e["value"] for e in values["env"]}
    assert env["SEG_ENV"] == "cluster"
    assert "SEG_PSEUDONYM_KEY" not in env  # never inline
    secrets = {s["envName"]: s for s in values["secret"]}
    assert secrets["SEG_PSEUDONYM_KEY"]["secretName"] == env["SEG_PSEUDONYM_SECRET"]
    jars = sorted(p.name for p in (REPO / "jars").glob("*.jar"))
    assert env["SEG_IMAGE_JARS"].split(",") == jars  # what the image's Maven step fetches
    assert not re.search(r"[0-9a-f]{64}", (REPO / "infra/airflow/values.yaml").read_text())


def dockerfile_sources() -> list[str]:
    """The build-context paths of every COPY without --from."""
    sources = []
    for line in (REPO / "infra/docker/Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    return sources


def test_the_dockerfile_copies_files_that_exist_and_the_image_layout_the_dag_renders():
    sources = dockerfile_sources()
    assert {"infra/jars/pom.xml", "pyproject.toml", "jobs/", "conf/", "expectations/"} <= set(
        sources)
    for source in sources:
        assert (REPO / source).exists(), source
    text = (REPO / "infra/docker/Dockerfile").read_text()
    assert f"WORKDIR {settings.IMAGE_HOME}" in text
    assert "python:3.11" in text and "openjdk-17" in text
    assert "dist/jobs" in text  # the --py-files package the SparkApplication names
    ignored = (REPO / "infra/docker/Dockerfile.dockerignore").read_text().splitlines()
    for source in sources:
        assert f"!{source}" in ignored, source  # the context keeps what COPY needs


def test_the_spark_version_is_pyspark_pin():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'"pyspark=={settings.SPARK_VERSION}"' in pyproject
