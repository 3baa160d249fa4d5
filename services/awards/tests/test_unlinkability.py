"""Nobody can tell how a member voted: not from any table of the awards database (every
column of every row, in the order the database returns them, with SQLite's rowid or
PostgreSQL's xmin), the event outbox and the audit trails included; not from any answer of
the API to the secretary, the Ministry, an administrator or the auditor; not from the logs.

The proof is indistinguishability. The same session is run twice on a wiped database; the
second time three members' ballots on one nominee are permuted (each gets another's choice
and receipt, as a random receipt could have been dealt). If anything stored or answered tied
a member to a ballot, the two runs would differ; they are compared whole, after naming the
values that differ between any two runs (fresh UUIDs, clock times, transaction ids) by their
order of appearance. The same check run against a deliberately leaky variant (ballots not
re-dealt, so kept in the order of voting) finds the difference: the check can fail.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, inspect, text

from conftest import service_app
from kit.app import runtime
from services.awards.models import UnitCopy
from services.awards.service import SERVICE
from services.awards.tests.council_seed import (
    MINISTRY,
    council,
    forwarded_file,
    member,
    present_and_open,
    schedule,
    session_id,
)
from services.awards.tests.seed import publish_sample_pack
from tests.support.stack import Stack
from tests.support.tokens import as_role

RECEIPTS = {  # fixed random receipts, so that the two runs can be compared
    "a": "QX4MZ7KD2B",
    "b": "C6TNW3JREV",
    "c": "H2PLY5SAFU",
    "d": "M7GQD4XKZN",
    "e": "T3VBJ6WCPL",
    "f": "B5RKN2YHQE",
    "g": "Z4DWS7MJTA",
    "h": "F6XCL3PVGR",
}
# Who votes what, in order: (member, [(nominee, choice, receipt)]). tv-5 is absent and votes
# in writing before the session opens; tv-4 leaves cb-2 unvoted.
WRITTEN = [("tv-5", [("cb-1", "dong-y", "a"), ("cb-2", "dong-y", "b")])]
IN_SESSION = [
    ("tv-1", [("cb-1", "dong-y", "c"), ("cb-2", "khong-dong-y", "d")]),
    ("tv-2", [("cb-1", "khong-dong-y", "e"), ("cb-2", "dong-y", "f")]),
    ("tv-3", [("cb-1", "abstain", "g"), ("cb-2", "abstain", "h")]),
    ("tv-4", [("cb-1", "dong-y", "i")]),
]
RECEIPTS["i"] = "K2NEW5QTYD"
CHOICES = ("dong-y", "khong-dong-y", "abstain")


def permuted(plan: list[Any]) -> list[Any]:
    """The plan with tv-1's, tv-2's and tv-3's ballots on cb-1 passed round: tv-1 casts
    tv-3's, tv-2 tv-1's, tv-3 tv-2's (choice and receipt)."""
    cb1 = {user: next(b for b in ballots if b[0] == "cb-1") for user, ballots in plan}
    given = {"tv-1": cb1["tv-3"], "tv-2": cb1["tv-1"], "tv-3": cb1["tv-2"]}
    return [
        (user, [given.get(user, b) if b[0] == "cb-1" else b for b in ballots])
        for user, ballots in plan
    ]


# -- reading everything --------------------------------------------------------------------------

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?")


