"""What a sheet's life sends: ``scoring.sheet.submitted`` exactly once per submission by its
unit, never for a review, an appraisal, a finalisation or a table amendment; and every
computation of totals asked for with scoring's own command ``scoring.sheet.compute_requested``,
which alone keeps the totals current. Both stacks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.app import database
from kit.cli import make_cli
from kit.events import CloudEvent
from kit.events.tables import outbox
from services.scoring import events
from services.scoring.commands import add_commands
from services.scoring.domain import computation as computation_of
from services.scoring.domain import lifecycle, sheets
from services.scoring.models import Change, Round, Sheet
from services.scoring.service import SERVICE
from services.scoring.tests.test_workflow import (
    DELTA_LEAD,
    EXAMPLE,
    HANOI,
    HCM,
    OFFICER,
    Scoring,
    fill,
    move_to_amendment,
    open_round,
)
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import unit_officer

EXAMPLE_CODE = next(iter(EXAMPLE["sheet"]["entries"]))


@pytest.fixture
def scoring(stack: Stack) -> Scoring:
    fed = Scoring(stack)
    fed.feed()
    return fed


SHEET_TYPES = (
    events.SHEET_SUBMITTED,
    events.SHEET_RETURNED,
    events.SHEET_FINALISED,
    events.SHEET_COMPUTE_REQUESTED,
)


class Watch:
    """The sheet messages emitted since the last look, and the worker handling only the
    compute command (never ``submitted``) after each step."""

    def __init__(self, scoring: Scoring) -> None:
        self.scoring = scoring
        self.seen = 0

    def since(self) -> list[dict]:
        with self.scoring.app.app_context(), database().read() as session:
            rows = session.execute(
                select(outbox.c.id, outbox.c.envelope)
                .where(outbox.c.type.in_(SHEET_TYPES), outbox.c.id > self.seen)
                .order_by(outbox.c.id)
            ).all()
        if rows:
            self.seen = rows[-1].id
        return [json.loads(r.envelope) for r in rows]

    def step(self, expected: dict[str, int], *, work: bool = True) -> list[dict]:
        """The messages of one step, counted by type, each valid against its schema; then the
        worker handles the compute commands among them (unless ``work`` is false: they wait,
        and are handled at the next step that works)."""
        emitted = self.since()
        assert Counter(e["type"] for e in emitted) == Counter(expected), emitted
        for envelope in emitted:
            assert_valid_event(envelope)
        if work:
            self.scoring.work()
        return emitted


def computation(scoring: Scoring, sheet_id: str) -> dict:
    response = scoring.client.get(f"/sheets/{sheet_id}/computation", headers=OFFICER)
    assert response.status_code == 200
    return response.get_json()


def assert_current(scoring: Scoring, sheet_id: str) -> dict:
    """The worker computed the sheet's current revision (through the command alone)."""
    computed = computation(scoring, sheet_id)
    assert computed["compute_status"] == "done", computed
    assert computed["computed_revision"] == computed["revision"], computed
    return computed


def post(scoring: Scoring, path: str, headers: dict, etag: str, body: dict | None = None):
    response = scoring.client.post(path, json=body, headers={**headers, "If-Match": etag})
    assert response.status_code in (200, 202), response.get_json()
    return response


def submitted_sheets(scoring: Scoring) -> list[str]:
    """Two units' sheets filled as the worked example and submitted: two jobs queued."""
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    ids = []
    for unit, headers in (("stp-01", HANOI), ("stp-79-2025", HCM)):
        sheet = fill(scoring, scoring.sheet_of(round_id, unit, headers), headers)
        post(scoring, f"/sheets/{sheet['id']}/submit", headers, sheet["etag"])
        ids.append(sheet["id"])
    return ids


