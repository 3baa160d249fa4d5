"""Where the tests' PostgreSQL, RabbitMQ and Redis come from (tests/support/infra.py).

A developer with local servers gets those and Docker is not even asked; one with only Docker
gets a container per session; CI never silently swaps its servers for containers; an
explicit URL is never replaced. The choice is a pure function of what answers, tested here
without Docker; a fake "container" that is the local server under another address shows that
every user of the infra stack follows the resolved server. The real containers start only
with THIDUA_TEST_SERVERS=containers on a machine whose Docker answers (see the last test).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from kombu import Connection

from tests.support import infra
from tests.support.stack import Stack

UNREACHABLE = "connection refused"


class Probes:
    """Probes that answer as told and remember whether they were asked."""

    def __init__(self, configured: str | None = None, docker: str | None = None) -> None:
        self.answers = {"configured": configured, "docker": docker}
        self.asked: list[str] = []

    def probe(self, which: str) -> Callable[[], str | None]:
        def ask() -> str | None:
            self.asked.append(which)
            return self.answers[which]

        return ask

    def choose(self, mode: str = "auto", explicit: bool = False, ci: bool = False) -> infra.Choice:
        return infra.choose(
            mode=mode,
            explicit=explicit,
            ci=ci,
            configured_problem=self.probe("configured"),
            docker_problem=self.probe("docker"),
        )


def test_a_local_server_that_answers_is_used_and_docker_is_not_asked() -> None:
    probes = Probes()
    assert probes.choose().source == infra.LOCAL
    assert probes.asked == ["configured"]


def test_without_a_local_server_docker_gives_a_container() -> None:
    probes = Probes(configured=UNREACHABLE)
    choice = probes.choose()
    assert choice.source == infra.CONTAINER
    assert UNREACHABLE in choice.reason  # the log line says why a container starts
    assert probes.asked == ["configured", "docker"]


def test_with_neither_the_test_is_told_both_reasons() -> None:
    choice = Probes(configured=UNREACHABLE, docker="no socket").choose()
    assert choice.source == infra.MISSING
    assert UNREACHABLE in choice.reason and "no socket" in choice.reason


def test_ci_keeps_its_own_servers_and_never_falls_back_to_a_container() -> None:
    probes = Probes(configured=UNREACHABLE)
    choice = probes.choose(ci=True)
    assert choice.source == infra.MISSING and "CI=true" in choice.reason
    assert "docker" not in probes.asked
    assert Probes().choose(ci=True).source == infra.LOCAL


def test_an_explicit_url_is_used_and_never_replaced_by_a_container() -> None:
    assert Probes().choose(explicit=True).source == infra.ENVIRONMENT
    probes = Probes(configured=UNREACHABLE)
    choice = probes.choose(explicit=True)
    assert choice.source == infra.MISSING and UNREACHABLE in choice.reason
    assert "docker" not in probes.asked


def test_the_switch_forces_containers_or_forbids_them() -> None:
    forced = Probes()  # the local server answers, yet the switch asks for a container
    assert forced.choose(mode="containers").source == infra.CONTAINER
    assert forced.asked == ["docker"]
    no_docker = Probes(docker="no socket").choose(mode="containers")
    assert no_docker.source == infra.MISSING
    assert "THIDUA_TEST_SERVERS=containers" in no_docker.reason and "no socket" in no_docker.reason

    local_only = Probes(configured=UNREACHABLE)
    assert local_only.choose(mode="local").source == infra.MISSING
    assert "docker" not in local_only.asked


def test_a_mistyped_switch_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(infra.SWITCH, "container")
    with pytest.raises(pytest.UsageError, match="auto, local, containers"):
        infra.mode()
    monkeypatch.setenv(infra.SWITCH, "Containers")
    assert infra.mode() == "containers"


# -- the resolved servers, with containers that are fakes -------------------------------------


class FakeContainer:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def fresh_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Resolution as at the start of a session, without touching this session's servers."""
    monkeypatch.setattr(infra, "_servers", {})
    monkeypatch.setattr(infra, "_containers", [])
    monkeypatch.setattr(infra, "KINDS", dict(infra.KINDS))
    for variable in ("TEST_PG_ADMIN_URL", "TEST_PG_URL_BASE", "TEST_AMQP_URL", "TEST_REDIS_URL"):
        monkeypatch.delenv(variable, raising=False)
    yield


