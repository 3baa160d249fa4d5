"""The decision and certificate documents, opened the way a reader's software opens them.

Pure rendering, no stack: python-docx reads the .docx back, pypdf extracts the PDFs' text,
fonts, positions and the QR image, which is compared module by module with a fresh encoding
of the verification address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import unicodedata
from pathlib import Path

import docx
import pypdf
import pytest
import segno
from fontTools import subset
from pypdf.generic import ContentStream

from kit.errors import Invalid
from services.awards.documents import (
    Certificate,
    CertificateKind,
    Decision,
    FontMissing,
    Recipient,
    certificate_pdf,
    date_line,
    decision_docx,
    decision_pdf,
    find_fonts,
    verification_url,
    vnd,
)

NAMES = ("Nguyễn Thị Ngọc Huyền", "Đặng Quốc Bảo", "Trương Mỹ Lệ")
BASE = "https://thidua.moj.gov.vn"
MM = 72 / 25.4  # PDF points per millimetre


def _decision(recipients: tuple[Recipient, ...] | None = None) -> Decision:
    return Decision(
        number="123/QĐ-BTP",
        issuer="Bộ Tư pháp",
        place="Hà Nội",
        date=dt.date(2026, 1, 15),
        title="Về việc tặng danh hiệu thi đua và hình thức khen thưởng năm 2025",
        authority="Bộ trưởng Bộ Tư pháp",
        legal_bases=(
            "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022",
            "Nghị định số 152/2025/NĐ-CP của Chính phủ",
        ),
        proposal="Theo đề nghị của Vụ trưởng Vụ Thi đua - Khen thưởng",
        award_statement="Tặng danh hiệu thi đua và hình thức khen thưởng cho các cá nhân "
        "đã có thành tích xuất sắc trong công tác năm 2025",
        recipients=recipients
        or (
            Recipient(
                NAMES[0], "Sở Tư pháp thành phố Hà Nội", "Chiến sĩ thi đua Bộ Tư pháp", 7020000
            ),
            Recipient(NAMES[1], "Cục THADS tỉnh Quảng Ninh", "Bằng khen của Bộ trưởng", 2340000),
            Recipient(NAMES[2], "Sở Tư pháp tỉnh Cà Mau", "Lao động tiên tiến", 710000),
        ),
        bonus_source="Quỹ thi đua, khen thưởng của Bộ Tư pháp",
        executors=("Chánh Văn phòng Bộ", "Vụ trưởng Vụ Thi đua - Khen thưởng"),
        copies_to=("Như Điều 3", "Lưu: VT, TĐKT"),
        signer_name="Nguyễn Văn An",
        signer_title="Thứ trưởng",
        signing_for="KT. Bộ trưởng",
    )


def _certificate(name: str = NAMES[0], **changes) -> Certificate:
    fields = {
        "kind": CertificateKind.BANG_KHEN,
        "serial": "BK-2026-000123",
        "recipient_name": name,
        "recipient_unit": "Phòng Hành chính tư pháp, Sở Tư pháp thành phố Hà Nội",
        "award_name": "Bằng khen của Bộ trưởng Bộ Tư pháp",
        "issuer_authority": "Bộ trưởng Bộ Tư pháp",
        "decision_number": "123/QĐ-BTP",
        "decision_date": dt.date(2026, 1, 15),
        "place": "Hà Nội",
        "signer_name": "Nguyễn Văn An",
        "signer_title": "Thứ trưởng",
        "signing_for": "KT. Bộ trưởng",
        "citation": "Đã có thành tích xuất sắc trong công tác năm 2025",
    }
    return Certificate(**(fields | changes))


def _docx_lines(data: bytes) -> tuple[docx.document.Document, list[str]]:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return document, lines


def _pdf_text(data: bytes) -> str:
    """The text as a reader sees it: justified lines' wider spaces come out as one space."""
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    return "\n".join(" ".join(line.split()) for line in "\n".join(pages).splitlines())


def _position(data: bytes, needle: str) -> tuple[float, float]:
    """Where (in points) the first text run containing ``needle`` starts on page 1."""
    found: list[tuple[float, float]] = []

    def visit(text, cm, tm, font, size) -> None:
        if needle in text and not found:
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert found, needle
    return found[0]


def test_date_line_pads_days_and_only_january_and_february():
    assert date_line("Hà Nội", dt.date(2026, 1, 15)) == "Hà Nội, ngày 15 tháng 01 năm 2026"
    assert date_line("Huế", dt.date(2026, 2, 5)) == "Huế, ngày 05 tháng 02 năm 2026"
    assert date_line("Huế", dt.date(2026, 3, 9)) == "Huế, ngày 09 tháng 3 năm 2026"
    assert date_line("Huế", dt.date(2026, 12, 31)) == "Huế, ngày 31 tháng 12 năm 2026"
    assert vnd(7020000) == "7.020.000 đồng" and vnd(0) == "0 đồng"


