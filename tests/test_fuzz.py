"""OpenAPI-driven fuzzing: every service's own document, thrown back at its real app (issue 8).

For each service (identity, criteria, scoring, awards, notify) and each of two callers, a
ministry officer and a unit officer of Hà Nội (stp-01), this builds the service's real app
in-process on a stack, with data in it, loads the app's ``/openapi.json`` and lets
schemathesis generate requests for every operation of it: the document's explicit examples,
its coverage cases (boundary and wrong values of every parameter and field) and random
requests, valid and invalid, sent to the WSGI app (no network). Each answer must

- not be a server error (no 5xx, ``not_a_server_error``),
- have a status code the document lists for that operation (``status_code_conformance``),
- have a content type the document lists for that status (``content_type_conformance``),
- have a body that validates against the documented schema (``response_schema_conformance``),
- carry the headers the document declares (``response_headers_conformance``).

Every distinct failure of a run (operation, check and, for a server error, the exception
that caused it) is listed in the test's message with the smallest request that showed it
(as curl) and the response; nothing stops at the first one. Set ``THIDUA_FUZZ_REPORT`` to a
file name to also get them as JSON lines there.

Bounded and deterministic, to fit in ``make test`` (a few minutes on two cores): a fixed
number of random examples per operation, derandomized generation with a fixed seed, no
Hypothesis example database, no shrinking, no deadline. Both callers run on SQLite + the
local bus; on PostgreSQL + RabbitMQ the ministry officer runs, with fewer random examples.
Path parameters mostly name identifiers that exist (the units, regions, users, tables,
rounds, sheets … created below), so requests reach real objects, not only 404s; and writes
that need ``If-Match`` mostly carry the current ETag (the documents do not declare that
header, so schemathesis would never send it and every such write would stop at 428).

Tokens: identity issues its own, real ones (the demo accounts ``bo.tdkt`` and ``stp.hanoi``
sign in through ``POST /oauth/token``; when the fuzzer signs itself out through
``/logout``, identity issues the same user a new one). The other services take the tests'
keys (tests/support/tokens.py) with the grants those roles have (contracts/roles.py and
each service's actions.py).

Nothing is excluded: every operation of every document is fuzzed (``EXCLUDED`` lists what
cannot be fuzzed meaningfully in-process, with the reason, and is empty today).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import schemathesis
from flask import Flask
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from sqlalchemy import select

from conftest import service_app
from kit.app import create_app, database, runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from kit.service import Service
from services.awards.service import SERVICE as AWARDS
from services.criteria.domain import demo as criteria_demo
from services.criteria.service import SERVICE as CRITERIA
from services.identity.domain import demo as identity_demo
from services.identity.domain import reference, tokens, users
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

SERVICES = [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY]
ROLES = ("ministry", "unit")
UNIT = "stp-01"  # the unit officer's unit: Sở Tư pháp thành phố Hà Nội
YEAR = 2026  # the year of the demo accounts' roles, the regions and the scoring round

# Random examples per operation (on top of the document's examples and the coverage cases).
MAX_EXAMPLES = {"embedded": 6, "infra": 2}
SEED = 20260008

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)

# (service, method, path) -> why it is not fuzzed. Only what cannot be fuzzed meaningfully
# in-process belongs here.
EXCLUDED: dict[tuple[str, str, str], str] = {}

# How much of a response body a failure shows.
BODY_EXCERPT = 600


def config(stack_kind: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES[stack_kind],
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                "examples": {"enabled": True},
                # Not the undocumented methods: their 405s have no operation to conform to,
                # and they were a third of the requests.
                "coverage": {"enabled": True, "unexpected-methods": []},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


# -- the callers ------------------------------------------------------------------------------


@dataclass
class Caller:
    """Whose token the requests carry; ``renew`` gives a fresh one (identity's sign-outs)."""

    role: str
    token: str
    renew: Callable[[], str] | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Target:
    """A service's app with data in it, its two callers and identifiers that exist there."""

    app: Flask
    callers: dict[str, Caller]
    known: dict[str, list[Any]] = field(default_factory=dict)
    after_call: Callable[[Caller], None] | None = None
    # The ETag a write must send as If-Match (the documents do not declare that header yet).
    etag_for: Callable[[Any], str | None] | None = None


def minted_caller(role: str) -> Caller:
    headers = ministry_officer() if role == "ministry" else unit_officer(UNIT)
    return Caller(role, headers["Authorization"].removeprefix("Bearer "))


# -- data: what identity and criteria publish, delivered as the real events --------------------


@dataclass(frozen=True)
class Upstream:
    identity: list[CloudEvent]  # identity's reference data and demo accounts, as published
    criteria: list[CloudEvent]  # criteria's demo tables (2024 and 2026), as published


def _published(app: Flask) -> list[CloudEvent]:
    with app.app_context(), database().read() as session:
        rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        return [CloudEvent.from_json(row) for row in rows]


def _load_identity(app: Flask) -> None:
    with app.app_context(), database().transaction() as session:
        reference.load(session, last_year=YEAR + 1)
    with app.app_context(), database().transaction() as session:
        identity_demo.seed(session, year=YEAR)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    stack = Stack("embedded", tmp_path_factory.mktemp("fuzz-upstream"))
    try:
        stack.prepare(IDENTITY)
        identity = create_app(IDENTITY, stack.settings("identity"))
        _load_identity(identity)
        criteria = _with_read_models(stack, CRITERIA, _published(identity))
        with criteria.app_context(), database().transaction() as session:
            criteria_demo.load(session)
        yield Upstream(_published(identity), _published(criteria))
    finally:
        stack.close()


def _with_read_models(stack: Stack, service: Service, events: list[CloudEvent]) -> Flask:
    """The service's app on the stack, its copies filled by the real handlers of ``events``."""
    app = service_app(stack, service)
    with app.app_context():
        consumer = Consumer(stack.settings(service.name), runtime().db, service.subscriptions)
    for event in events:
        if consumer.handler_for(event.type):
            consumer.apply(event)
    return app


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(True))
    return response.get_json()


