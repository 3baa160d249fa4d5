"""The QR code on a certificate: the public verification address of its serial.

Anyone holding the paper scans it and lands on ``<public base URL>/verify/<serial>``, a page
that needs no sign-in and says whether the award stands or was revoked. The code is drawn as
a PNG of whole pixels per module (lossless in the PDF, so it scans as it was encoded), level M
error correction: a folded or stamped certificate still reads.
"""

from __future__ import annotations

import io
from urllib.parse import quote, urlsplit

import segno

from kit.errors import Invalid

from .model import check_serial

__all__ = ["QR_ERROR", "qr_png", "verification_url"]

QR_ERROR = "m"


def verification_url(base_url: str, serial: str) -> str:
    """``https://thidua.example.vn/verify/BK-2026-000123`` from the public base and a serial."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise Invalid(
            {
                "public_base_url": [
                    (
                        "Địa chỉ công khai phải là http(s)://máy-chủ[/đường-dẫn], "
                        "không có ? hay #.",
                        "The public base URL must be http(s)://host[/path], without ? or #.",
                    )
                ]
            }
        )
    return f"{base_url.rstrip('/')}/verify/{quote(check_serial(serial), safe='')}"


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """``text`` as a black-on-white QR code PNG, ``scale`` pixels a module, the standard
    four-module quiet zone around it."""
    out = io.BytesIO()
    segno.make(text, error=QR_ERROR, micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
