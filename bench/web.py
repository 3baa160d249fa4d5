"""The web application, signed in, against the whole platform in embedded mode.

Every process of the Procfile runs (``make up``'s embedded mode: SQLite and the local bus in
a temporary ``THIDUA_VAR``): the five services under gunicorn with their relays, consumers and
scoring's scheduler, the gateway and the web application, loaded with the real reference data,
the demo accounts and the demo criteria tables. The ministry opens the 2026 round of the
sample table; then, as a browser would, through the gateway and with the session cookie:

1. Trần Thị Bình (stp.hanoi) signs in through the web application's form and fills in her
   unit's sheet criterion by criterion with the form's own requests (``POST
   /sheets/<id>/entries/<code>``, what htmx sends on each change): the autosave round trip
   (the web application reads the form, saves through the API with the entry's ETag, reads
   the sheet back for the totals, renders the fragment);
2. she opens the self-assessment page of the filled sheet (``GET /sheets/<id>``) again and
   again;
3. every other unit's sheet is filled and the round goes to the end through the API (submit,
   region review, appraisal, finalise, closed, results published), and she opens the national
   ranking page (``GET /rounds/<id>/results``).

One request at a time, each answered before the next is sent (one officer at her desk); the
latencies are the client's, from sending the request to reading the whole answer. The web
process logs each request with the time it spent waiting for the API, and the gateway logs
each API call with the page's request id: the section splits a page's time with them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import requests

from bench import cpu, stacks
from bench.gateway import _free_port, _wait_until_answering
from bench.procs import Running, python_module
from bench.report import Section, Table
from bench.runner import Options
from bench.stats import ms, percentile

TITLE = "The web application"
SERVICES = ("identity", "criteria", "scoring", "awards", "notify")
RELAYS = SERVICES  # every service has an outbox (the Procfile runs a relay for each)
YEAR = 2026  # the demo tables are 2024's and its clone for 2026
UNIT = "stp-01"  # Sở Tư pháp thành phố Hà Nội, stp.hanoi's unit
OFFICER, ADMIN = "stp.hanoi", "quantri"  # the system administrator may act on every sheet
UNLIMITED = "1000000/minute"
EXAMPLES = Path(__file__).resolve().parent.parent / "services/criteria/data/sample-scoresheets.json"
TARGETS_MS = {"page": 300.0, "autosave": 150.0}  # issue 10: p95 on this machine


@dataclass(frozen=True)
class Plan:
    autosave_passes: int  # times the whole sheet is filled in, criterion by criterion
    page_requests: int
    ranking_requests: int
    warmup: int


FULL = Plan(autosave_passes=3, page_requests=200, ranking_requests=200, warmup=10)
QUICK = Plan(autosave_passes=1, page_requests=5, ranking_requests=5, warmup=1)


class Failed(RuntimeError):
    pass


@dataclass
class Measured:
    what: str
    path: str
    samples: list[float] = field(default_factory=list)  # seconds
    request_ids: list[str] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)


# -- the platform ----------------------------------------------------------------------------


def _prepare(stack: stacks.Stack) -> None:
    """Migrations, the bus's queues, and what ``make demo-data`` loads."""
    from kit import migrate
    from kit.events import bus
    from services.awards.service import SERVICE as AWARDS
    from services.criteria.domain import demo as criteria_demo
    from services.criteria.service import SERVICE as CRITERIA
    from services.identity.domain import demo, reference
    from services.identity.service import SERVICE as IDENTITY
    from services.notify.service import SERVICE as NOTIFY
    from services.scoring.service import SERVICE as SCORING

    with bus.connect(stack.bus_url) as connection:
        for service in (IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY):
            migrate.upgrade(service, stack.database_urls[service.name])
            bus.declare(
                connection, bus.Topology(stack.bus_prefix), service.name, service.subscriptions
            )
    identity, criteria = stack.database("identity"), stack.database("criteria")
    try:
        with identity.transaction() as session:
            reference.load(session, last_year=YEAR + 1)
            demo.seed(session)
        with criteria.transaction() as session:
            criteria_demo.load(session)
    finally:
        identity.dispose()
        criteria.dispose()


