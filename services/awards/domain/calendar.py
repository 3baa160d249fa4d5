"""Working days: Monday to Friday, less Vietnam's public holidays, as the Ministry keeps them.

A public-comment period (lấy ý kiến nhân dân) runs for a number of working days, and the
council may not vote before it ends. Which days are off is data, never code: each year's
calendar (``HolidayCalendar``, versioned) lists its days, each of a kind:

- ``holiday``: a day off of Bộ luật Lao động 2019 Điều 112 khoản 1 (for Tết, the five days
  as the Government arranged them for the public service);
- ``substitute``: a day off in lieu (nghỉ bù) or a weekday swapped for a weekend day;
- ``makeup``: a Saturday or Sunday worked in exchange for a swapped day (ngày làm bù).

A working day is then a Monday to Friday that is not a ``holiday`` or ``substitute`` of its
year, or a ``makeup`` day. A year with no calendar is never guessed: asking about one of its
days is a ``Conflict`` naming the year.

:class:`Calendar` holds the arithmetic over days given to it (no database: testable alone);
the functions taking a session read the current version of each year as it is needed. The
shipped days (``data/holidays.json``) are loaded by :func:`load_file`, which never overwrites
a year the Ministry has edited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, PreconditionFailed, Text
from kit.text import code_points, control_characters, nfc
from services.awards.models import HolidayCalendar

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "holidays.json"
KINDS = ("holiday", "substitute", "makeup")
OFF = frozenset({"holiday", "substitute"})
MAX_DAYS = 100  # a year's days off and make-up days: about twenty in practice
MAX_NAME, MAX_BASIS = 200, 2000
MAX_COUNT = 1000  # working days of one period: four years, far past any period the law sets
MAX_VERSION = 2**31 - 1
FILE_ACTOR = "system"
DAY_FIELDS = frozenset({"date", "name", "kind", "lunar", "basis"})
LUNAR_FIELDS = frozenset({"day", "month", "leap"})
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
CALENDAR = ("lịch nghỉ lễ năm", "holiday calendar of")


@dataclass(frozen=True)
class Day:
    """One listed day of a year's calendar."""

    date: date
    name: str
    kind: str = "holiday"
    lunar: Mapping[str, Any] | None = None
    basis: str | None = None

    @property
    def off(self) -> bool:
        return self.kind in OFF

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Day:
        """A day as stored (already validated)."""
        return cls(
            date=date.fromisoformat(data["date"]),
            name=data["name"],
            kind=data.get("kind", "holiday"),
            lunar=data.get("lunar"),
            basis=data.get("basis"),
        )

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"date": self.date.isoformat(), "name": self.name, "kind": self.kind}
        if self.lunar is not None:
            data["lunar"] = dict(self.lunar)
        if self.basis is not None:
            data["basis"] = self.basis
        return data


def no_calendar(year: int) -> Conflict:
    return Conflict(
        (
            f"Chưa có lịch nghỉ lễ năm {year}: Bộ cần nhập lịch năm đó trước "
            "(không thể tính ngày làm việc).",
            f"There is no holiday calendar for {year}: the Ministry must enter it first "
            "(working days cannot be counted).",
        ),
        code="no_holiday_calendar",
        year=year,
    )