def test_decision_docx_has_the_decree_blocks_and_every_recipient():
    document, lines = _docx_lines(decision_docx(_decision()))
    text = "\n".join(lines)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in text
    assert "BỘ TƯ PHÁP" in lines and "Số: 123/QĐ-BTP" in lines
    assert "Hà Nội, ngày 15 tháng 01 năm 2026" in lines
    assert "QUYẾT ĐỊNH" in lines and "QUYẾT ĐỊNH:" in lines and "BỘ TRƯỞNG BỘ TƯ PHÁP" in lines
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in lines
    assert "Theo đề nghị của Vụ trưởng Vụ Thi đua - Khen thưởng." in lines
    articles = [line for line in lines if line.startswith("Điều ")]
    assert [a[:7] for a in articles] == ["Điều 1.", "Điều 2.", "Điều 3."]
    assert "Tổng số tiền thưởng: 10.070.000 đồng" in articles[1]
    assert articles[2].startswith("Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh")

    recipients = document.tables[1]
    rows = [[c.text for c in row.cells] for row in recipients.rows]
    assert rows[0] == ["STT", "Họ và tên", "Đơn vị", "Hình thức", "Tiền thưởng"]
    assert [(r[0], r[1], r[4]) for r in rows[1:4]] == [
        ("1", NAMES[0], "7.020.000 đồng"),
        ("2", NAMES[1], "2.340.000 đồng"),
        ("3", NAMES[2], "710.000 đồng"),
    ]
    assert rows[4][0] == "Tổng cộng" and rows[4][4] == "10.070.000 đồng"
    signature = document.tables[2].rows[0].cells
    assert signature[0].text.splitlines() == ["Nơi nhận:", "- Như Điều 3;", "- Lưu: VT, TĐKT."]
    assert signature[1].text.splitlines() == ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Nguyễn Văn An"]


def test_decision_docx_is_a4_times_new_roman_with_an_italic_date():
    document, _ = _docx_lines(decision_docx(_decision()))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.cm, 2) for m in margins] == [2.0, 2.0, 3.0, 1.5]
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for c in t._cells for p in c.paragraphs for r in p.runs]
    assert {r.font.name for r in runs} == {"Times New Roman"}
    body = [r for p in document.paragraphs for r in p.runs]
    assert {r.font.size.pt for r in body} == {14}
    date = next(r for r in runs if r.text.startswith("Hà Nội, ngày"))
    assert date.font.italic and not date.font.bold
    motto = next(r for r in runs if r.text == "Độc lập - Tự do - Hạnh phúc")
    assert motto.font.bold


def test_texts_are_stored_composed_without_control_characters():
    decomposed = unicodedata.normalize("NFD", NAMES[0])
    assert decomposed != NAMES[0]
    recipient = Recipient(decomposed + "\x07\n", "Sở\tTư pháp", "Lao động tiên tiến", 710000)
    document, _ = _docx_lines(decision_docx(_decision((recipient,))))
    row = [c.text for c in document.tables[1].rows[1].cells]
    assert row[1] == NAMES[0] and row[2] == "Sở Tư pháp"
    assert NAMES[0] in _pdf_text(decision_pdf(_decision((recipient,))))


def test_decision_pdf_says_the_same_with_the_serif_embedded():
    data = decision_pdf(_decision())
    text = unicodedata.normalize("NFC", _pdf_text(data))
    for name in NAMES:
        assert name in text
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 123/QĐ-BTP",
        "Hà Nội, ngày 15 tháng 01 năm 2026",
        "7.020.000 đồng",
        "Tổng cộng 10.070.000 đồng",
        "Nguyễn Văn An",
    ):
        assert expected in text
    for article in ("Điều 1.", "Điều 2.", "Điều 3."):
        assert article in text

    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    family = find_fonts().family.replace(" ", "")
    for font in fonts:
        assert family in font["/BaseFont"] and "+" in font["/BaseFont"]  # a subset
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor  # the TrueType program is in the file


def test_a_long_list_runs_onto_numbered_pages():
    many = tuple(
        Recipient(f"{NAMES[i % 3]} {i}", "Sở Tư pháp tỉnh Cà Mau", "Lao động tiên tiến", 710000)
        for i in range(60)
    )
    data = decision_pdf(_decision(many))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    assert reader.pages[1].extract_text().startswith("2")
    text = _pdf_text(data)
    assert f"{NAMES[2]} 59" in text and vnd(60 * 710000) in text
    assert not reader.pages[0].extract_text().startswith("1")


@pytest.mark.parametrize("name", (*NAMES, "Tôn Nữ Thị Hoàng Phương Quỳnh Ngọc Huyền Trương"))
def test_certificate_prints_the_full_name_the_decision_and_the_serial(name):
    data = certificate_pdf(_certificate(unicodedata.normalize("NFD", name)), public_base_url=BASE)
    lines = unicodedata.normalize("NFC", _pdf_text(data)).splitlines()
    assert name in lines
    assert "BẰNG KHEN" in lines and "Bằng khen của Bộ trưởng Bộ Tư pháp" in lines
    assert "Phòng Hành chính tư pháp, Sở Tư pháp thành phố Hà Nội" in lines
    assert "Theo Quyết định số 123/QĐ-BTP ngày 15/01/2026" in lines
    assert "Số: BK-2026-000123" in lines
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert (
        len(reader.pages) == 1 and reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    )