# -- the services, with data ------------------------------------------------------------------


def identity_target(stack: Stack, upstream: Upstream) -> Target:
    stack.prepare(IDENTITY)
    app = create_app(IDENTITY, stack.settings("identity"))  # its own keys: real tokens
    _load_identity(app)
    client = app.test_client()

    def sign_in(username: str) -> str:
        form = {"grant_type": "password", "username": username, "password": identity_demo.PASSWORD}
        # From an address of the harness's own: the fuzzer's failed sign-ins block 127.0.0.1.
        answer = client.post("/oauth/token", data=form, environ_base={"REMOTE_ADDR": "10.0.0.8"})
        return _ok(answer)["access_token"]

    def reissue(username: str) -> Callable[[], str]:
        def renew() -> str:
            with app.app_context(), database().transaction() as session:
                user = users.find_by_username(session, username)
                assert user is not None
                return tokens.access_token_for(session, user)

        return renew

    callers = {
        "ministry": Caller("ministry", sign_in("bo.tdkt"), reissue("bo.tdkt")),
        "unit": Caller("unit", sign_in("stp.hanoi"), reissue("stp.hanoi")),
    }
    officer = callers["ministry"].headers()
    announcement = client.post(
        "/announcements",
        headers=officer,
        json={"title": "Phát động thi đua năm 2026", "body": "Các đơn vị đăng ký giao ước."},
    )
    people = _ok(client.get("/users?page_size=200", headers=officer))["items"]
    mine = [u for u in people if u["username"] in ("bo.tdkt", "stp.hanoi", "stp.hcm")]
    assignments = [
        role["id"]
        for user in mine
        for role in _ok(client.get(f"/users/{user['id']}", headers=officer)).get("roles", [])
    ]

    def after_call(caller: Caller) -> None:
        """A ``/logout`` the fuzzer sent ended the caller's token: identity issues another."""
        with app.app_context(), database().read() as session:
            token_id = jwt.decode(caller.token, options={"verify_signature": False})["jti"]
            revoked = tokens.is_revoked(session, token_id)
        if revoked and caller.renew:
            caller.token = caller.renew()

    return Target(
        app,
        callers,
        known={
            "unit_id": [UNIT, "stp-79-2025", "bo-tu-phap", "vu-tdkt"],
            "region_id": [f"{YEAR}-dong-bang-bac-bo", f"{YEAR}-dong-nam-bo"],
            "year": [YEAR],
            "code": ["dong-bang-bac-bo"],
            "announcement_id": [_ok(announcement, 201)["id"]],
            "user_id": [u["id"] for u in mine],
            "assignment_id": assignments,
        },
        after_call=after_call,
    )


