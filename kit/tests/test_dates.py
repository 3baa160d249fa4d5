"""The platform's day is Viet Nam's (kit.dates): the evening of 31 December UTC is next year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kit import dates
from kit.auth import Grant, Principal


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 31, 16, 59, tzinfo=UTC), date(2026, 12, 31)),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),  # midnight in Ha Noi
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 12, 1, 17, 50, tzinfo=UTC), date(2026, 12, 2)),
    ],
)
def test_the_day_and_year_are_those_of_ha_noi(instant: datetime, day: date) -> None:
    assert dates.today(instant) == day
    assert dates.this_year(instant) == day.year


def test_a_role_from_new_years_day_is_in_force_once_it_is_new_year_in_ha_noi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A region lead of 2027 leads from 00:00 on 1 January in Ha Noi (17:00 UTC the day before)."""
    lead = Principal(
        subject="u-1",
        kind="user",
        token_id="t",
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
        grants=(Grant("region_lead", "region", "2027-r", valid_from=date(2027, 1, 1)),),
    )
    evening = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert lead.grants_on(evening.date()) == []  # the UTC day: not yet
    real = dates.today
    monkeypatch.setattr(dates, "today", lambda now=None: real(now or evening))
    assert [g.scope_id for g in lead.grants_on()] == ["2027-r"]