def dump_database(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as the database returns them (no ORDER BY), with the order
    of insertion the database keeps by itself (rowid; PostgreSQL's xmin)."""
    with app.app_context():
        engine = runtime().db.engine
    postgres = engine.dialect.name == "postgresql"
    out = {}
    with engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            if table == "alembic_version":
                continue
            system = "xmin::text AS _xmin, " if postgres else "rowid AS _rowid, "
            rows = connection.execute(text(f'SELECT {system}* FROM "{table}"')).mappings()
            out[table] = [dict(row) for row in rows]
    return out


def wipe(app: Flask) -> None:
    with app.app_context():
        engine = runtime().db.engine
    with engine.begin() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            reflected = MetaData()
            reflected.reflect(connection)
            for table in reversed(reflected.sorted_tables):  # children first
                if table.name != "alembic_version":
                    connection.execute(table.delete())


def canonical(value: Any) -> Any:
    """``value`` with what differs between any two runs named by its order of appearance:
    UUIDs by first appearance; instants and transaction ids by their rank among the values
    of the same column or key (so their order, which could pair rows, is kept)."""
    value = decoded(value)
    seen: dict[str, str] = {}
    instants: dict[str, set[str]] = {}
    xmins: set[int] = set()

    def collect(v: Any, key: str = "") -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                collect(item, str(k))
        elif isinstance(v, list):
            for item in v:
                collect(item, key)
        elif key == "_xmin":
            xmins.add(int(v))
        elif isinstance(v, str) and INSTANT.fullmatch(v):
            instants.setdefault(key, set()).add(v)

    def rename(v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            return {k: rename(item, str(k)) for k, item in v.items()}
        if isinstance(v, list):
            return [rename(item, key) for item in v]
        if key == "_xmin":
            return f"xid#{ranks_x[int(v)]}"
        if isinstance(v, str):
            if INSTANT.fullmatch(v):
                return f"t#{ranks_t[key][v]}"
            return UUID.sub(lambda m: seen.setdefault(m.group(0), f"uuid#{len(seen)}"), v)
        return v

    collect(value)
    ranks_t = {}  # equal instants (a stored one and its answer) share their rank
    for key, values in instants.items():
        order = sorted({_instant_key(t) for t in values})
        ranks_t[key] = {t: order.index(_instant_key(t)) for t in values}
    ranks_x = {x: i for i, x in enumerate(sorted(xmins))}
    return rename(value)


def decoded(v: Any) -> Any:
    """Plain values: JSON text parsed, instants and days as ISO text, bytes as text."""
    if isinstance(v, dict):
        return {str(k): decoded(item) for k, item in v.items()}
    if isinstance(v, list | tuple):
        return [decoded(item) for item in v]
    if isinstance(v, bytes | memoryview):
        v = bytes(v).decode("utf-8", "replace")
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return decoded(json.loads(v))
        except ValueError:
            return v
    if isinstance(v, str) and INSTANT.fullmatch(v):
        return _iso(v)
    return v


def _iso(v: str) -> str:
    return v.replace(" ", "T", 1)


def _instant_key(v: str) -> Any:
    parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()  # stored UTC


# -- one run -----------------------------------------------------------------------------------

SECRETARY = member("tv-2")
ADMIN = as_role("system_admin")
AUDITOR = as_role("auditor")


def run(
    app: Flask, client: FlaskClient, plan: list[Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], list[Any], list[str]]:
    """The session on a wiped database: every table, every answer, the receipts dealt."""
    wipe(app)
    publish_sample_pack(client)
    with app.app_context(), runtime().db.transaction() as session:
        session.add(UnitCopy(unit_id="stp-01", kind="so-tu-phap", name="Sở Tư pháp Hà Nội"))
    file_id = forwarded_file(app, subjects=(("cb-1", "Nguyễn Văn An"), ("cb-2", "Trần Thị Bình")))
    made = council(client, 5)
    sid = session_id(schedule(client, made["council_id"], [file_id]))
    queue = [RECEIPTS[r] for _, ballots in plan for _, _, r in ballots]
    monkeypatch.setattr("services.awards.domain.ballots.new_receipt", lambda: queue.pop(0))

    def cast(user: str, ballots: list[Any]) -> None:
        answer = client.post(
            f"/councils/sessions/{sid}/ballots",
            json={
                "votes": [
                    {"nomination_id": file_id, "subject_id": s, "choice": c} for s, c, _ in ballots
                ]
            },
            # A key the kit would keep with the answer (the receipts) under the member's id.
            headers={**member(user), "Idempotency-Key": f"ballot-paper-{user}"},
        )
        assert answer.status_code == 201, answer.get_json()
        assert [b["receipt"] for b in answer.get_json()["ballots"]] == [
            RECEIPTS[r] for _, _, r in ballots
        ]

    written = [p for p in plan if p[0] == "tv-5"]
    for user, ballots in written:
        cast(user, ballots)
    current = client.get(f"/councils/sessions/{sid}", headers=MINISTRY)
    present_and_open(client, current, ["tv-1", "tv-2", "tv-3", "tv-4"])
    for user, ballots in plan:
        if (user, ballots) not in written:
            cast(user, ballots)
    answers = [_answers(client, sid, made["council_id"], file_id, "before closing")]
    current = client.get(f"/councils/sessions/{sid}", headers=SECRETARY)
    closed = client.post(
        f"/councils/sessions/{sid}/close",
        headers={**SECRETARY, "If-Match": current.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.get_json()
    answers.append(_answers(client, sid, made["council_id"], file_id, "after closing"))
    for code in sorted(RECEIPTS.values()):
        checked = client.post(
            "/ballots/receipts/check",
            json={"receipt": code},
            headers={**MINISTRY, "Idempotency-Key": f"check-{code}"},
        )
        answers.append(checked.get_json())
    return dump_database(app), answers, queue


def _answers(client: FlaskClient, sid: str, council_id: str, file_id: str, when: str) -> Any:
    out: dict[str, Any] = {"when": when}
    for name, headers in (
        ("ministry", MINISTRY),
        ("secretary", SECRETARY),
        ("admin", ADMIN),
        ("auditor", AUDITOR),
    ):
        for label, path in (
            ("session", f"/councils/sessions/{sid}"),
            ("tally", f"/councils/sessions/{sid}/tally"),
            ("council", f"/councils/{council_id}"),
            ("sessions", f"/councils/{council_id}/sessions"),
            ("councils", "/councils"),
            ("file", f"/nominations/{file_id}"),
        ):
            answer = client.get(path, headers=headers)
            out[f"{name} {label}"] = (answer.status_code, answer.get_json())
    return out


def compare(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, variant: Callable[[], None] | None = None
) -> tuple[Any, Any]:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    if variant is not None:
        variant()
    plan = WRITTEN + IN_SESSION
    first = run(app, client, plan, monkeypatch)
    second = run(app, client, permuted(plan), monkeypatch)
    return canonical(first[:2]), canonical(second[:2])


def test_no_table_or_answer_tells_how_a_member_voted(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (tables_a, answers_a), (tables_b, answers_b) = compare(stack, monkeypatch)

    # The runs did differ where they should: tv-1 voted yes on cb-1 the first time, abstained
    # the second; and the tally (which names no member) is the same.
    assert permuted(WRITTEN + IN_SESSION) != WRITTEN + IN_SESSION
    assert tables_a["council_ballots"], "the ballots are there to read"
    assert tables_a["council_ballots_cast"], "so is who has voted"
    assert tables_a["event_outbox"], "and the events of the session"
    for table in tables_a:
        assert tables_a[table] == tables_b[table], f"{table} tells the runs apart"
    assert answers_a == answers_b, "an answer of the API tells the runs apart"

    # Nothing logged carries a choice or a receipt.
    logged = " ".join(str(vars(r)) for r in caplog.records)
    for word in (*RECEIPTS.values(), *CHOICES):
        assert word not in logged, word


def test_the_check_catches_ballots_kept_in_the_order_of_voting(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leaky ballot box: rows left where they were written, so their order (and SQLite's
    rowid, PostgreSQL's xmin) follows the order members voted in."""

    def leaky() -> None:
        monkeypatch.setattr(
            "services.awards.domain.ballots.redeal", lambda session, sid, nominee: None
        )

    (tables_a, _), (tables_b, _) = compare(stack, monkeypatch, leaky)
    assert tables_a["council_ballots"] != tables_b["council_ballots"]
