"""What a decision and a certificate say: plain frozen data, filled in by whoever issues them.

The renderers only lay these out; every word that varies (the issuer, the legal bases, the award
names, the signer) comes from here, so nothing of any award's rules is in the layout code.
Texts are cleaned on the way in (NFC, no control characters, single spaces), so a name pasted
from a decomposed PDF prints with the same glyphs as one typed on a keyboard.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from enum import Enum

from kit.errors import Invalid
from kit.text import is_control, nfc

__all__ = ["Certificate", "CertificateKind", "Decision", "Recipient", "check_serial", "clean"]

_SPACES = re.compile(r"\s+")
_SERIAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def clean(text: str) -> str:
    """``text`` in NFC with control characters dropped (tab, newline: a space) and spaces
    collapsed: what goes into docx XML and PDF strings may not carry anything a viewer chokes on."""
    composed = nfc(text)
    kept = "".join(
        " " if c in "\t\n\r" else c for c in composed if c in "\t\n\r" or not is_control(c)
    )
    return _SPACES.sub(" ", kept).strip()


def check_serial(serial: str) -> str:
    """A serial goes into a URL path and onto paper: letters, digits, ``.``, ``_``, ``-`` only."""
    if not _SERIAL.fullmatch(serial):
        raise Invalid(
            {
                "serial": [
                    (
                        "Số hiệu chỉ gồm chữ cái không dấu, chữ số, '.', '_', '-' "
                        "(tối đa 64 ký tự).",
                        "A serial is ASCII letters, digits, '.', '_', '-' (64 characters at most).",
                    )
                ]
            }
        )
    return serial


def _cleaned(instance: object) -> None:
    """Clean every text (and tuple of texts) of a frozen dataclass in place, once."""
    for f in fields(instance):  # type: ignore[arg-type]
        value = getattr(instance, f.name)
        if isinstance(value, str):
            object.__setattr__(instance, f.name, clean(value))
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            object.__setattr__(instance, f.name, tuple(clean(v) for v in value))


@dataclass(frozen=True)
class Recipient:
    """One line of Điều 1: who, of which unit, which award, and the bonus in đồng."""

    name: str
    unit: str
    award: str
    bonus_vnd: int

    def __post_init__(self) -> None:
        _cleaned(self)
        if self.bonus_vnd < 0:
            raise Invalid({"bonus_vnd": [("Tiền thưởng không âm.", "A bonus is not negative.")]})


@dataclass(frozen=True)
class Decision:
    """A commendation decision (quyết định khen thưởng) in the form of NĐ 30/2020, Phụ lục I.

    ``governing_body`` is the line above the issuer (cơ quan chủ quản), empty for a ministry;
    ``authority`` is the line above "QUYẾT ĐỊNH:" ("BỘ TRƯỞNG BỘ TƯ PHÁP"); ``signing_for`` is
    "KT. BỘ TRƯỞNG" when a deputy signs, else empty; ``award_statement`` is Điều 1's sentence,
    followed by the list of ``recipients``; ``bonus_source`` says where Điều 2's money comes
    from; ``executors`` carry out the decision (Điều 3); ``copies_to`` is the "Nơi nhận:" list.
    """

    number: str
    issuer: str
    place: str
    date: dt.date
    title: str
    authority: str
    legal_bases: tuple[str, ...]
    award_statement: str
    recipients: tuple[Recipient, ...]
    bonus_source: str
    executors: tuple[str, ...]
    copies_to: tuple[str, ...]
    signer_name: str
    signer_title: str
    signing_for: str = ""
    governing_body: str = ""
    proposal: str = ""  # the last recital: "Theo đề nghị của Vụ trưởng Vụ Thi đua - Khen thưởng"

    def __post_init__(self) -> None:
        _cleaned(self)
        if not self.recipients:
            raise Invalid(
                {
                    "recipients": [
                        ("Quyết định cần ít nhất một người nhận.", "A decision needs a recipient.")
                    ]
                }
            )

    @property
    def total_vnd(self) -> int:
        """Điều 2's total: the sum of the bonuses listed in Điều 1."""
        return sum(r.bonus_vnd for r in self.recipients)


class CertificateKind(Enum):
    """The printed form of a commendation; its heading is part of the layout, not of a rule."""

    BANG_KHEN = "bang-khen"
    GIAY_KHEN = "giay-khen"
    KY_NIEM_CHUONG = "ky-niem-chuong"

    @property
    def heading(self) -> str:
        return {
            "bang-khen": "BẰNG KHEN",
            "giay-khen": "GIẤY KHEN",
            "ky-niem-chuong": "KỶ NIỆM CHƯƠNG",
        }[self.value]


@dataclass(frozen=True)
class Certificate:
    """One certificate: the recipient's full name as registered, the award and its decision.

    ``award_name`` is the award as the rule pack names it ('Kỷ niệm chương "Vì sự nghiệp Tư
    pháp"'); ``citation`` the achievement line ("Đã có thành tích xuất sắc ..."), may be empty;
    ``issuer_authority`` who grants it ("BỘ TRƯỞNG BỘ TƯ PHÁP").
    """

    kind: CertificateKind
    serial: str
    recipient_name: str
    recipient_unit: str
    award_name: str
    issuer_authority: str
    decision_number: str
    decision_date: dt.date
    place: str
    signer_name: str
    signer_title: str
    signing_for: str = ""
    citation: str = ""
    extra: tuple[str, ...] = field(default=())  # further lines under the citation, if any

    def __post_init__(self) -> None:
        _cleaned(self)
        check_serial(self.serial)
