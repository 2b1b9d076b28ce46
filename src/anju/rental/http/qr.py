"""QR codes (SVG, via segno) that point to the public check page of a verification code."""

from __future__ import annotations

import io

import segno


def check_path(code: str) -> str:
    return f"/rental/check/{code}"


def svg(url: str, scale: int = 4) -> bytes:
    """An SVG QR code of ``url`` (error correction M), no XML declaration, ready to serve or embed."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=scale, xmldecl=False, svgns=True, title="房源核验码")
    return out.getvalue()