@pytest.mark.parametrize(
    ("kind", "heading"),
    [(CertificateKind.GIAY_KHEN, "GIẤY KHEN"), (CertificateKind.KY_NIEM_CHUONG, "KỶ NIỆM CHƯƠNG")],
)
def test_each_form_has_its_heading(kind, heading):
    award = 'Kỷ niệm chương "Vì sự nghiệp Tư pháp"'
    data = certificate_pdf(_certificate(kind=kind, award_name=award), public_base_url=BASE)
    lines = _pdf_text(data).splitlines()
    assert heading in lines and award in lines


def test_the_qr_code_encodes_the_public_verification_address():
    url = verification_url(BASE + "/", "BK-2026-000123")
    assert url == "https://thidua.moj.gov.vn/verify/BK-2026-000123"
    data = certificate_pdf(_certificate(), public_base_url=BASE)
    assert url in _pdf_text(data)
    (picture,) = pypdf.PdfReader(io.BytesIO(data)).pages[0].images
    image = picture.image.convert("L")
    expected = segno.make(url, error="m", micro=False).matrix
    modules = len(expected)
    scale = image.width // (modules + 8)  # the quiet zone is 4 modules each side
    assert image.width == image.height == scale * (modules + 8)
    seen = [
        [
            image.getpixel(((4 + x) * scale + scale // 2, (4 + y) * scale + scale // 2)) < 128
            for x in range(modules)
        ]
        for y in range(modules)
    ]
    assert seen == [[bool(v) for v in row] for row in expected]
    other = segno.make(verification_url(BASE, "BK-2026-000124"), error="m", micro=False).matrix
    assert seen != [[bool(v) for v in row] for row in other]


def test_the_printing_offset_moves_every_element_and_blank_drops_the_frame():
    plain = certificate_pdf(_certificate(), public_base_url=BASE)
    moved = certificate_pdf(
        _certificate(), public_base_url=BASE, print_offset_mm=(5, -3), blank=True
    )
    for needle in (NAMES[0], "BẰNG KHEN", "Số: BK-2026-000123", "Nguyễn Văn An", "Độc lập"):
        (x0, y0), (x1, y1) = _position(plain, needle), _position(moved, needle)
        assert x1 - x0 == pytest.approx(5 * MM, abs=0.05)
        assert y1 - y0 == pytest.approx(3 * MM, abs=0.05)  # PDF y grows upwards: 3 mm higher

    def drawn(data: bytes) -> dict[str, list]:
        reader = pypdf.PdfReader(io.BytesIO(data))
        ops: dict[str, list] = {}
        for operands, op in ContentStream(reader.pages[0].get_contents(), reader).operations:
            ops.setdefault(op.decode(), []).append(operands)
        return ops

    before, after = drawn(plain), drawn(moved)
    assert len(before["re"]) >= 6 and "re" not in after  # background, frames, corners gone
    image_at = [ops[-1] for ops in (before["cm"], after["cm"])]  # the QR's placement
    assert float(image_at[1][4]) - float(image_at[0][4]) == pytest.approx(5 * MM, abs=0.05)


def test_a_character_the_font_lacks_is_refused_not_dropped():
    with pytest.raises(Invalid) as refused:
        certificate_pdf(_certificate("Nguyễn 漢"), public_base_url=BASE)
    assert "U+6F22" in str(refused.value.extra["errors"]["text"])
    with pytest.raises(Invalid):
        _certificate(serial="BK/../1")
    with pytest.raises(Invalid):
        verification_url("javascript:alert(1)", "BK-1")
    with pytest.raises(Invalid):
        dataclasses.replace(_decision(), recipients=())


def test_no_font_or_a_font_without_vietnamese_is_a_clear_error(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AWARDS_FONT_DIR", str(tmp_path / "empty"))
    with pytest.raises(FontMissing, match=r"LiberationSerif-Regular\.ttf"):
        certificate_pdf(_certificate(), public_base_url=BASE)

    ascii_only = tmp_path / "ascii"
    ascii_only.mkdir()
    options = subset.Options()
    monkeypatch.delenv("AWARDS_FONT_DIR")
    real = find_fonts()
    for path in real.paths.values():
        font = subset.load_font(str(path), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ")
        subsetter.subset(font)
        subset.save_font(font, str(ascii_only / path.name), options)
    monkeypatch.setenv("AWARDS_FONT_DIR", str(ascii_only))
    with pytest.raises(FontMissing, match="lacks") as missing:
        decision_docx(_decision())
    assert "ễ" in str(missing.value)
