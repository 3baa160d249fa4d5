"""The real reference data: the Ministry, 63 provinces' units before 1 July 2025, the 2025
mergers into 34, and the emulation regions per year (services/identity/data, copied from the
project's shared reference data).

Loading goes through the same operations as the API (``org.create_unit``, ``org.merge``,
``org.change_unit``, ``regions.save_region``), so the events and audit entries are the same as
if a ministry officer had typed it all in. It is idempotent: what exists is left alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from kit import dates
from services.identity.domain import org, regions
from services.identity.models import OrgUnit, Region

DATA = Path(__file__).resolve().parents[1] / "data"
MERGER_DAY = date(2025, 7, 1)  # Resolution 202/2025/QH15: the new provinces operate from here
MERGER_DECISION = "Nghị quyết 202/2025/QH15"

MINISTRY = "bo-tu-phap"
EMULATION_DEPARTMENT = "vu-tdkt"
ENFORCEMENT_HEAD = "tong-cuc-thads"


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    city: bool  # a centrally-run city ("thành phố") rather than a province ("tỉnh")

    @property
    def title(self) -> str:
        return f"{'thành phố' if self.city else 'tỉnh'} {self.name}"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def justice_id(code: str, since: date | None = None) -> str:
    return f"stp-{code}" if since is None else f"stp-{code}-{since.year}"


def enforcement_id(code: str, since: date | None = None) -> str:
    return f"thads-{code}" if since is None else f"thads-{code}-{since.year}"


def _ensure(session: Session, **fields: object) -> None:
    if session.get(OrgUnit, str(fields["id"])) is None:
        org.create_unit(session, None, **fields)  # type: ignore[arg-type]


def load_organisations(session: Session) -> None:
    _ensure(session, id=MINISTRY, code="BTP", kind="ministry", name="Bộ Tư pháp")
    _ensure(
        session,
        id=EMULATION_DEPARTMENT,
        code="VU-TDKT",
        kind="department",
        name="Vụ Thi đua - Khen thưởng",
        parent_id=MINISTRY,
    )
    _ensure(
        session,
        id=ENFORCEMENT_HEAD,
        code="TCTHADS",
        kind="general-department",
        name="Tổng cục Thi hành án dân sự",
        parent_id=MINISTRY,
    )

    for row in _rows("provinces-2024.csv"):
        province = Province(row["code"], row["name"], row["kind"].startswith("thành phố"))
        _ensure(
            session,
            id=justice_id(province.code),
            code=f"STP-{province.code}",
            kind="so-tu-phap",
            name=f"Sở Tư pháp {province.title}",
            parent_id=MINISTRY,
            province_code=province.code,
        )
        _ensure(
            session,
            id=enforcement_id(province.code),
            code=f"THADS-{province.code}",
            kind="cuc-thads",
            name=f"Cục Thi hành án dân sự {province.title}",
            parent_id=ENFORCEMENT_HEAD,
            province_code=province.code,
        )

    head = session.get(OrgUnit, ENFORCEMENT_HEAD)
    assert head is not None
    if head.version_on(MERGER_DAY).valid_from != MERGER_DAY:
        org.change_unit(
            session,
            None,
            head,
            effective=MERGER_DAY,
            name="Cục Quản lý thi hành án dân sự",
            reason=MERGER_DECISION,
        )

    for row in _rows("provinces-2025.csv"):
        province = Province(row["code"], row["name"], row["kind"].startswith("thành phố"))
        merged_codes = row["merged_from"].split(";")
        if row["valid_from"]:  # a new province formed by the merger
            for make_id, kind, short, prefix in (
                (justice_id, "so-tu-phap", "STP", "Sở Tư pháp"),
                (enforcement_id, "cuc-thads", "THADS", "Thi hành án dân sự"),
            ):
                new_id = make_id(province.code, MERGER_DAY)
                if session.get(OrgUnit, new_id) is not None:
                    continue
                org.merge(
                    session,
                    None,
                    effective=MERGER_DAY,
                    merged_ids=[make_id(code) for code in merged_codes],
                    new_successor=org.NewSuccessor(
                        id=new_id,
                        code=f"{short}-{province.code}",
                        name=f"{prefix} {province.title}",
                        province_code=province.code,
                        parent_id=MINISTRY if kind == "so-tu-phap" else ENFORCEMENT_HEAD,
                    ),
                    decision=MERGER_DECISION,
                )
        else:  # unchanged province: its enforcement agency is renamed all the same
            agency = session.get(OrgUnit, enforcement_id(province.code))
            assert agency is not None
            if agency.version_on(MERGER_DAY).valid_from != MERGER_DAY:
                org.change_unit(
                    session,
                    None,
                    agency,
                    effective=MERGER_DAY,
                    name=f"Thi hành án dân sự {province.title}",
                    reason=MERGER_DECISION,
                )


def _scored_units(session: Session, province_codes: list[str], day: date) -> dict[str, list[str]]:
    """Province code -> ids of its Department of Justice and enforcement agency on ``day``."""
    found: dict[str, list[str]] = {}
    for kind in org.SCORED_KINDS:
        for view in org.units_on(session, day, kind=kind):
            if view.province_code in province_codes:
                found.setdefault(view.province_code, []).append(view.id)
    return found


def load_regions(session: Session, last_year: int) -> None:
    """Every region row of regions.csv, for each year of its range (open ranges end at
    ``last_year``); members are the scored units of each province as of 1 January."""
    for row in _rows("regions.csv"):
        first = int(row["year_from"])
        final = int(row["year_to"]) if row["year_to"] else last_year
        codes = row["province_codes"].split(";")
        for year in range(first, final + 1):
            if session.get(Region, regions.region_id(year, row["code"])) is not None:
                continue
            units = _scored_units(session, codes, date(year, 1, 1))
            members = [u for code in codes for u in units.get(code, [])]
            lead = units.get(row["lead_code"], [None])[0]
            deputies = [units[c][0] for c in row["deputy_codes"].split(";") if c in units]
            regions.save_region(
                session,
                None,
                year=year,
                code=row["code"],
                name=row["name"],
                member_ids=members,
                lead_unit_id=lead,
                deputy_unit_ids=deputies,
            )


def load(session: Session, last_year: int | None = None) -> None:
    load_organisations(session)
    session.flush()
    load_regions(session, last_year or dates.this_year() + 1)