def criteria_target(stack: Stack, upstream: Upstream) -> Target:
    app = _with_read_models(stack, CRITERIA, upstream.identity)
    with app.app_context(), database().transaction() as session:
        criteria_demo.load(session)
    client = app.test_client()
    officer = ministry_officer()
    tables = _ok(client.get("/tables?page_size=200", headers=officer))["items"]
    published = [t["id"] for t in tables]
    draft = _ok(
        client.post(f"/tables/{published[-1]}/clones", headers=officer, json={"year": YEAR + 1}),
        201,
    )
    movement = _ok(
        client.post(
            "/movements",
            headers=officer,
            json={
                "title": "Phong trào thi đua “Ngành Tư pháp chung sức” năm 2026",
                "theme": "Đổi mới, sáng tạo, hoàn thành xuất sắc nhiệm vụ chính trị năm 2026",
                "kind": "regular",
                "launching_level": "ministry",
                "launching_unit_id": "vu-tdkt",
                "starts_on": f"{YEAR}-01-01",
                "ends_on": f"{YEAR}-12-31",
                "phases": [],
                "participant_unit_ids": [UNIT, "stp-79-2025"],
                "table_id": None,
            },
        ),
        201,
    )
    covenant = _ok(
        client.post(
            "/covenants",
            headers=officer,
            json={
                "region_id": f"{YEAR}-dong-bang-bac-bo",
                "title": "Giao ước thi đua năm 2026 Khu vực Đồng bằng Bắc Bộ",
                "items": [{"code": "1", "content": "Hoàn thành xuất sắc các chỉ tiêu."}],
            },
        ),
        201,
    )

    def etag_for(case: Any) -> str | None:
        """A draft's document is saved with the table's ETag."""
        table_id = case.path_parameters.get("table_id") if case.path_parameters else None
        if case.method.upper() != "PUT" or not isinstance(table_id, str):
            return None
        return client.get(f"/tables/{quote(table_id, safe='')}", headers=officer).headers.get(
            "ETag"
        )

    return Target(
        app,
        {role: minted_caller(role) for role in ROLES},
        known={
            "table_id": [*published, draft["id"]],
            "movement_id": [movement["id"]],
            "covenant_id": [covenant["id"]],
        },
        etag_for=etag_for,
    )


def scoring_target(stack: Stack, upstream: Upstream) -> Target:
    app = _with_read_models(stack, SCORING, upstream.identity + upstream.criteria)
    client = app.test_client()
    officer = ministry_officer()
    made = client.post(
        "/rounds",
        headers=officer,
        json={
            "year": YEAR,
            "unit_kind": "so-tu-phap",
            "name": "Chấm điểm thi đua năm 2026",
            "self_assessment_due": f"{YEAR}-12-15T17:00:00+07:00",
            "review_due": f"{YEAR}-12-25T17:00:00+07:00",
            "appraisal_due": f"{YEAR + 1}-01-10T17:00:00+07:00",
        },
    )
    round_id = _ok(made, 201)["id"]
    opened = client.post(
        f"/rounds/{round_id}/phase", headers=officer, json={"to": "self_assessment"}
    )
    _ok(opened)
    sheets = _ok(client.get(f"/rounds/{round_id}/sheets?page_size=200", headers=officer))["items"]
    # The unit officer's own sheet first, then one it may not see.
    ours = [s["id"] for u in (UNIT, "stp-79-2025") for s in sheets if s["unit_id"] == u]
    sheet = _ok(client.get(f"/sheets/{ours[0]}", headers=officer))
    codes = [entry["code"] for entry in sheet["entries"]]
    link = client.post(
        f"/sheets/{ours[0]}/entries/{codes[0]}/evidence",
        headers=unit_officer(UNIT),
        json={"url": "https://stp.hanoi.gov.vn/bao-cao-2026.pdf", "title": "Báo cáo"},
    )

    def etag_for(case: Any) -> str | None:
        """An entry is saved with its own ETag; counts, submit and finalise with the sheet's."""
        params = case.path_parameters or {}
        sheet_id = params.get("sheet_id")
        if case.method.upper() not in ("PUT", "POST") or not isinstance(sheet_id, str):
            return None
        current = client.get(f"/sheets/{quote(sheet_id, safe='')}", headers=officer)
        if current.status_code != 200:
            return None
        if case.operation.path.endswith("/entries/{code}"):
            entries = current.get_json()["entries"]
            return next((e.get("etag") for e in entries if e["code"] == params.get("code")), None)
        return current.headers.get("ETag")

    return Target(
        app,
        {role: minted_caller(role) for role in ROLES},
        known={
            "round_id": [round_id],
            "sheet_id": ours,
            "code": codes[:3],
            "evidence_id": [_ok(link, 201)["id"]],
        },
        etag_for=etag_for,
    )


