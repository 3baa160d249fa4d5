"""The deployment files in deploy/ say what the code needs, and say it the same way everywhere.

No Docker engine or Kubernetes cluster runs these tests: they read the files. They check what a
reviewer would otherwise check by eye: every YAML parses; every service has its database, its
migration Job, its API (probed on /healthz and /readyz), its relay and, where it consumes, its
consumer; every process runs the one image with the command the Procfile runs locally; the
database URL is postgresql+psycopg:// built from the secret; no password is written anywhere;
the kustomization lists every manifest; relays and consumers serve their metrics and only
Prometheus may scrape them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip(
    "yaml", reason="pyyaml is not installed: it belongs in requirements-dev.in (make lock)"
)

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = ("identity", "criteria", "scoring", "awards", "notify")
CONSUMING = ("scoring", "notify")
IMAGE = "thidua"  # the name every manifest uses; kustomization.yaml maps it to the registry
COMPONENTS = ("api", "relay", "consumer", "migrate", "gateway")
WORKERS = ("relay", "consumer")  # no HTTP API; their counters on THIDUA_METRICS_PORT
METRICS_PORT = 9100
# Where Prometheus runs, as the NetworkPolicies name it (the API's and the workers' alike).
MONITORING = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}

Doc = dict[str, Any]


# -- reading ------------------------------------------------------------------------------


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


@cache
def load(path: Path) -> tuple[Doc, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(doc for doc in yaml.safe_load_all(f) if doc is not None)


def k8s_docs() -> Iterator[tuple[Path, Doc]]:
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            for doc in load(path):
                yield path, doc


def find(docs: tuple[Doc, ...], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(doc: Doc) -> Doc:
    return doc["spec"]["template"]["spec"]


def containers(doc: Doc) -> list[Doc]:
    spec = pod_spec(doc)
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def pod_labels(doc: Doc) -> dict[str, str]:
    return doc["spec"]["template"]["metadata"]["labels"]


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) matches these labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        value, values = labels.get(expression["key"]), expression.get("values", [])
        matched = {
            "In": value in values,
            "NotIn": value not in values,
            "Exists": value is not None,
            "DoesNotExist": value is None,
        }[expression["operator"]]
        if not matched:
            return False
    return True


def worker_deployments(service: str) -> list[Doc]:
    """The service's relay and consumer Deployments."""
    return [
        d
        for d in load(K8S / f"{service}.yaml")
        if d["kind"] == "Deployment" and pod_labels(d)["app.kubernetes.io/component"] in WORKERS
    ]


def ingress_rules(docs: tuple[Doc, ...], labels: dict[str, str]) -> list[Doc]:
    """Every ingress rule of the NetworkPolicies in docs that apply to pods with these labels."""
    return [
        rule
        for d in docs
        if d["kind"] == "NetworkPolicy"
        and "Ingress" in d["spec"].get("policyTypes", ["Ingress"])
        and selects(d["spec"]["podSelector"], labels)
        for rule in d["spec"].get("ingress", [])
    ]


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every (path, key, value) of a parsed YAML tree; list items have their index as key."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield path, i, value
            yield from walk(value, f"{path}[{i}]")


def procfile() -> dict[str, list[str]]:
    """Procfile process name -> its command, without `env VAR=...` and the .venv/bin/ prefix."""
    processes = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        words = shlex.split(command)
        if words[0] == "env":
            words = words[1:]
            while "=" in words[0]:
                words = words[1:]
        words[0] = words[0].removeprefix(".venv/bin/")
        processes[name.strip()] = words
    return processes


# -- every file ---------------------------------------------------------------------------


def test_there_are_manifests_to_check() -> None:
    names = {p.relative_to(DEPLOY).as_posix() for p in yaml_files()}
    assert {"compose.yaml", "k8s/kustomization.yaml"} <= names
    assert {f"k8s/{s}.yaml" for s in SERVICES} <= names


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_yaml_file_parses(path: Path) -> None:
    docs = load(path)
    assert docs, f"{path} holds no document"
    if path.parent == K8S and path.name != "kustomization.yaml":
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
            assert doc["metadata"].get("name"), doc