def _subscribers() -> list[str]:
    from services.awards.service import SERVICE as AWARDS
    from services.criteria.service import SERVICE as CRITERIA
    from services.identity.service import SERVICE as IDENTITY
    from services.notify.service import SERVICE as NOTIFY
    from services.scoring.service import SERVICE as SCORING

    return [s.name for s in (IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY) if s.subscriptions]


@dataclass
class Platform:
    gateway: str
    web: str
    watch: list[Running]
    logs: Path

    def check(self) -> None:
        for process in self.watch:
            process.check()


def _start(stack: stacks.Stack, processes: ExitStack) -> Platform:
    ports = {name: _free_port() for name in (*SERVICES, "gateway", "web")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    base = stack.env()
    conf = ["-c", "python:kit.gunicorn_conf"]
    logs = stack.var / "logs"
    jwks = f"{url['identity']}/.well-known/jwks.json"
    watch: list[Running] = []

    def start(name: str, module: str, args: list[str], **env: str) -> None:
        watch.append(
            processes.enter_context(python_module(name, module, args, {**base, **env}, logs))
        )

    for name in SERVICES:
        start(
            name,
            "gunicorn",
            [*conf, f"services.{name}.app:create_app()"],
            PORT=str(ports[name]),
            THIDUA_JWKS_URL=jwks,
        )
    for name in RELAYS:
        start(f"{name}-relay", f"services.{name}", ["relay"])
    for name in _subscribers():
        start(f"{name}-consumer", f"services.{name}", ["consume"])
    start("scoring-scheduler", "services.scoring", ["scheduler"])
    start(
        "gateway",
        "gunicorn",
        [*conf, "gateway.app:create_app()"],
        PORT=str(ports["gateway"]),
        LOG_LEVEL="INFO",  # one line per API call, with the web page's request id
        GATEWAY_UPSTREAM_WEB=url["web"],
        GATEWAY_RATE_LIMIT_TOKEN=UNLIMITED,
        GATEWAY_RATE_LIMIT_ADDRESS=UNLIMITED,
        GATEWAY_RATE_LIMIT_CLIENT=UNLIMITED,
        **{f"GATEWAY_UPSTREAM_{name.upper()}": url[name] for name in SERVICES},
    )
    start(
        "web",
        "gunicorn",
        [*conf, "web.app:create_app()"],
        PORT=str(ports["web"]),
        LOG_LEVEL="INFO",  # one line per page, with its time waiting for the API
        WEB_API_URL=f"{url['gateway']}/api/v1",
    )
    gateway = url["gateway"]
    _wait_until_answering(f"{gateway}/readyz", watch, seconds=90)
    _wait_until_answering(f"{url['web']}/readyz", watch, seconds=90)
    return Platform(gateway, url["web"], watch, logs)


# -- the API, for what is not measured -------------------------------------------------------


class Api:
    def __init__(self, platform: Platform, username: str) -> None:
        self.base = f"{platform.gateway}/api/v1"
        self.platform = platform
        self.local = threading.local()
        answer = requests.post(
            f"{self.base}/identity/oauth/token",
            data={"grant_type": "password", "username": username, "password": _password()},
            timeout=30,
        )
        if answer.status_code != 200:
            raise Failed(f"sign-in of {username}: {answer.status_code} {answer.text[:300]}")
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(
        self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any
    ) -> requests.Response:
        if not hasattr(self.local, "http"):
            self.local.http = requests.Session()
            self.local.http.trust_env = False
        headers = {**self.headers, **kwargs.pop("headers", {})}
        answer = self.local.http.request(
            method, self.base + path, headers=headers, timeout=60, **kwargs
        )
        if answer.status_code not in expect:
            self.platform.check()
            raise Failed(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer


def _password() -> str:
    from services.identity.domain import demo

    return demo.PASSWORD


def _examples() -> list[dict[str, Any]]:
    return [example["sheet"] for example in json.loads(EXAMPLES.read_text(encoding="utf-8"))]


def _scoring_caught_up(stack: stacks.Stack, platform: Platform, timeout: float = 120) -> None:
    """Wait until scoring's consumer has applied every event of identity and criteria it
    subscribes to (the units, the mergers, the regions, the tables): a round opened before
    would get the sheets of a half-known organisation."""
    from sqlalchemy import select

    from kit.events.consumer import topic_matches
    from kit.events.tables import inbox, outbox
    from services.scoring.service import SERVICE as SCORING

    patterns = list(SCORING.subscriptions)
    wanted: set[str] = set()
    for name in ("identity", "criteria"):
        db = stack.database(name)
        try:
            with db.read() as session:
                rows = session.execute(select(outbox.c.event_id, outbox.c.type)).all()
        finally:
            db.dispose()
        wanted |= {eid for eid, kind in rows if any(topic_matches(p, kind) for p in patterns)}
    scoring = stack.database("scoring")
    deadline = time.monotonic() + timeout
    try:
        while True:
            with scoring.read() as session:
                handled = set(
                    session.execute(
                        select(inbox.c.event_id).where(inbox.c.consumer == "scoring")
                    ).scalars()
                )
            if wanted <= handled:
                return
            if time.monotonic() > deadline:
                raise Failed(f"scoring applied {len(wanted & handled)} of {len(wanted)} events")
            platform.check()
            time.sleep(0.2)
    finally:
        scoring.dispose()


def _open_round(ministry: Api, platform: Platform) -> tuple[str, dict[str, str]]:
    """The 2026 round of the sample table in self-assessment; unit id -> sheet id."""
    deadline = time.monotonic() + 90
    body = {
        "year": YEAR,
        "unit_kind": "so-tu-phap",
        "name": f"Thi đua năm {YEAR} (bench)",
        "self_assessment_due": f"{YEAR}-12-15T10:00:00+00:00",
        "review_due": f"{YEAR}-12-20T10:00:00+00:00",
        "appraisal_due": f"{YEAR + 1}-01-10T10:00:00+00:00",
    }
    while True:  # the table and the units reach scoring through the bus
        created = ministry.call("POST", "/scoring/rounds", expect=(201, 409, 422), json=body)
        if created.status_code == 201:
            break
        if time.monotonic() > deadline:
            raise Failed(f"scoring never knew the {YEAR} table: {created.text[:300]}")
        platform.check()
        time.sleep(0.5)
    round_id = created.json()["id"]
    ministry.call("POST", f"/scoring/rounds/{round_id}/phase", json={"to": "self_assessment"})
    listed = ministry.call("GET", f"/scoring/rounds/{round_id}/sheets?page_size=200").json()
    units = ministry.call(
        "GET", f"/identity/org/units?as_of={YEAR}-12-31&kind=so-tu-phap&page_size=200"
    ).json()
    if listed["total"] != units["total"]:
        raise Failed(f"{listed['total']} sheets for {units['total']} units in {YEAR}")
    return round_id, {s["unit_id"]: s["id"] for s in listed["items"]}


def _parallel(tasks: list[Callable[[], None]], concurrency: int = 4) -> None:
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(task) for task in tasks]:
            future.result()


def _wait_computed(admin: Api, sheets: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    for sheet in sheets:
        while True:
            state = admin.call("GET", f"/scoring/sheets/{sheet}/computation").json()
            if state.get("compute_status") == "done" and (
                state.get("computed_revision") == state.get("revision")
            ):
                break
            if time.monotonic() > deadline:
                raise Failed(f"sheet {sheet} not computed after {timeout:g} s: {state}")
            time.sleep(0.05)


def _to_the_end(admin: Api, round_id: str, sheets: dict[str, str]) -> int:
    """Fill every other sheet, submit them all, review, appraise, close, publish; the number
    of units ranked."""
    examples = _examples()
    order = sorted(sheets)

    def fill(unit: str) -> None:
        sheet = sheets[unit]
        example = examples[order.index(unit) % len(examples)]
        if unit != UNIT:  # the officer's own was filled through the web application
            for entry in admin.call("GET", f"/scoring/sheets/{sheet}").json()["entries"]:
                admin.call(
                    "PUT",
                    f"/scoring/sheets/{sheet}/entries/{entry['code']}",
                    headers={"If-Match": entry["etag"]},
                    json={"inputs": example["entries"][entry["code"]]},
                )
            etag = admin.call("GET", f"/scoring/sheets/{sheet}").headers["ETag"]
            admin.call(
                "PUT",
                f"/scoring/sheets/{sheet}/counts",
                headers={"If-Match": etag},
                json={"bonus": example.get("bonus", {}), "deduction": example.get("deduction", {})},
            )
        etag = admin.call("GET", f"/scoring/sheets/{sheet}").headers["ETag"]
        admin.call(
            "POST", f"/scoring/sheets/{sheet}/submit", expect=(202,), headers={"If-Match": etag}
        )

    _parallel([lambda u=u: fill(u) for u in order])
    _wait_computed(admin, list(sheets.values()))
    for phase in ("region_review", "appraisal"):
        admin.call("POST", f"/scoring/rounds/{round_id}/phase", json={"to": phase})

    def finalise(sheet: str) -> None:
        etag = admin.call("GET", f"/scoring/sheets/{sheet}").headers["ETag"]
        admin.call("POST", f"/scoring/sheets/{sheet}/finalise", headers={"If-Match": etag})

    _parallel([lambda s=s: finalise(s) for s in sheets.values()])
    admin.call("POST", f"/scoring/rounds/{round_id}/phase", json={"to": "closed"})
    _wait_computed(admin, list(sheets.values()))
    published = admin.call("POST", f"/scoring/rounds/{round_id}/results").json()
    return len(published["items"])


# -- the browser's requests ------------------------------------------------------------------


class Browser:
    """A signed-in browser: the session cookie, and the CSRF token htmx sends."""

    def __init__(self, gateway: str, username: str) -> None:
        self.gateway = gateway
        self.http = requests.Session()
        self.http.trust_env = False
        page = self.http.get(f"{gateway}/sign-in", timeout=30).text
        self.csrf = _csrf(page)
        answer = self.http.post(
            f"{gateway}/sign-in",
            data={"username": username, "password": _password(), "csrf_token": self.csrf},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise Failed(f"signing in {username} through the web: {answer.status_code}")
        self.csrf = _csrf(self.http.get(f"{gateway}/", timeout=30).text)

    def timed(
        self, method: str, path: str, into: Measured | None = None, **kwargs: Any
    ) -> requests.Response:
        request_id = f"bench-web-{secrets.token_hex(6)}"
        headers = {"X-Request-ID": request_id, **kwargs.pop("headers", {})}
        began = time.perf_counter()
        answer = self.http.request(
            method, self.gateway + path, headers=headers, timeout=60, **kwargs
        )
        _ = answer.content  # read to the end
        elapsed = time.perf_counter() - began
        if answer.status_code != 200:
            raise Failed(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        if into is not None:
            into.samples.append(elapsed)
            into.request_ids.append(request_id)
            into.bytes.append(len(answer.content))
        return answer


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if not found:
        raise Failed("no CSRF token on the page")
    return unescape(found.group(1))


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace(".", ",")  # as Vietnamese is typed: 95,5


def _etags(page: str) -> dict[str, str]:
    """The ETag of each criterion's entry, from the page's hidden inputs (``etag-<slug>``)."""
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'id="etag-([^"]+)" value="([^"]*)"', page)
    }


def _autosave(browser: Browser, sheet_id: str, table_id: str, passes: int) -> Measured:
    """Fill the sheet in ``passes`` times (each with another worked example), one criterion's
    form at a time, each new ETag taken from the answer as htmx would."""
    measured = Measured("Autosave of one criterion", "POST /sheets/<id>/entries/<code>")
    page = browser.timed("GET", f"/sheets/{sheet_id}").text
    etags = _etags(page)
    examples = _examples()
    for n in range(passes):
        example = examples[n % len(examples)]
        for code, inputs in example["entries"].items():
            slug = re.sub(r"[^A-Za-z0-9_-]", "-", code)
            form = {key: _form_value(value) for key, value in inputs.items()}
            form.update(table_id=table_id, etag=etags.get(slug, ""))
            answer = browser.timed(
                "POST",
                f"/sheets/{sheet_id}/entries/{code}",
                measured,
                data=form,
                headers={
                    "HX-Request": "true",
                    "HX-Current-URL": f"{browser.gateway}/sheets/{sheet_id}",
                    "X-CSRF-Token": browser.csrf,
                },
            )
            fresh = _etags(answer.text).get(slug)
            if not fresh:
                raise Failed(f"{code}: no new ETag in the answer: {answer.text[:400]}")
            etags[slug] = fresh
    return measured


def _pages(browser: Browser, what: str, path: str, label: str, count: int) -> Measured:
    measured = Measured(what, label)
    for _ in range(count):
        browser.timed("GET", path, measured)
    return measured


# -- where the time went: the web's and the gateway's logs -----------------------------------


def _log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


ID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Inside:
    web_ms: float  # the web process's own time for the request (median)
    api_ms: float  # of which waiting for the gateway (median)
    calls: float  # API calls per request (median)
    api_each_ms: float  # one API call as the gateway timed it (median)
    gateway_ms: float  # the page as the gateway timed it, forwarding to the web included
    by_call: dict[str, list[float]]  # API route -> each call's time at the gateway, ms


def _inside(platform: Platform, measured: Measured) -> Inside | None:
    web = {
        line["request_id"]: line
        for line in _log_lines(platform.logs / "web.log")
        if line.get("message") == "request"
    }
    calls: dict[str, list[float]] = {}
    pages: dict[str, float] = {}
    by_call: dict[str, list[float]] = {}
    ours = set(measured.request_ids)
    for line in _log_lines(platform.logs / "gateway.log"):
        if line.get("message") != "request" or line.get("request_id") not in ours:
            continue
        path = str(line.get("path", ""))
        if path.startswith("/api/"):
            calls.setdefault(line["request_id"], []).append(float(line["duration_ms"]))
            route = f"{line.get('method', '')} {ID.sub('/<id>', path.removeprefix('/api/v1'))}"
            by_call.setdefault(re.sub(r"/entries/[^/]+$", "/entries/<code>", route), []).append(
                float(line["duration_ms"])
            )
        else:
            pages[line["request_id"]] = float(line["duration_ms"])
    mine = [web[r] for r in measured.request_ids if r in web]
    if not mine:
        return None
    each = [d for r in measured.request_ids for d in calls.get(r, [])]
    return Inside(
        web_ms=statistics.median(float(line["duration_ms"]) for line in mine),
        api_ms=statistics.median(float(line.get("api_ms", 0)) for line in mine),
        calls=statistics.median(len(calls.get(r, [])) for r in measured.request_ids),
        api_each_ms=statistics.median(each) if each else 0.0,
        gateway_ms=statistics.median(pages[r] for r in measured.request_ids if r in pages)
        if any(r in pages for r in measured.request_ids)
        else 0.0,
        by_call=by_call,
    )


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Result:
    measured: list[Measured]
    inside: dict[str, Inside | None]
    ranked: int
    startup_s: float
    cpu: str
    entries: int


def _measure(plan: Plan, progress: Callable[[str], None]) -> Result:
    token = secrets.token_hex(4)
    cpu_before = cpu.Snapshot.take()
    with stacks.embedded(token, SERVICES) as stack, ExitStack() as processes:
        progress("web: migrations, reference data, demo accounts and tables")
        _prepare(stack)
        began = time.perf_counter()
        progress("web: starting every process of the Procfile")
        platform = _start(stack, processes)
        startup = time.perf_counter() - began
        _scoring_caught_up(stack, platform)
        ministry = Api(platform, "bo.tdkt")
        round_id, sheets = _open_round(ministry, platform)
        sheet_id = sheets[UNIT]
        table_id = ministry.call("GET", f"/scoring/rounds/{round_id}").json()["table_id"]
        officer = Browser(platform.gateway, OFFICER)
        for _ in range(plan.warmup):
            officer.timed("GET", f"/sheets/{sheet_id}")
        progress(f"web: autosave, {plan.autosave_passes} pass(es) over the sheet")
        autosave = _autosave(officer, sheet_id, table_id, plan.autosave_passes)
        progress(f"web: the self-assessment page, {plan.page_requests} times")
        page = _pages(
            officer,
            "Self-assessment page (sample table, filled in)",
            f"/sheets/{sheet_id}",
            "GET /sheets/<id>",
            plan.page_requests,
        )
        progress("web: every sheet to the end of the round, through the API")
        ranked = _to_the_end(Api(platform, ADMIN), round_id, sheets)
        for _ in range(plan.warmup):
            officer.timed("GET", f"/rounds/{round_id}/results")
        progress(f"web: the national ranking page, {plan.ranking_requests} times")
        ranking = _pages(
            officer,
            f"National ranking page ({ranked} units)",
            f"/rounds/{round_id}/results",
            "GET /rounds/<id>/results",
            plan.ranking_requests,
        )
        platform.check()
        measured = [page, ranking, autosave]
        time.sleep(0.5)  # the last log lines
        inside = {m.path: _inside(platform, m) for m in measured}
        entries = len(_examples()[0]["entries"])
    return Result(
        measured=measured,
        inside=inside,
        ranked=ranked,
        startup_s=startup,
        cpu=cpu.describe(cpu_before, cpu.Snapshot.take(), others="other work sharing the machine"),
        entries=entries,
    )


def _target(measured: Measured) -> tuple[str, str]:
    limit = TARGETS_MS["autosave" if measured.path.startswith("POST") else "page"]
    p95 = percentile(measured.samples, 95) * 1000
    return f"< {limit:g}", "yes" if p95 < limit else "**no**"


def _describe(result: Result, plan: Plan) -> Section:
    page, ranking, autosave = result.measured
    conditions = [
        "The whole platform in embedded mode, as `make up` runs it (the Procfile): the five "
        "services under gunicorn (`-c python:kit.gunicorn_conf`: 2 processes x 4 threads "
        "each), a relay per service, the consumers, scoring's scheduler, the gateway and the "
        "web application (also 2 x 4); SQLite files and the local bus in a temporary "
        "`THIDUA_VAR`. Loaded like `make demo-data`: the real reference data, the demo "
        "accounts and the demo criteria tables (the sample table and its 2026 clone, "
        f"{result.entries} criteria). Every process and the load generator on this machine.",
        "Every request goes to the gateway, which forwards the page to the web application; the "
        "web application asks the API through the gateway with the user's token, as in "
        "production. The gateway's rate limits are raised to 1000000/minute so they count "
        "but never refuse (one user here makes every API call from 127.0.0.1).",
        f"The user: {OFFICER} (unit officer of Hà Nội), signed in through the sign-in form; "
        "one `requests` session with keep-alive and the session cookie; one request at a time, "
        "each read to the end before the next is sent. Latency is the client's: sent to last "
        "byte read. Percentiles are nearest-rank.",
        f"Autosave: her sheet of the ministry's {YEAR} round filled in "
        f"{plan.autosave_passes} time(s), criterion by criterion, with the form fields htmx "
        "sends (`POST /sheets/<id>/entries/<code>`, `HX-Request`, `X-CSRF-Token`, the entry's "
        "ETag from the previous answer), each time with another of the worked examples of "
        "`sample-scoresheets.json`, so every save changes the entry.",
        f"Self-assessment page: `GET /sheets/<id>` of that filled sheet, {plan.page_requests} "
        f"times after {plan.warmup} warm-up requests. Ranking page: the round's other sheets "
        "filled and submitted, reviewed, appraised, finalised, closed and the results "
        f"published through the API (not timed), then `GET /rounds/<id>/results` (national, "
        f"{result.ranked} units), {plan.ranking_requests} times after {plan.warmup} warm-up.",
        "Inside: the web process's log line of each measured request (its own time and the "
        "time it waited for the API) and the gateway's log lines carrying the page's request "
        "id (one per API call), medians.",
        f"Processes ready {result.startup_s:.1f} s after they were started. CPU during the "
        f"whole run (set-up included): {result.cpu}.",
    ]
    rows = []
    for m in (page, ranking, autosave):
        target, met = _target(m)
        rows.append(
            [
                m.what,
                f"`{m.path}`",
                str(len(m.samples)),
                ms(percentile(m.samples, 50)),
                ms(percentile(m.samples, 95)),
                ms(max(m.samples)),
                target,
                met,
            ]
        )
    latency = Table(
        title="Through the gateway, signed in, one request at a time, milliseconds",
        headers=["What", "Request", "Requests", "p50", "p95", "max", "Target p95", "Met"],
        rows=rows,
    )
    inside_rows = []
    for m in (page, ranking, autosave):
        inside = result.inside.get(m.path)
        if inside is None:
            continue
        inside_rows.append(
            [
                f"`{m.path}`",
                f"{statistics.median(m.bytes) / 1024:.0f} KB",
                f"{inside.calls:g}",
                f"{inside.api_each_ms:.1f}",
                f"{inside.api_ms:.1f}",
                f"{inside.web_ms - inside.api_ms:.1f}",
                f"{inside.web_ms:.1f}",
                f"{inside.gateway_ms:.1f}",
            ]
        )
    split = Table(
        title="Where a request's time goes, medians",
        caption="From the web process's and the gateway's own log lines for the measured "
        "requests: the web's time, part of it waiting for its API calls (each through the "
        "gateway to a service), inside the gateway's time for the page, inside the client's "
        "(above).",
        headers=[
            "Request",
            "Answer size",
            "API calls",
            "One API call, ms",
            "Web waiting for the API, ms",
            "Web's own work, ms",
            "Web in all, ms",
            "Gateway in all, ms",
        ],
        rows=inside_rows,
    )
    call_rows = []
    for m in (page, ranking, autosave):
        inside = result.inside.get(m.path)
        for route, samples in sorted((inside.by_call if inside else {}).items()):
            call_rows.append(
                [
                    f"`{m.path}`",
                    f"`{route}`",
                    str(len(samples)),
                    f"{statistics.median(samples):.1f}",
                    f"{percentile(samples, 95):.1f}",
                ]
            )
    behind = Table(
        title="The API calls behind each request, at the gateway, milliseconds",
        caption="Calls the web process's cache answered (the criteria table, unit names) "
        "are not made.",
        headers=["Request", "API call", "Calls", "p50", "p95"],
        rows=call_rows,
    )
    reading = []
    for m in (page, ranking, autosave):
        target, met = _target(m)
        inside = result.inside.get(m.path)
        share = ""
        if inside is not None and inside.web_ms > 0:
            share = (
                f"; the web process spends {inside.web_ms:.0f} ms on it at the median, "
                f"{inside.api_ms / inside.web_ms:.0%} of that waiting for its "
                f"{inside.calls:g} API call(s)"
            )
        slowest = ""
        if inside is not None and inside.by_call:
            route, samples = max(inside.by_call.items(), key=lambda c: percentile(c[1], 95))
            slowest = (
                f" Its slowest call at the tail is `{route}` (p50 "
                f"{statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms)."
            )
        verdict = "within" if met == "yes" else "over"
        reading.append(
            f"**{m.what}.** p50 {ms(percentile(m.samples, 50))} ms, p95 "
            f"{ms(percentile(m.samples, 95))} ms: {verdict} the target ({target} ms){share}."
            + slowest
        )
    reading.append(
        "One officer at a time on a small machine that also runs every process of the "
        "platform: the figures are a floor for one user, not a capacity. Not measured here: "
        "many users at once, evidence uploads, the region's and the Ministry's pages, and "
        "PostgreSQL and RabbitMQ underneath (the scoring section measures the API under load "
        "there)."
    )
    return Section(
        name="web",
        title=TITLE,
        conditions=conditions,
        tables=[latency, split, behind],
        reading=reading,
    )


def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    result = _measure(plan, options.progress)
    return _describe(result, plan)


if __name__ == "__main__":  # python -m bench.web: the section alone, printed
    print(run(Options(quick=os.environ.get("BENCH_QUICK") == "1")).markdown("(a trial run)"))