def notify_target(stack: Stack, upstream: Upstream) -> Target:
    announcement = CloudEvent(
        type="identity.announcement.published",
        source="/thidua/identity",
        subject="announcement/1",
        data={
            "schema_version": 1,
            "announcement_id": 1,
            "title": "Phát động thi đua năm 2026",
            "body": "Các đơn vị đăng ký giao ước.",
            "published_at": f"{YEAR}-11-23T08:00:00+00:00",
        },
    )
    app = _with_read_models(stack, NOTIFY, [announcement])
    return Target(app, {role: minted_caller(role) for role in ROLES})


def awards_target(stack: Stack, upstream: Upstream) -> Target:
    """Awards with the units and regions identity published, the sample rule pack published,
    the sample registry imported (people of stp-01 and stp-79-2025, awards of 2019-2024), a
    region of 2024 that stp-01 leads, a registration, a draft nomination of stp-01 naming two
    of its people, and the region's acclamation ballot: so requests reach real objects."""
    from services.awards.tests import seed

    app = _with_read_models(stack, AWARDS, upstream.identity)
    client = app.test_client()
    pack = seed.publish_sample_pack(client)
    seed.import_sample_history(client)
    seed.deliver(stack, app, seed.region_event(seed.REGION, 2024, UNIT, seed.MEMBERS))
    unit = unit_officer(UNIT)
    people = _ok(client.get(f"/people?unit={UNIT}&page_size=200", headers=unit))["items"]
    staff = [p["staff_code"] for p in people]
    registration = _ok(
        client.post(
            "/registrations",
            headers=unit,
            json={"unit": UNIT, "year": 2024, "award": "LDTT", "subject": staff[0]},
        ),
        201,
    )
    nomination = _ok(seed.new_file(client, unit, subjects=tuple(staff[:2])))
    lead = as_role("region_lead", "region", seed.REGION, unit=UNIT)
    acclamation = _ok(
        client.post(
            "/acclamations",
            headers=lead,
            json={
                "region": seed.REGION,
                "year": 2024,
                "award": "CO_NGANH",
                "candidate_unit": UNIT,
            },
        ),
        201,
    )
    return Target(
        app,
        {role: minted_caller(role) for role in ROLES},
        known={
            "pack_id": [pack["pack_id"]],
            "staff_code": [*staff[:2], "cb-027-0000"],
            "unit_id": [UNIT, "stp-79-2025"],
            "registration_id": [registration["id"]],
            "nomination_id": [nomination["nomination_id"]],
            "subject_id": staff[:2],
            "acclamation_id": [acclamation["acclamation_id"]],
            "year": [2024, YEAR],
        },
    )


TARGETS: dict[str, Callable[[Stack, Upstream], Target]] = {
    "identity": identity_target,
    "criteria": criteria_target,
    "scoring": scoring_target,
    "awards": awards_target,
    "notify": notify_target,
}


# -- what a failure looks like ----------------------------------------------------------------