def test_kustomization_lists_every_manifest() -> None:
    (kustomization,) = load(K8S / "kustomization.yaml")
    listed = kustomization["resources"]
    on_disk = sorted(p.name for p in K8S.glob("*.y*ml") if p.name != "kustomization.yaml")
    assert sorted(listed) == on_disk
    assert len(listed) == len(set(listed)), "a file is listed twice"


def test_no_two_k8s_objects_share_a_kind_and_name() -> None:
    seen: dict[tuple[str, str], Path] = {}
    for path, doc in k8s_docs():
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"{key} in both {seen[key].name} and {path.name}"
        seen[key] = path


# -- one image, the right commands --------------------------------------------------------


def test_every_kubernetes_container_runs_the_one_image() -> None:
    images = {
        c["image"]
        for _, doc in k8s_docs()
        if doc["kind"] in ("Deployment", "Job")
        for c in containers(doc)
    }
    assert images == {IMAGE}
    (kustomization,) = load(K8S / "kustomization.yaml")
    assert [i["name"] for i in kustomization["images"]] == [IMAGE]


def test_every_compose_process_runs_the_one_image() -> None:
    (compose,) = load(DEPLOY / "compose.yaml")
    app = {n: s for n, s in compose["services"].items() if n not in ("postgres", "rabbitmq")}
    assert {s["image"] for s in app.values()} == {"thidua:dev"}
    assert {s["build"]["dockerfile"] for s in app.values()} == {"deploy/Dockerfile"}
    assert compose["services"]["postgres"]["image"].startswith("postgres:15")
    assert compose["services"]["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")


def test_kubernetes_runs_every_process_of_the_procfile() -> None:
    """What `make up` runs on one machine is what Kubernetes runs, with the same commands."""
    for name, command in procfile().items():
        service, _, role = name.partition("-")
        file = K8S / ("gateway.yaml" if service == "gateway" else f"{service}.yaml")
        deployment = f"{service}-{role or 'api'}" if service != "gateway" else "gateway"
        doc = find(load(file), "Deployment", deployment)
        assert doc["spec"]["template"]["spec"]["containers"][0]["command"] == command, name


def test_every_compose_process_runs_the_procfile_commands() -> None:
    (compose,) = load(DEPLOY / "compose.yaml")
    for name, command in procfile().items():
        service, _, role = name.partition("-")
        compose_name = name if role or service == "gateway" else f"{service}-api"
        assert compose["services"][compose_name]["command"] == command, name


# -- each service -------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_its_database_and_its_migration_job(service: str) -> None:
    docs = load(K8S / f"{service}.yaml")
    cluster = find(docs, "Cluster", f"{service}-db")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": service, "owner": service}
    assert cluster["spec"]["storage"]["size"]

    job = find(docs, "Job", f"{service}-migrate")
    module = f"services.{service}"
    steps = [c["command"] for c in containers(job)]
    assert steps == [
        ["python", "-m", module, "db", "upgrade"],
        ["python", "-m", module, "bus", "setup"],
    ], "the schema first (init container), then the bus topology"


@pytest.mark.parametrize("service", SERVICES)
def test_service_api_is_probed_and_exposed(service: str) -> None:
    docs = load(K8S / f"{service}.yaml")
    api = find(docs, "Deployment", f"{service}-api")
    assert api["spec"]["replicas"] == 2
    (container,) = pod_spec(api)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in container["ports"]
    env = env_of(container)
    assert env["BIND_HOST"]["value"] == "0.0.0.0", "gunicorn binds 127.0.0.1 otherwise"
    assert env["PORT"]["value"] == "8000"
    for key in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][key])

    svc = find(docs, "Service", f"{service}-api")
    assert svc["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
    assert svc["spec"]["ports"][0]["port"] == 8000


@pytest.mark.parametrize("service", SERVICES)
def test_service_runs_its_relay_and_consumer(service: str) -> None:
    docs = load(K8S / f"{service}.yaml")
    relay = find(docs, "Deployment", f"{service}-relay")
    assert relay["spec"]["replicas"] == 2, "two relays are safe: FOR UPDATE SKIP LOCKED"
    consumers = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-consumer")
    ]
    if service in CONSUMING:
        (consumer,) = consumers
        assert pod_spec(consumer)["containers"][0]["command"][-1] == "consume"
    else:
        assert consumers == [], f"{service} consumes no event today"


