"""The fixed wording and number formats of NĐ 30/2020/NĐ-CP, shared by the .docx and the PDFs.

Both renderers take every line from here, so the Word file and the PDF of one decision say the
same thing word for word.
"""

from __future__ import annotations

import datetime as dt

from .model import Decision

__all__ = [
    "MOTTO",
    "NATION",
    "RECIPIENT_COLUMNS",
    "article_1",
    "article_2",
    "article_3",
    "copies_lines",
    "date_line",
    "recitals",
    "short_date",
    "vnd",
    "vnd_figure",
]

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vnd_figure(amount: int) -> str:
    """7020000 → "7.020.000": Vietnamese groups thousands with dots."""
    return f"{amount:,}".replace(",", ".")


def vnd(amount: int) -> str:
    """7020000 → "7.020.000 đồng"."""
    return f"{vnd_figure(amount)} đồng"


def _two(n: int, *, pad: bool) -> str:
    return f"{n:02d}" if pad else str(n)


def date_line(place: str, date: dt.date) -> str:
    """ "Hà Nội, ngày 15 tháng 01 năm 2026": the decree pads days below 10 and months 1 and 2
    with a zero (so no one can add a digit), and only those."""
    day = _two(date.day, pad=True)
    month = _two(date.month, pad=date.month <= 2)
    return f"{place}, ngày {day} tháng {month} năm {date.year}"


def short_date(date: dt.date) -> str:
    """15/01/2026, as a certificate quotes its decision."""
    return date.strftime("%d/%m/%Y")


def _terminated(lines: list[str], last: str) -> list[str]:
    """Each line ends with ";" and the last with ``last``, whatever the caller typed."""
    stripped = [line.rstrip(" ;.,") for line in lines]
    return [line + (last if i == len(stripped) - 1 else ";") for i, line in enumerate(stripped)]


def recitals(decision: Decision) -> list[str]:
    """The "Căn cứ ..." lines and the proposal, each ending with ";" and the last with "."."""
    lines = [b if b.lower().startswith("căn cứ") else f"Căn cứ {b}" for b in decision.legal_bases]
    if decision.proposal:
        lines.append(decision.proposal)
    return _terminated(lines, ".")


def article_1(decision: Decision) -> str:
    text = decision.award_statement.rstrip(" .:")
    return f"{text}:"


def article_2(decision: Decision) -> str:
    source = decision.bonus_source.rstrip(" .")
    return (
        "Mỗi cá nhân, tập thể có tên tại Điều 1 được nhận tiền thưởng theo quy định. "
        f"Tổng số tiền thưởng: {vnd(decision.total_vnd)}, chi từ {source}."
    )


def article_3(decision: Decision) -> str:
    who = ", ".join(e.rstrip(" ,.;") for e in decision.executors)
    people = "các cá nhân, tập thể có tên tại Điều 1"
    subject = f"{who} và {people}" if who else people[0].upper() + people[1:]
    effect = "Quyết định này có hiệu lực kể từ ngày ký."
    return f"{effect} {subject} chịu trách nhiệm thi hành Quyết định này."


def copies_lines(decision: Decision) -> list[str]:
    """ "Nơi nhận:" entries: "- Như Điều 3;" ... "- Lưu: VT, ..."  (the caller lists them)."""
    items = [c.lstrip("- ").strip() for c in decision.copies_to] or ["Như Điều 3", "Lưu: VT"]
    return [f"- {line}" for line in _terminated(items, ".")]


RECIPIENT_COLUMNS = ("STT", "Họ và tên", "Đơn vị", "Hình thức", "Tiền thưởng")