class ServerFaults(logging.Handler):
    """The exceptions behind the 500s: kit.web logs each one it turns into a problem."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = record.exc_info[1]


def _cause(error: BaseException) -> str:
    """``TypeError: message (kit/pagination.py:42 in paginate)``: the project frame nearest
    to where it was raised."""
    frames = traceback.extract_tb(error.__traceback__)
    root = str(Path(__file__).resolve().parents[1])
    ours = [f for f in frames if f.filename.startswith(root) and "/.venv/" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = (
        f" ({Path(where.filename).resolve().relative_to(root)}:{where.lineno} in {where.name})"
        if where and where.filename.startswith(root)
        else (f" ({where.filename}:{where.lineno})" if where else "")
    )
    message = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {message}{place}"


@dataclass
class Finding:
    service: str
    role: str
    stack: str
    operation: str
    check: str
    title: str
    message: str
    cause: str | None
    request: str
    status: int | None
    content_type: str | None
    body: str
    seen: int = 1

    def key(self) -> tuple[str, ...]:
        return (self.operation, self.check, self.title, self.cause or "")

    def render(self) -> str:
        lines = [
            f"{self.operation} — {self.title} [{self.check}] (seen {self.seen}×)",
            f"    request:  {self.request}",
        ]
        if self.status is not None:
            answer = f"{self.status} {self.content_type or ''} {self.body}"
            lines.append(f"    response: {answer}".rstrip())
        if self.cause:
            lines.append(f"    cause:    {self.cause}")
        detail = " ".join(self.message.split())
        if detail:
            lines.append(f"    detail:   {detail[:500]}")
        return "\n".join(lines)


def _check_of(failure: Failure) -> str:
    return failure.checks[0] if failure.checks else type(failure).__name__


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= BODY_EXCERPT else flat[:BODY_EXCERPT] + " …"


class Findings:
    def __init__(self, service: str, role: str, stack: str) -> None:
        self.service, self.role, self.stack = service, role, stack
        self.by_key: dict[tuple[str, ...], Finding] = {}
        self.cases = 0
        self.answered: Counter[tuple[str, int]] = Counter()  # (operation, status) -> requests

    def add(
        self,
        case: Any,
        check: str,
        title: str,
        message: str,
        response: Any,
        cause: str | None,
        sent: dict[str, str] | None = None,
    ) -> None:
        shown = {**(sent or {}), "Authorization": f"Bearer <{self.role} token>"}
        request = case.as_curl_command(headers=shown)
        finding = Finding(
            service=self.service,
            role=self.role,
            stack=self.stack,
            operation=f"{case.operation.method.upper()} {case.operation.path}",
            check=check,
            title=title,
            message=message,
            cause=cause,
            request=request,
            status=getattr(response, "status_code", None),
            content_type=(response.headers.get("content-type") or [None])[0] if response else None,
            body=_excerpt(response.text) if response is not None else "",
        )
        known = self.by_key.get(finding.key())
        if known is None:
            self.by_key[finding.key()] = finding
            return
        known.seen += 1
        if len(finding.request) < len(known.request):  # keep the smallest reproduction
            finding.seen = known.seen
            self.by_key[finding.key()] = finding

    def add_error(self, operation: str, error: BaseException) -> None:
        """Schemathesis could not fuzz the operation at all (what its document says)."""
        message = " ".join(str(error).split())
        finding = Finding(
            service=self.service,
            role=self.role,
            stack=self.stack,
            operation=operation,
            check="schema",
            title=type(error).__name__,
            message=message,
            cause=None,
            request="(none: schemathesis could not make one from the document)",
            status=None,
            content_type=None,
            body="",
        )
        self.by_key.setdefault(finding.key(), finding)

    def report(self) -> str:
        items = sorted(self.by_key.values(), key=lambda f: (f.operation, f.check, f.title))
        head = (
            f"{len(items)} distinct failure(s) fuzzing {self.service} as the {self.role} "
            f"officer on the {self.stack} stack ({self.cases} requests):"
        )
        return "\n\n".join([head, *(f.render() for f in items)])

    def write(self, path: str) -> None:
        with open(path, "a", encoding="utf-8") as out:
            for finding in self.by_key.values():
                out.write(json.dumps(finding.__dict__, ensure_ascii=False) + "\n")


# -- the fuzzing ------------------------------------------------------------------------------


def _offer_known(schema: Any, known: dict[str, list[Any]]) -> None:
    """Path parameters name identifiers that exist, three requests in four: the other one
    keeps the generated value (the "no such object" answers), and so does every request whose
    point is a wrong path parameter. Coverage, examples and random requests alike."""
    turn = itertools.count()

    @schema.hook
    def map_case(context: Any, case: Any) -> Any:
        if not case.path_parameters or not any(known.get(n) for n in case.path_parameters):
            return case
        n = next(turn)
        meta = case.meta
        path = meta.components.get(ParameterLocation.PATH) if meta else None
        negated = path is not None and path.mode == GenerationMode.NEGATIVE
        aimed = meta is not None and meta.phase.data.parameter_location == ParameterLocation.PATH
        if negated or aimed or n % 4 == 3:
            return case
        for name in case.path_parameters:
            if known.get(name):
                case.path_parameters[name] = known[name][n % len(known[name])]
        return case


def fuzz(target: Target, service: str, role: str, stack_kind: str) -> Findings:
    caller = target.callers[role]
    findings = Findings(service, role, stack_kind)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", target.app, config=config(stack_kind))
    _offer_known(schema, target.known)
    faults = ServerFaults()

    writes = itertools.count()

    def headers_for(case: Any) -> dict[str, str]:
        """The caller's token, and for a write that needs one the current ETag as If-Match,
        three writes in four (the fourth shows the 428)."""
        extra: dict[str, str] = {}
        declared = {name.lower() for name in case.headers or {}}
        if target.etag_for and "if-match" not in declared and next(writes) % 4 != 3:
            etag = target.etag_for(case)
            if etag:
                extra["If-Match"] = etag
        return extra

    def run(case: Any) -> None:
        findings.cases += 1
        faults.last = None
        response = None
        extra = headers_for(case)
        try:
            response = case.call(headers={**caller.headers(), **extra})
            findings.answered[(case.operation.label, response.status_code)] += 1
            case.validate_response(response, headers=caller.headers())
        except FailureGroup as group:
            for failure in group.exceptions:
                cause = None
                if isinstance(failure, ServerError) and faults.last is not None:
                    cause = _cause(faults.last)
                findings.add(
                    case, _check_of(failure), failure.title, failure.message, response, cause, extra
                )
        except Exception as error:  # the harness or schemathesis could not send or check it
            findings.add(case, "harness", type(error).__name__, str(error), response, None, extra)
        if target.after_call:
            target.after_call(caller)

    web_log = logging.getLogger("kit.web")
    level = web_log.level
    web_log.setLevel(logging.ERROR)  # thousands of request lines would bury the report
    web_log.addHandler(faults)
    try:
        # The same per-operation Hypothesis tests `schema.parametrize()` builds (explicit
        # examples, coverage cases, random ones), run here one by one so that a failure is
        # recorded and the fuzzing goes on, rather than stopping the operation at the first.
        for result in get_all_tests(schema=schema, test_func=run, settings=None, given_kwargs={}):
            if not isinstance(result, Ok):  # the document itself is wrong here
                error = result.err()
                label = f"{(error.method or '').upper()} {error.path or ''}".strip()
                findings.add_error(label, error)
                continue
            operation, test = result.ok()
            if (service, operation.method.upper(), operation.path) in EXCLUDED:
                continue
            try:
                test()
            except Exception as error:  # e.g. no request can be generated from its schema
                findings.add_error(f"{operation.method.upper()} {operation.path}", error)
    finally:
        web_log.removeHandler(faults)
        web_log.setLevel(level)
    return findings


# Both callers on SQLite + the local bus; on PostgreSQL + RabbitMQ the ministry officer, whose
# grants reach the most code, with fewer random examples (MAX_EXAMPLES), to fit in CI.
RUNS = [
    *(("embedded", service, role) for service in SERVICES for role in ROLES),
    *(("infra", service, "ministry") for service in SERVICES),
]


@pytest.mark.parametrize(
    ("stack", "service", "role"),
    RUNS,
    indirect=["stack"],
    ids=[f"{kind}-{service.name}-{role}" for kind, service, role in RUNS],
)
def test_every_answer_keeps_to_the_document(
    stack: Stack, upstream: Upstream, service: Service, role: str
) -> None:
    target = TARGETS[service.name](stack, upstream)
    findings = fuzz(target, service.name, role, stack.kind)
    if os.environ.get("THIDUA_FUZZ_REPORT"):
        findings.write(os.environ["THIDUA_FUZZ_REPORT"])
    assert findings.cases > 0
    if findings.by_key:
        pytest.fail(findings.report(), pytrace=False)