@pytest.mark.parametrize("service", SERVICES)
def test_consumers_follow_the_code(service: str) -> None:
    """A service that subscribes to events has a consumer Deployment, and only such a one."""
    import importlib

    subscriptions = importlib.import_module(f"services.{service}.service").SERVICE.subscriptions
    has_consumer = any(
        d["kind"] == "Deployment" and d["metadata"]["name"] == f"{service}-consumer"
        for d in load(K8S / f"{service}.yaml")
    )
    assert has_consumer == bool(subscriptions), (
        f"services.{service} subscribes to {sorted(subscriptions)}: "
        + ("add a consumer Deployment" if subscriptions else "remove its consumer Deployment")
        + f" in deploy/k8s/{service}.yaml (and a {service}-consumer in compose.yaml)"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_service_processes_share_one_configuration(service: str) -> None:
    """Every container of the service gets its database URL, the broker and the settings."""
    docs = load(K8S / f"{service}.yaml")
    url_name = f"{service.upper()}_DATABASE_URL"
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            where = f"{doc['metadata']['name']}/{container['name']}"
            env = env_of(container)
            url = env[url_name]["value"]
            assert url.startswith("postgresql+psycopg://"), f"{where}: psycopg 3 needs this scheme"
            assert "connect_timeout=" in url, f"{where}: /readyz would hang on a lost database"
            defined = list(env)
            for ref in re.findall(r"\$\(([A-Z_]+)\)", url):
                assert ref in defined[: defined.index(url_name)], f"{where}: $({ref}) undefined"
                assert env[ref]["valueFrom"]["secretKeyRef"]["name"] == f"{service}-db-app"
            assert env["AMQP_URL"]["valueFrom"]["secretKeyRef"] == {
                "name": "thidua-amqp",
                "key": "url",
            }
            assert env["PROMETHEUS_MULTIPROC_DIR"]["value"] == "/run/prometheus"
            assert {"configMapRef": {"name": "thidua-settings"}} in container["envFrom"]
            others = {f"{s.upper()}_DATABASE_URL" for s in SERVICES} - {url_name}
            assert not others & set(env), f"{where} must not know another service's database"


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_disruption_budgets_for_each_deployment(service: str) -> None:
    docs = load(K8S / f"{service}.yaml")
    budgets = [
        d["spec"]["selector"]["matchLabels"] for d in docs if d["kind"] == "PodDisruptionBudget"
    ]
    assert budgets, "no PodDisruptionBudget"
    for doc in docs:
        if doc["kind"] == "Deployment":
            assert doc["spec"]["selector"]["matchLabels"] in budgets, doc["metadata"]["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_network_policies(service: str) -> None:
    docs = load(K8S / f"{service}.yaml")
    api = find(docs, "NetworkPolicy", f"{service}-api")
    assert api["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": service,
        "app.kubernetes.io/component": "api",
    }
    assert set(api["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (ingress,) = api["spec"]["ingress"]
    sources = ingress["from"]
    assert {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/part-of": "thidua"} in [
        s.get("podSelector", {}).get("matchLabels") for s in sources
    ]
    assert any("namespaceSelector" in s for s in sources), "Prometheus must reach /metrics"
    assert len(sources) == 2, "the gateway and Prometheus, nobody else"

    workers = find(docs, "NetworkPolicy", f"{service}-workers")
    assert workers["spec"]["ingress"] == [], f"no connection but Prometheus's ({service}-metrics)"
    for policy in (api, workers):
        databases = {
            peer["podSelector"]["matchLabels"]["cnpg.io/cluster"]
            for rule in policy["spec"]["egress"]
            for peer in rule["to"]
            if "cnpg.io/cluster" in peer.get("podSelector", {}).get("matchLabels", {})
        }
        assert databases == {f"{service}-db"}, "its own database and no other"

    db = find(docs, "NetworkPolicy", f"{service}-db")
    assert db["spec"]["podSelector"]["matchLabels"] == {"cnpg.io/cluster": f"{service}-db"}


# -- metrics of relays and consumers ------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_relays_and_consumers_serve_their_metrics(service: str) -> None:
    """kit.metrics.serve_from_env serves them on THIDUA_METRICS_PORT, at BIND_HOST."""
    workers = worker_deployments(service)
    assert len(workers) == (2 if service in CONSUMING else 1), "a relay, and a consumer if any"
    for doc in workers:
        where = doc["metadata"]["name"]
        (container,) = pod_spec(doc)["containers"]
        port = {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}
        assert port in container.get("ports", []), f"{where}: no port metrics {METRICS_PORT}"
        env = env_of(container)
        assert env.get("THIDUA_METRICS_PORT", {}).get("value") == str(METRICS_PORT), where
        assert env.get("BIND_HOST", {}).get("value") == "0.0.0.0", f"{where}: 127.0.0.1 otherwise"


def test_prometheus_scrapes_every_relay_and_consumer() -> None:
    monitors = [d for d in load(K8S / "monitoring.yaml") if d["kind"] == "PodMonitor"]
    for service in SERVICES:
        for doc in worker_deployments(service):
            endpoints = [
                (endpoint.get("port"), endpoint.get("path"))
                for monitor in monitors
                if selects(monitor["spec"]["selector"], pod_labels(doc))
                for endpoint in monitor["spec"]["podMetricsEndpoints"]
            ]
            assert ("metrics", "/metrics") in endpoints, (
                f"no PodMonitor scrapes {doc['metadata']['name']}"
            )


@pytest.mark.parametrize("service", SERVICES)
def test_only_prometheus_reaches_relays_and_consumers(service: str) -> None:
    """Their NetworkPolicies admit the monitoring namespace on the metrics port, nothing else."""
    docs = load(K8S / f"{service}.yaml")
    for doc in worker_deployments(service):
        where = doc["metadata"]["name"]
        (container,) = pod_spec(doc)["containers"]
        named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        rules = ingress_rules(docs, pod_labels(doc))
        assert rules, f"{where}: no NetworkPolicy lets Prometheus in"
        for rule in rules:
            assert rule.get("from") == [MONITORING], f"{where}: the monitoring namespace only"
            ports = {named.get(p["port"], p["port"]) for p in rule.get("ports", [])}
            assert ports == {METRICS_PORT}, f"{where}: port {METRICS_PORT} only, not {ports}"
    migrate = pod_labels(find(docs, "Job", f"{service}-migrate"))
    assert ingress_rules(docs, migrate) == [], "the migration Job takes no connection"


@pytest.mark.parametrize("service", SERVICES)
def test_service_pods_run_unprivileged_on_a_read_only_root(service: str) -> None:
    for doc in load(K8S / f"{service}.yaml"):
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        spec = pod_spec(doc)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in containers(doc):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/run/prometheus"]], "one metrics dir per pod"
            assert "emptyDir" in volumes[mounts["/tmp"]]


def test_labels_name_the_platform_and_the_component() -> None:
    for path, doc in k8s_docs():
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        labels = doc["spec"]["template"]["metadata"]["labels"]
        where = f"{path.name}: {doc['metadata']['name']}"
        assert labels["app.kubernetes.io/part-of"] == "thidua", where
        assert labels["app.kubernetes.io/component"] in COMPONENTS, where
        assert doc["metadata"]["labels"] == labels, where
        if doc["kind"] == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            assert selector.items() <= labels.items(), where


# -- scaling ------------------------------------------------------------------------------


def test_scoring_consumers_scale_on_their_queue() -> None:
    docs = load(K8S / "scoring.yaml")
    scaled = find(docs, "ScaledObject", "scoring-consumer")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "scoring-consumer"
    find(docs, "Deployment", "scoring-consumer")
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 10)
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["queueName"] == "thidua.scoring"
    assert trigger["metadata"]["mode"] == "QueueLength"
    auth = find(docs, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "host", "name": "thidua-amqp", "key": "url"}
    ]
    consumer = find(docs, "Deployment", "scoring-consumer")
    assert "replicas" not in consumer["spec"], "KEDA owns the replica count, not kubectl apply"


def test_gateway_readiness_does_not_depend_on_every_service() -> None:
    """The gateway's /readyz needs every service ready; as a probe it would cascade outages."""
    (container,) = pod_spec(find(load(K8S / "gateway.yaml"), "Deployment", "gateway"))["containers"]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, probe
    assert {"name": "http", "containerPort": 8080, "protocol": "TCP"} in container["ports"]
    assert env_of(container)["BIND_HOST"]["value"] == "0.0.0.0"
    for service in SERVICES:
        upstream = env_of(container)[f"GATEWAY_UPSTREAM_{service.upper()}"]["value"]
        assert upstream == f"http://{service}-api:8000"


def test_rabbitmq_is_a_three_node_cluster() -> None:
    docs = load(K8S / "rabbitmq.yaml")
    cluster = find(docs, "RabbitmqCluster", "rabbitmq")
    assert cluster["spec"]["replicas"] == 3
    assert {"requests", "limits"} <= set(cluster["spec"]["resources"])


# -- compose ------------------------------------------------------------------------------


def test_compose_starts_each_service_after_its_migrations() -> None:
    (compose,) = load(DEPLOY / "compose.yaml")
    services = compose["services"]
    for service in SERVICES:
        migrate = services[f"{service}-migrate"]
        command = " ".join(migrate["command"])
        assert f"python -m services.{service} db upgrade" in command
        assert f"python -m services.{service} bus setup" in command
        assert migrate["restart"] == "no"
        for role in ("api", "relay", *(("consumer",) if service in CONSUMING else ())):
            needs = services[f"{service}-{role}"]["depends_on"]
            assert needs[f"{service}-migrate"]["condition"] == "service_completed_successfully"
            env = services[f"{service}-{role}"]["environment"]
            url = env[f"{service.upper()}_DATABASE_URL"]
            assert url.startswith("postgresql+psycopg://") and "connect_timeout=" in url
            assert env["AMQP_URL"].startswith("amqp://")
    assert "127.0.0.1:8080:8080" in services["gateway"]["ports"]
    gateway_env = services["gateway"]["environment"]
    for service in SERVICES:
        assert gateway_env[f"GATEWAY_UPSTREAM_{service.upper()}"] == f"http://{service}-api:8000"


# -- secrets ------------------------------------------------------------------------------

SECRET_NAME = re.compile(r"(?i)(password|passwd|(^|_)pass$|token|api_?key)")
REFERENCE = re.compile(r"^\$(\(|\{)")  # $(VAR) in Kubernetes, ${VAR} in compose
URL_CREDENTIALS = re.compile(r"[a-z+]+://[^:/@\s]+:([^@\s]+)@")


def test_no_manifest_contains_a_literal_password() -> None:
    for path in yaml_files():
        for doc in load(path):
            if doc.get("kind") == "Secret":
                assert not doc.get("data") and not doc.get("stringData"), f"{path}: a Secret"
            for where, key, value in walk(doc):
                if not isinstance(value, str):
                    continue
                for secret in URL_CREDENTIALS.findall(value):
                    assert REFERENCE.match(secret), f"{path} {where}: password in {value!r}"
                if isinstance(key, str) and SECRET_NAME.search(key):
                    assert REFERENCE.match(value), f"{path} {where}.{key} is a literal"
            # Kubernetes env entries: {name: X_PASSWORD, value: ...} must use valueFrom.
            for where, _, value in walk(doc):
                if (
                    isinstance(value, dict)
                    and SECRET_NAME.search(str(value.get("name", "")))
                    and "value" in value
                ):
                    assert REFERENCE.match(str(value["value"])), f"{path} {where}: {value}"


def test_the_image_holds_no_secret_and_runs_unprivileged() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert re.search(r"^USER (?!root|0\b)\S+", dockerfile, re.M), "the image runs as root"
    settings = " ".join(re.findall(r"^(?:ENV|ARG)\s.*(?:\n\s+.*)*", dockerfile, re.M))
    assert "DATABASE_URL" not in settings and "AMQP_URL" not in settings
    assert not SECRET_NAME.search(settings), "no password in ENV or ARG"
    for directory in ("kit/", "services/", "gateway/"):
        assert re.search(rf"^COPY {directory} ", dockerfile, re.M), directory