def test_submitted_once_per_submission_and_every_recompute_through_the_command(
    scoring: Scoring,
) -> None:
    SUBMITTED, RETURNED, FINALISED = (
        events.SHEET_SUBMITTED,
        events.SHEET_RETURNED,
        events.SHEET_FINALISED,
    )
    COMPUTE = events.SHEET_COMPUTE_REQUESTED
    watch = Watch(scoring)
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    hanoi = fill(scoring, scoring.sheet_of(round_id, "stp-01", HANOI), HANOI)
    hcm = fill(scoring, scoring.sheet_of(round_id, "stp-79-2025", HCM), HCM)
    sheet_id = hanoi["id"]
    watch.step({})  # a unit's own figures and counts ask for nothing

    # A unit submits: the public fact once, and the computation of that revision.
    submitted = post(scoring, f"/sheets/{sheet_id}/submit", HANOI, hanoi["etag"])
    emitted = {e["type"]: e for e in watch.step({SUBMITTED: 1, COMPUTE: 1})}
    fact, job = emitted[SUBMITTED], emitted[COMPUTE]
    revision = submitted.get_json()["revision"]
    assert fact["subject"] == job["subject"] == f"sheet/{sheet_id}"
    assert fact["data"]["revision"] == job["data"]["revision"] == revision
    assert fact["data"]["status"] == "submitted"
    assert assert_current(scoring, sheet_id)["total"] == EXAMPLE["expected"]["total"]
    post(scoring, f"/sheets/{hcm['id']}/submit", HCM, hcm["etag"])
    watch.step({SUBMITTED: 1, COMPUTE: 1})

    # The region returns it (no computation), the unit submits again (a submission).
    scoring.phase(round_id, "region_review")
    watch.step({})
    current = scoring.get(sheet_id, DELTA_LEAD)
    post(
        scoring,
        f"/sheets/{sheet_id}/return",
        DELTA_LEAD,
        current["etag"],
        {"reason": "Thiếu minh chứng"},
    )
    watch.step({RETURNED: 1})
    again = scoring.get(sheet_id, HANOI)
    post(scoring, f"/sheets/{sheet_id}/submit", HANOI, again["etag"])
    watch.step({SUBMITTED: 1, COMPUTE: 1})
    assert_current(scoring, sheet_id)

    # The region's proposal and the end of its review: recomputed, never "submitted".
    code = hanoi["entries"][0]["code"]
    current = scoring.get(sheet_id, DELTA_LEAD)
    proposal = post(
        scoring,
        f"/sheets/{sheet_id}/entries/{code}/review",
        DELTA_LEAD,
        current["etag"],
        {"points": "0.25", "reason": "Tỷ lệ thực tế thấp hơn"},
    )
    watch.step({COMPUTE: 1})
    proposed = assert_current(scoring, sheet_id)
    assert Decimal(proposed["total"]) != Decimal(EXAMPLE["expected"]["total"])
    # The end of the review changes no points: the proposal's result is carried forward.
    post(scoring, f"/sheets/{sheet_id}/reviewed", DELTA_LEAD, proposal.headers["ETag"])
    watch.step({})
    assert assert_current(scoring, sheet_id)["total"] == proposed["total"]

    # The Ministry's appraisal and finalisation: recomputed, never "submitted".
    scoring.phase(round_id, "appraisal")
    current = scoring.get(sheet_id, OFFICER)
    final_points = EXAMPLE["expected"]["leaf_points"][code]
    appraised = post(
        scoring,
        f"/sheets/{sheet_id}/entries/{code}/appraisal",
        OFFICER,
        current["etag"],
        {"points": str(final_points), "reason": "Giữ điểm tự chấm"},
    )
    watch.step({COMPUTE: 1})
    assert_current(scoring, sheet_id)
    post(scoring, f"/sheets/{sheet_id}/finalise", OFFICER, appraised.headers["ETag"])
    watch.step({FINALISED: 1})  # carried forward: computed, no job
    assert assert_current(scoring, sheet_id)["total"] == EXAMPLE["expected"]["total"]

    # Finalised while its last change is still being computed: the new revision is asked for
    # (the job for the replaced one then finds nothing to do).
    current = scoring.get(hcm["id"], OFFICER)
    appraised = post(
        scoring,
        f"/sheets/{hcm['id']}/entries/{code}/appraisal",
        OFFICER,
        current["etag"],
        {"points": "0.5", "reason": "Điều chỉnh"},
    )
    watch.step({COMPUTE: 1}, work=False)
    assert computation(scoring, hcm["id"])["compute_status"] == "pending"
    post(scoring, f"/sheets/{hcm['id']}/finalise", OFFICER, appraised.headers["ETag"])
    [job, _] = watch.step({COMPUTE: 1, FINALISED: 1})
    assert job["data"]["revision"] == assert_current(scoring, hcm["id"])["revision"]

    # An amendment: every sheet past its draft recomputed, none "submitted".
    move_to_amendment(scoring, round_id)
    jobs = watch.step({COMPUTE: 2})  # Hà Nội and Hồ Chí Minh; stp-31's draft is not computed
    assert {j["data"]["sheet_id"] for j in jobs} == {sheet_id, hcm["id"]}
    assert_current(scoring, sheet_id)
    assert_current(scoring, hcm["id"])

    # Over the whole life: one "submitted" per submission, three submissions.
    with scoring.app.app_context(), database().read() as session:
        kinds = Counter(session.execute(select(outbox.c.type)).scalars())
    assert kinds[SUBMITTED] == 3