class Calendar:
    """Working-day arithmetic over the days ``lookup`` gives for a year (None: no calendar).

    Pure: ``Calendar.of({2026: [Day(...), ...]})`` needs no database."""

    def __init__(self, lookup: Callable[[int], Iterable[Day] | None]) -> None:
        self._lookup = lookup
        self._years: dict[int, dict[date, Day]] = {}

    @classmethod
    def of(cls, years: Mapping[int, Iterable[Day]]) -> Calendar:
        return cls(years.get)

    def days(self, year: int) -> dict[date, Day]:
        """The listed days of ``year`` by date; ``Conflict`` when it has no calendar."""
        if year not in self._years:
            days = self._lookup(year)
            if days is None:
                raise no_calendar(year)
            self._years[year] = {day.date: day for day in days}
        return self._years[year]

    def listed(self, day: date) -> Day | None:
        return self.days(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a day off, or a make-up day."""
        listed = self.listed(day)
        if listed is not None:
            return not listed.off
        return day.weekday() < 5

    def ends_on(self, start: date, count: int) -> date:
        """The count-th working day from ``start``, ``start`` included when it is one.

        A list posted on ``start`` for ``count`` working days stays up until the end of that
        day; the period is over from the next day on."""
        if not 1 <= count <= MAX_COUNT:
            raise Invalid({"count": [_range("count", 1, MAX_COUNT)]})
        day, seen = start, 0
        while True:
            if self.is_working_day(day):
                seen += 1
                if seen == count:
                    return day
            day += timedelta(days=1)

    def count_between(self, start: date, end: date) -> int:
        """The working days from ``start`` to ``end``, both included (0 when end < start)."""
        return sum(1 for day in _span(start, end) if self.is_working_day(day))

    def listed_between(self, start: date, end: date) -> list[Day]:
        """The listed days from ``start`` to ``end``, both included, by date."""
        found: list[Day] = []
        for year in range(start.year, end.year + 1):
            found.extend(d for d in self.days(year).values() if start <= d.date <= end)
        return sorted(found, key=lambda d: d.date)


def _span(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


# -- over the database: the current version of each year -----------------------------------


def current(session: Session, year: int) -> HolidayCalendar | None:
    """The current version of ``year``'s calendar (its highest), or None."""
    return session.execute(
        select(HolidayCalendar)
        .where(HolidayCalendar.year == year)
        .order_by(HolidayCalendar.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_or_404(session: Session, year: int) -> HolidayCalendar:
    found = current(session, year)
    if found is None:
        raise NotFound(CALENDAR, str(year))
    return found


def version_or_404(session: Session, year: int, version: int) -> HolidayCalendar:
    if not 1 <= version <= MAX_VERSION:  # past the integer column: no such version
        raise NotFound(CALENDAR, f"{year} (phiên bản {version} / version {version})")
    found = session.execute(
        select(HolidayCalendar).where(
            HolidayCalendar.year == year, HolidayCalendar.version == version
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(CALENDAR, f"{year} (phiên bản {version} / version {version})")
    return found


def calendar(session: Session) -> Calendar:
    """A :class:`Calendar` reading each year's current version when it is first needed."""

    def lookup(year: int) -> list[Day] | None:
        found = current(session, year)
        return None if found is None else [Day.from_data(d) for d in found.days]

    return Calendar(lookup)


def working_days_after(session: Session, start: date, count: int) -> date:
    """The day a period of ``count`` working days posted on ``start`` ends.

    The posting day counts when it is a working day; the period ends at the end of the
    count-th working day (so it is over from the day after the returned date). Conflict
    when a year the period reaches has no calendar."""
    return calendar(session).ends_on(start, count)


def is_working_day(session: Session, day: date) -> bool:
    return calendar(session).is_working_day(day)


def working_days_between(session: Session, start: date, end: date) -> int:
    """The working days from ``start`` to ``end``, both included (0 when end < start), so
    ``working_days_between(s, start, working_days_after(s, start, n)) == n``."""
    return calendar(session).count_between(start, end)


# -- editing: every change a new version ----------------------------------------------------


def save(
    session: Session,
    actor: str,
    year: int,
    document: Mapping[str, Any],
    *,
    read: HolidayCalendar | None,
    source: str = "edit",
) -> HolidayCalendar:
    """Make ``document`` ({basis, days, note?}) the next version of ``year``'s calendar.

    ``read`` is the version the caller read (the current one, checked by If-Match), None
    when the year had none. A version saved meanwhile by someone else is a 412."""
    basis, days = validate(year, document)
    note = document.get("note")
    row = HolidayCalendar(
        year=year,
        version=(read.version if read else 0) + 1,
        basis=basis,
        days=days,
        note=(nfc(note).strip() or None) if isinstance(note, str) else None,
        source=source,
        changed_by=actor,
        changed_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another save of the same year won the version number: the caller read a stale one.
        found = current(session, year)
        raise PreconditionFailed(etag(found) if found else "") from None
    return row


def etag(row: HolidayCalendar) -> str:
    return f'W/"holidays-{row.year}-{row.version}"'


def validate(year: int, document: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The basis and the days, normalised (NFC, sorted by date); ``Invalid`` naming each
    problem by its JSON Pointer otherwise."""
    errors: dict[str, list[Text]] = {}
    basis = _text(document.get("basis"), "/basis", MAX_BASIS, errors, multiline=True)
    note = document.get("note")
    if note is not None:
        _text(note, "/note", MAX_BASIS, errors, multiline=True, required=False)
    days = document.get("days")
    out: list[dict[str, Any]] = []
    if not isinstance(days, list):
        errors["/days"] = [("Cần một danh sách ngày.", "Must be a list of days.")]
    elif len(days) > MAX_DAYS:
        errors["/days"] = [
            (f"Không được quá {MAX_DAYS} ngày.", f"At most {MAX_DAYS} days may be listed.")
        ]
    else:
        seen: dict[date, int] = {}
        for index, item in enumerate(days):
            day = _day(year, item, f"/days/{index}", errors)
            if day is None:
                continue
            if day.date in seen:
                errors.setdefault(f"/days/{index}/date", []).append(
                    (
                        f"Ngày này đã có ở /days/{seen[day.date]}.",
                        f"This day is listed already, at /days/{seen[day.date]}.",
                    )
                )
                continue
            seen[day.date] = index
            out.append(day.to_data())
    if errors:
        raise Invalid(errors)
    return basis or "", sorted(out, key=lambda d: d["date"])


def _day(year: int, item: Any, at: str, errors: dict[str, list[Text]]) -> Day | None:
    if not isinstance(item, dict):
        errors[at] = [("Mỗi ngày là một đối tượng.", "Each day must be an object.")]
        return None
    before = len(errors)
    for key in sorted(set(item) - DAY_FIELDS, key=str):
        errors[f"{at}/{_escape(key)}"] = [_unknown(DAY_FIELDS)]
    day = _date(year, item.get("date"), f"{at}/date", errors)
    name = _text(item.get("name"), f"{at}/name", MAX_NAME, errors)
    kind = item.get("kind", "holiday")
    if kind not in KINDS:
        errors[f"{at}/kind"] = [
            (f"Phải là một trong: {', '.join(KINDS)}.", f"Must be one of: {', '.join(KINDS)}.")
        ]
    elif kind == "makeup" and day is not None and day.weekday() < 5:
        errors[f"{at}/kind"] = [
            (
                "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật.",
                "A make-up working day must be a Saturday or a Sunday.",
            )
        ]
    lunar = _lunar(item.get("lunar"), f"{at}/lunar", errors)
    basis = item.get("basis")
    if basis is not None:
        basis = _text(basis, f"{at}/basis", MAX_BASIS, errors, required=False)
    if len(errors) > before or day is None or name is None:
        return None
    return Day(date=day, name=name, kind=kind, lunar=lunar, basis=basis or None)


def _date(year: int, value: Any, at: str, errors: dict[str, list[Text]]) -> date | None:
    try:
        if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        errors[at] = [("Cần một ngày dạng YYYY-MM-DD.", "Must be a date, YYYY-MM-DD.")]
        return None
    if day.year != year:
        errors[at] = [(f"Ngày phải thuộc năm {year}.", f"The day must be in {year}.")]
        return None
    return day


def _lunar(value: Any, at: str, errors: dict[str, list[Text]]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors[at] = [("Cần {day, month} theo âm lịch.", "Must be the lunar {day, month}.")]
        return None
    for key in sorted(set(value) - LUNAR_FIELDS, key=str):
        errors[f"{at}/{_escape(key)}"] = [_unknown(LUNAR_FIELDS)]
    out: dict[str, Any] = {}
    for key, top in (("day", 30), ("month", 12)):
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= top:
            errors[f"{at}/{key}"] = [_range(key, 1, top)]
        else:
            out[key] = number
    leap = value.get("leap", False)
    if not isinstance(leap, bool):
        errors[f"{at}/leap"] = [("Phải là true hoặc false.", "Must be true or false.")]
    elif leap:
        out["leap"] = True
    return out


def _text(
    value: Any,
    at: str,
    limit: int,
    errors: dict[str, list[Text]],
    *,
    multiline: bool = False,
    required: bool = True,
) -> str | None:
    if not isinstance(value, str) or not value.strip():
        if required or value is not None:
            errors[at] = [("Không được để trống.", "Must not be empty.")]
        return None
    text = nfc(value).strip()
    if bad := control_characters(text, multiline=multiline):
        errors[at] = [
            (
                f"Không được chứa ký tự điều khiển ({code_points(bad)}).",
                f"Must not contain control characters ({code_points(bad)}).",
            )
        ]
        return None
    if len(text) > limit:
        errors[at] = [(f"Không được quá {limit} ký tự.", f"At most {limit} characters.")]
        return None
    return text


def _range(name: str, low: int, high: int) -> Text:
    return (f"{name} phải từ {low} đến {high}.", f"{name} must be from {low} to {high}.")


def _unknown(known: Iterable[str]) -> Text:
    names = ", ".join(sorted(known))
    return (f"Trường không được nhận (chỉ có: {names}).", f"Unknown field (known: {names}).")


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


# -- the shipped file -------------------------------------------------------------------------


def load_file(session: Session, path: Path = SHIPPED, actor: str = FILE_ACTOR) -> dict[str, int]:
    """Load the shipped calendars: a year without one gets it, a year last loaded from the
    file gets a new version if the file changed, and a year the Ministry edited is kept as
    it is. Loading the same file again changes nothing.

    Returns ``{created, updated, unchanged, kept}`` (counts of years)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    years: Sequence[Any] = document.get("years", [])
    for index, entry in enumerate(years):
        year = entry.get("year")
        try:
            basis, days = validate(year, entry)
        except Invalid as invalid:
            errors = invalid.extra.get("errors", {})
            raise Invalid({f"/years/{index}{at}": m for at, m in errors.items()}) from None
        found = current(session, year)
        if found is None:
            save(session, actor, year, entry, read=None, source="file")
            counts["created"] += 1
        elif found.basis == basis and found.days == days:
            counts["unchanged"] += 1
        elif found.source != "file":
            counts["kept"] += 1
        else:
            save(session, actor, year, entry, read=found, source="file")
            counts["updated"] += 1
    return counts
