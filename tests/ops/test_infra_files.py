"""infra/ files that cannot run here (no Docker engine, no GPU): they parse, and their images, ports and
names agree with the code that runs here."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import yaml

from xrouter.config import load_params
from xrouter.ops.servers import WORK_POOL
from xrouter.ops.stack import PORTS

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "infra/compose/docker-compose.yaml"
BENTOML_PORT = 3000  # where BentoML serves inside its container


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def published(service: dict) -> dict[int, int]:
    """host port -> container port of a compose service."""
    return {int(h): int(c) for h, c in (p.split(":") for p in service.get("ports", []))}


def test_compose_services_depend_only_on_services_it_defines_and_build_files_exist() -> None:
    services = compose()["services"]
    assert {"postgres", "minio", "mlflow", "prefect-server", "prefect-worker", "router", "vllm"} <= set(services)
    for name, s in services.items():
        deps = s.get("depends_on", [])
        assert set(deps) <= set(services), f"{name} depends on {set(deps) - set(services)}"
        if "build" in s:
            assert (COMPOSE.parent / s["build"]["context"] / s["build"]["dockerfile"]).is_file(), name


def test_compose_ports_and_images_agree_with_the_code() -> None:
    services = compose()["services"]
    assert published(services["mlflow"]) == {PORTS["mlflow"]: 5000}
    assert published(services["prefect-server"]) == {PORTS["prefect"]: 4200}
    assert published(services["postgres"]) == {PORTS["postgres"]: 5432}
    # the router service: the bento's name, on the port `make serve` uses
    assert published(services["router"]) == {load_params(REPO / "params.yaml").serve.port: BENTOML_PORT}
    assert services["router"]["image"].split(":")[0] == yaml.safe_load((REPO / "bentofile.yaml").read_text())["name"]
    # the servers run the versions this project is locked to
    prefect_tag = services["prefect-server"]["image"].split(":")[1]
    assert prefect_tag.startswith(version("prefect") + "-")
    mlflow_pin = re.search(r'"mlflow==([\d.]+)"', (COMPOSE.parent / "mlflow.Dockerfile").read_text()).group(1)
    assert mlflow_pin == version("mlflow") and services["mlflow"]["image"].endswith(f":{mlflow_pin}")
    assert published(services["vllm"]) == {8001: 8001}
    assert "8001" in (REPO / "infra/gpu/Dockerfile").read_text()


def test_compose_servers_run_offline_and_share_the_stores() -> None:
    services = compose()["services"]
    assert "CREATE DATABASE ledger" in (COMPOSE.parent / "postgres-init.sql").read_text()
    assert services["router"]["environment"]["XROUTER_LEDGER_URL"].endswith("@postgres:5432/ledger")
    for name in ("mlflow", "prefect-server", "prefect-worker", "router"):
        assert services[name]["environment"]["LITELLM_LOCAL_MODEL_COST_MAP"] == "True", name
    mlflow_cmd = services["mlflow"]["command"]
    assert "postgresql+psycopg://" in mlflow_cmd and "--artifacts-destination s3://mlflow/" in mlflow_cmd
    assert services["mlflow"]["environment"]["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert "local/mlflow" in services["minio-buckets"]["entrypoint"]  # the bucket MLflow writes to
    worker = services["prefect-worker"]
    assert worker["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert worker["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert f"--pool {WORK_POOL}" in worker["command"]


def test_prefect_yaml_deployments_use_the_work_pool_and_flows_that_exist() -> None:
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text())
    names = {d["name"] for d in doc["deployments"]}
    assert names == {"xrouter-pipeline", "lambda-sweep", "nightly-eval"}
    for d in doc["deployments"]:
        assert d["work_pool"]["name"] == WORK_POOL
        path, func = d["entrypoint"].split(":")
        assert f"def {func}(" in (REPO / path).read_text()
        assert d["schedules"] and d["parameters"]["project"] == "."
    assert doc["prefect-version"] == version("prefect")


def test_ray_cluster_runs_the_gpu_image_and_the_verl_config_of_this_repo() -> None:
    cluster = yaml.safe_load((REPO / "infra/ray/cluster.yaml").read_text())
    assert cluster["provider"]["type"] == "local"
    assert cluster["docker"]["image"].split(":")[0] == "xrouter-gpu"
    assert "-t xrouter-gpu" in (REPO / "infra/gpu/Dockerfile").read_text()
    script = (REPO / "infra/ray/train_verl.sh").read_text()
    name = re.search(r"--config-name=(\w+)", script).group(1)
    assert (REPO / "infra/verl/config" / f"{name}.yaml").is_file()
    assert "python3.11 -m xrouter_verl.dataset" in script