def test_a_submitted_event_is_no_job_any_more(scoring: Scoring) -> None:
    """The release before last asked for computations with ``scoring.sheet.submitted``; the
    workers no longer bind it. One still delivered to scoring's queue (a broker where the
    old binding was not yet removed) is acknowledged and computes nothing: only the command
    does."""
    assert events.SHEET_SUBMITTED not in SERVICE.subscriptions
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    sheet = fill(scoring, scoring.sheet_of(round_id, "stp-01", HANOI), HANOI)
    post(scoring, f"/sheets/{sheet['id']}/submit", HANOI, sheet["etag"])
    with scoring.app.app_context(), database().read() as session:
        current = session.get(Sheet, sheet["id"])
        assert current is not None and current.compute_status == "pending"
        revision = current.revision
    lingering = CloudEvent(
        type=events.SHEET_SUBMITTED,
        source="/thidua/scoring",
        subject=f"sheet/{sheet['id']}",
        data={
            "schema_version": 1,
            "sheet_id": sheet["id"],
            "round_id": round_id,
            "unit_id": "stp-01",
            "revision": revision,
            "status": "submitted",
        },
    )
    scoring.consumer.apply(lingering)  # no error: it would be acknowledged, not retried
    assert computation(scoring, sheet["id"])["compute_status"] == "pending"
    assert scoring.work() == 1
    assert assert_current(scoring, sheet["id"])["total"] == EXAMPLE["expected"]["total"]


def test_requeue_asks_again_for_pending_sheets_only(scoring: Scoring, stack: Stack) -> None:
    """After an upgrade in which an old worker dropped a command it did not know, the
    runbook's ``computations requeue`` asks again for every sheet still pending."""
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    for unit, headers in (("stp-01", HANOI), ("stp-79-2025", HCM)):
        sheet = fill(scoring, scoring.sheet_of(round_id, unit, headers), headers)
        post(scoring, f"/sheets/{sheet['id']}/submit", headers, sheet["etag"])
    hanoi = scoring.sheet_of(round_id, "stp-01", OFFICER)
    hcm = scoring.sheet_of(round_id, "stp-79-2025", OFFICER)
    # Hồ Chí Minh's job is handled; Hà Nội's is lost (an old worker marked it handled).
    with scoring.app.app_context(), database().read() as session:
        rows = session.execute(
            select(outbox.c.envelope).where(outbox.c.type == events.SHEET_COMPUTE_REQUESTED)
        ).scalars()
        jobs = {CloudEvent.from_json(r).data["sheet_id"]: CloudEvent.from_json(r) for r in rows}
    scoring.consumer.apply(jobs[hcm["id"]])
    scoring.seen.update(job.id for job in jobs.values())
    assert computation(scoring, hanoi["id"])["compute_status"] == "pending"

    cli = make_cli(SERVICE)
    add_commands(cli)
    result = CliRunner().invoke(cli, ["computations", "requeue"], env=stack.env("scoring"))
    assert result.exit_code == 0, result.output
    assert "computations requested again: 1" in result.output
    assert scoring.work() == 1
    assert_current(scoring, hanoi["id"])
    assert_current(scoring, hcm["id"])


