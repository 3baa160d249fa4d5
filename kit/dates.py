"""The platform's day and year: Viet Nam's (Asia/Ho_Chi_Minh, UTC+7), wherever a process runs.

Roles, regions, award years and periods are dated in the sector's calendar: a region of 2027
starts on 1 January 2027 in Ha Noi, which is 17:00 UTC on 31 December 2026. The servers' clock
and time zone are UTC, so ``date.today()`` or ``datetime.now(UTC).date()`` is yesterday in Viet
Nam from 17:00 to midnight UTC every day, and last year on the evening of 31 December. Ask
here instead. Instants (``kit.db.utcnow``, event times) stay in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["VIETNAM", "this_year", "today"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today(now: datetime | None = None) -> date:
    """Today in Viet Nam (``now``, an aware instant, for tests; the clock otherwise)."""
    return (now or datetime.now(UTC)).astimezone(VIETNAM).date()


def this_year(now: datetime | None = None) -> int:
    """The current year in Viet Nam."""
    return today(now).year