def fake_start(
    monkeypatch: pytest.MonkeyPatch, key: str, url: str, management_url: str | None = None
) -> FakeContainer:
    container = FakeContainer()
    started = infra.Started(container, url, management_url)
    monkeypatch.setitem(
        infra.KINDS, key, dataclasses.replace(infra.KINDS[key], start=lambda: started)
    )
    return container


def test_without_docker_the_forced_containers_skip_saying_why_and_fail_in_ci(
    fresh_session: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(infra.SWITCH, "containers")
    monkeypatch.setattr(infra, "docker_problem", lambda: "DockerException: no docker.sock")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"Docker does not answer.*no docker\.sock"):
        infra.require()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and the infrastructure is missing"):
        infra.require()


def test_a_container_that_does_not_start_skips_with_its_image_and_error(
    fresh_session: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_registry() -> infra.Started:
        raise RuntimeError("pull access denied")

    monkeypatch.setenv(infra.SWITCH, "containers")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(infra, "docker_problem", lambda: None)
    kind = infra.KINDS["redis"]
    monkeypatch.setitem(infra.KINDS, "redis", dataclasses.replace(kind, start=no_registry))
    because = rf"{re.escape(kind.image)}.*pull access denied"
    with pytest.raises(pytest.skip.Exception, match=because):
        infra.require_redis()


def test_every_user_of_the_infra_stack_follows_the_resolved_servers(
    fresh_session: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The "containers" are the local servers under another name (localhost): databases,
    the bus and the names tests read all go there, and the session's end stops them."""
    local = infra.postgres_problem(infra.KINDS["postgres"].default_url) or infra.rabbitmq_problem(
        infra.KINDS["rabbitmq"].default_url
    )
    if local:
        infra.skip_or_fail("the local PostgreSQL and RabbitMQ to fake containers with", local)
    monkeypatch.setenv(infra.SWITCH, "containers")
    monkeypatch.setattr(infra, "docker_problem", lambda: None)
    postgres = fake_start(monkeypatch, "postgres", "postgresql://postgres@localhost:5432/postgres")
    rabbitmq = fake_start(
        monkeypatch, "rabbitmq", "amqp://guest:guest@localhost:5672//", "http://m"
    )

    infra.require()
    assert (infra.AMQP_URL, infra.AMQP_HOST, infra.AMQP_PORT) == (
        "amqp://guest:guest@localhost:5672//",
        "localhost",
        5672,
    )
    assert (infra.PG_HOST, infra.PG_PORT, infra.RABBITMQ_MANAGEMENT_URL) == (
        "localhost",
        5432,
        "http://m",
    )
    stack = Stack("infra", tmp_path / "stack")
    try:
        url = stack.database_url("probe-a")
        assert url.startswith("postgresql+psycopg://postgres@localhost:5432/")
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT current_database()")).scalar()
        engine.dispose()
        assert stack.bus_url == infra.AMQP_URL
        assert stack.queue_size(stack.tap("probe.#")) == 0
    finally:
        stack.close()
    assert infra.started_servers() == ["PostgreSQL at localhost:5432", "RabbitMQ at localhost:5672"]
    with psycopg.connect(infra.PG_ADMIN_URL) as connection:
        left = connection.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"{stack.prefix}%",)
        ).fetchone()
    assert left == (0,), "the stack dropped its database on the resolved server"

    infra.stop_containers()
    assert postgres.stopped and rabbitmq.stopped
    assert infra.started_servers() == []


def test_real_containers_start_and_answer_when_asked_for() -> None:
    """Only with THIDUA_TEST_SERVERS=containers: then the whole run uses the containers, and
    this test checks that they are containers and that each answers at its URL."""
    if infra.mode() != "containers":
        pytest.skip("starts real containers only with THIDUA_TEST_SERVERS=containers")
    infra.require()
    assert infra.server("postgres").source == infra.CONTAINER
    assert infra.server("rabbitmq").source == infra.CONTAINER
    with psycopg.connect(infra.PG_ADMIN_URL) as connection:
        (version,) = connection.execute("SHOW server_version").fetchone() or ("",)
    assert version.startswith("15.")
    with Connection(infra.AMQP_URL) as connection:
        connection.ensure_connection(max_retries=3)
    assert infra.RABBITMQ_MANAGEMENT_URL.startswith("http://")
    assert infra.require_redis().startswith("redis://")
    assert infra.redis_problem(infra.REDIS_URL) is None