def test_bulk_steps_write_what_the_single_steps_write(scoring: Scoring) -> None:
    """``submit_many``, ``set_points_many`` and ``finalise_many`` leave the same history rows,
    revisions and events as ``submit``, ``set_points`` and ``finalise`` one sheet at a time;
    a finalisation carries a computed result forward and asks again for a pending one."""
    round_id = open_round(scoring)
    scoring.phase(round_id, "self_assessment")
    units = {"single": ("stp-01", HANOI), "bulk": ("stp-79-2025", HCM)}
    units["carried"] = ("stp-31-2025", unit_officer("stp-31-2025"))
    ids = {
        name: fill(scoring, scoring.sheet_of(round_id, unit, headers), headers)["id"]
        for name, (unit, headers) in units.items()
    }
    names = {sheet_id: name for name, sheet_id in ids.items()}
    code = EXAMPLE_CODE

    def step(work: Callable[[Session, Round], None]) -> None:
        with scoring.app.app_context(), database().transaction() as session:
            round_ = session.get(Round, round_id)
            assert round_ is not None
            work(session, round_)

    def one(session: Session, name: str) -> Sheet:
        sheet = session.get(Sheet, ids[name])
        assert sheet is not None
        return sheet

    step(lambda s, r: sheets.submit(s, "actor", one(s, "single"), r))
    step(lambda s, r: sheets.submit_many(s, "actor", r, [ids["bulk"], ids["carried"]]))
    scoring.work()
    scoring.phase(round_id, "region_review")
    scoring.phase(round_id, "appraisal")
    step(
        lambda s, r: sheets.set_points(
            s, "actor", one(s, "single"), r, code, Decimal("1.5"), "Điều chỉnh", "appraisal"
        )
    )
    step(
        lambda s, r: sheets.set_points_many(
            s, "actor", r, "appraisal", [(ids["bulk"], code, Decimal("1.5"), "Điều chỉnh")]
        )
    )
    # Not computed yet: "single" and "bulk" are pending, "carried" is computed.
    step(lambda s, r: sheets.finalise(s, "actor", one(s, "single"), r))
    step(lambda s, r: sheets.finalise_many(s, "actor", r, [ids["bulk"], ids["carried"]]))

    with scoring.app.app_context(), database().read() as session:
        history: dict[str, list[tuple]] = {name: [] for name in ids}
        steps = select(Change).where(Change.actor_id == "actor").order_by(Change.id)  # not fill
        for row in session.execute(steps).scalars():
            history[names[row.sheet_id]].append(
                (row.code, row.stage, row.field, row.old, row.new, row.reason, row.actor_id)
            )
        said: dict[str, list[tuple]] = {name: [] for name in ids}
        for envelope in session.execute(
            select(outbox.c.envelope).where(outbox.c.type.in_(SHEET_TYPES)).order_by(outbox.c.id)
        ).scalars():
            sent = json.loads(envelope)
            data = dict(sent["data"])
            name = names[data.pop("sheet_id")]
            data.pop("unit_id")
            said[name].append((sent["type"], data))
        revisions = {
            names[sheet_id]: revision
            for sheet_id, revision in session.execute(select(Sheet.id, Sheet.revision))
        }
    assert history["bulk"] == history["single"]
    assert [h for h in history["carried"] if h[1] == "status"] == [
        h for h in history["single"] if h[1] == "status"
    ]
    assert said["bulk"] == said["single"]
    assert revisions["bulk"] == revisions["single"]
    compute, finalised = events.SHEET_COMPUTE_REQUESTED, events.SHEET_FINALISED
    assert [t for t, _ in said["single"][-2:]] == [compute, finalised]
    assert [t for t, _ in said["carried"]] == [compute, events.SHEET_SUBMITTED, finalised]
    assert scoring.work() == 4  # 2 appraisals (replaced: nothing to do), 2 finalisations
    totals = {name: assert_current(scoring, ids[name])["total"] for name in ids}
    assert totals["bulk"] == totals["single"] != totals["carried"]
    assert totals["carried"] == EXAMPLE["expected"]["total"]


def test_a_batch_of_jobs_writes_each_current_revision_once(
    scoring: Scoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' results of a batch are written together at its commit: each current
    revision once, however many jobs name it; a job for a replaced revision writes nothing."""
    ids = submitted_sheets(scoring)
    with scoring.app.app_context(), database().transaction() as session:
        assert sorted(computation_of.request_pending_again(session)) == sorted(ids)  # again
    with scoring.app.app_context(), database().read() as session:
        jobs = [
            CloudEvent.from_json(envelope)
            for envelope in session.execute(
                select(outbox.c.envelope).where(outbox.c.type == events.SHEET_COMPUTE_REQUESTED)
            ).scalars()
        ]
        revisions = dict(session.execute(select(Sheet.id, Sheet.revision)).all())
    stale = CloudEvent(
        type=jobs[0].type,
        source=jobs[0].source,
        subject=jobs[0].subject,
        data={**jobs[0].data, "revision": jobs[0].data["revision"] - 1},
    )
    written: list[tuple[str, int, str]] = []
    record = lifecycle.record_outcomes

    def watch(session: Session, outcomes: dict) -> list[tuple[str, int, str]]:
        written.extend(record(session, outcomes))
        return written

    monkeypatch.setattr(lifecycle, "record_outcomes", watch)
    outcomes = scoring.consumer.apply_batch([stale, *jobs])
    assert [o.error for o in outcomes] == [None] * 5
    assert sorted(written) == sorted((i, revisions[i], "done") for i in ids)
    for sheet_id in ids:
        assert assert_current(scoring, sheet_id)["total"] == EXAMPLE["expected"]["total"]
    assert scoring.consumer.apply_batch(jobs) and len(written) == 2, "delivered again: nothing"
