"""The signed contract as a PDF: the model lease's articles filled with the lease's facts, masked IDs,
signing times, the filing number and a QR code of the public filing verification page.

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1): the PDF names the font
and the reader supplies the glyphs, so no font file and no internet are needed and the text stays
extractable. The QR code is segno's module matrix drawn as rectangles, so what is printed is exactly
the symbol segno encodes for the URL.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from anju.core.clock import to_local

FONT = "STSong-Light"
LATIN = "Helvetica"
MARGIN = 56.0
QR_MODULE = 2.2


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def verify_url(base_url: str, filing_no: str | None) -> str | None:
    """The public verification page of a filing (the QR code's content)."""
    return None if not filing_no else base_url.rstrip("/") + f"/rental/filings/{filing_no}"


def qr_matrix(url: str) -> list[list[int]]:
    """The QR symbol's dark (1) and light (0) modules for ``url``, without the quiet zone."""
    return [list(row) for row in segno.make(url, error="m").matrix]


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d} 元"


def _ts(v: Any) -> str:
    return "未签署" if v is None else to_local(v).strftime("%Y-%m-%d %H:%M")


class _Writer:
    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.width, self.height = A4
        self.y = self.height - MARGIN
        self.page = 1

    def _room(self, need: float) -> None:
        if self.y - need < MARGIN:
            self._footer()
            self.c.showPage()
            self.page += 1
            self.y = self.height - MARGIN

    def _footer(self) -> None:
        self.c.setFont(_font(), 8)
        self.c.drawCentredString(self.width / 2, MARGIN / 2, f"第 {self.page} 页")

    def title(self, text: str) -> None:
        self._room(30)
        self.c.setFont(_font(), 18)
        self.c.drawCentredString(self.width / 2, self.y, text)
        self.y -= 30

    def heading(self, text: str) -> None:
        self._room(24)
        self.c.setFont(_font(), 12)
        self.c.drawString(MARGIN, self.y, text)
        self.y -= 18

    def para(self, text: str, size: float = 10) -> None:
        per_line = int((self.width - 2 * MARGIN) / size)
        lines = [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]
        for line in lines:
            self._room(size + 5)
            self.c.setFont(_font(), size)
            self.c.drawString(MARGIN, self.y, line)
            self.y -= size + 5
        self.y -= 3

    def latin(self, label: str, value: str, size: float = 10) -> None:
        """A label in Chinese followed by an ASCII value in Helvetica (extractable as plain text)."""
        self._room(size + 5)
        self.c.setFont(_font(), size)
        self.c.drawString(MARGIN, self.y, label)
        self.c.setFont(LATIN, size)
        self.c.drawString(MARGIN + pdfmetrics.stringWidth(label, _font(), size) + 4, self.y, value)
        self.y -= size + 6

    def qr(self, matrix: Sequence[Sequence[int]], caption: str) -> None:
        side = len(matrix) * QR_MODULE
        self._room(side + 30)
        x0, top = self.width - MARGIN - side, self.y
        self.c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(matrix):
            for col, dark in enumerate(row):
                if dark:
                    self.c.rect(x0 + col * QR_MODULE, top - (r + 1) * QR_MODULE, QR_MODULE, QR_MODULE, stroke=0, fill=1)
        self.c.setFont(_font(), 8)
        self.c.drawRightString(self.width - MARGIN, top - side - 12, caption)

    def finish(self) -> None:
        self._footer()


def render(lease: Mapping[str, Any], url: str | None, *, compress: bool = True) -> bytes:
    """The contract of ``lease`` (as ``leases.get_lease`` gives it) as PDF bytes."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1 if compress else 0)
    c.setTitle(f"住房租赁合同 {lease['lease_no']}")
    c.setAuthor("安居 · 住房租赁监管服务平台")
    w = _Writer(c)
    w.title("住房租赁合同")
    w.latin("合同编号：", lease["lease_no"])
    w.latin("备案编号：", lease["filing_no"] or "-")
    if not lease["filing_no"]:
        w.para("（本合同尚未备案）", 9)
    if url:
        w.qr(qr_matrix(url), "扫码核验备案信息")
    w.para(f"合同状态：{lease['status_label']}", 9)

    landlord = lease["landlord_name"]
    if lease.get("landlord_party_no"):
        landlord += f"（住房租赁企业备案编号 {lease['landlord_party_no']}）"
    w.heading("第一条 当事人")
    w.para(f"出租人（甲方）：{landlord}")
    w.para(f"承租人（乙方）：{lease['tenant_name']}，居民身份证号码 {lease['tenant_id_masked']}")

    w.heading("第二条 房屋基本情况")
    unit = f"{lease['district_name']}{lease['street_name']} {lease['estate']}，{lease['address']}"
    if lease.get("room_name"):
        unit += f"，分间出租：{lease['room_name']}"
    w.para(f"房屋坐落：{unit}")
    area = "—" if lease.get("area") is None else f"{lease['area']:.2f}"
    w.para(f"房屋代码：{lease['house_code']}；出租面积 {area} 平方米；居室 {lease.get('bedrooms') or '—'} 间。")

    w.heading("第三条 租赁期限")
    w.para(f"自 {lease['start_on']} 起至 {lease['end_on']} 止（含）。")
    w.heading("第四条 租金、支付方式与押金")
    w.para(
        f"月租金 {_yuan(lease['rent_fen'])}，{lease['cycle_label']}；押金 {_yuan(lease['deposit_fen'])}。"
        + ("出租人为住房租赁企业，押金及预收租金按规定存入监管账户。" if lease.get("escrow_required") else "")
    )
    w.heading("第五条 用途与居住人数")
    w.para(f"房屋用途：{lease['use']}；居住人数 {lease['occupants']} 人。")
    n = 6
    for clause in lease["model_clauses"]:
        w.heading(f"第{_cn(n)}条 {clause['title']}")
        w.para(clause["text"])
        n += 1
    if lease["extra_clauses"]:
        w.heading(f"第{_cn(n)}条 补充条款")
        for i, text in enumerate(lease["extra_clauses"], 1):
            w.para(f"{i}. {text}")
        n += 1
    if lease.get("amendment_history"):
        w.heading(f"第{_cn(n)}条 变更记录")
        for a in lease["amendment_history"]:
            w.para(f"第 {a['no']} 次变更（双方同意于 {a['agreed_at'][:10]}）：{_change_text(a['change'])}")
    w.heading("签署")
    w.para(f"出租人签署时间：{_ts(lease.get('landlord_signed_at'))}")
    w.para(f"承租人签署时间：{_ts(lease.get('tenant_signed_at'))}")
    if lease.get("filed_at"):
        w.para(f"备案时间：{_ts(lease['filed_at'])}")
    w.para("本合同由双方在住房租赁监管服务平台在线签署，电子签署与书面签字具有同等效力。", 9)
    w.finish()
    c.save()
    return buf.getvalue()


def _change_text(change: dict[str, Any]) -> str:
    parts = []
    if change.get("rent_fen") is not None:
        parts.append(f"月租金改为 {_yuan(int(change['rent_fen']))}")
    if change.get("end_on"):
        parts.append(f"租期至 {change['end_on']}")
    if change.get("extra_clauses") is not None:
        parts.append("补充条款更新")
    return "；".join(parts) or "—"


_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1–99 in Chinese numerals (第十二条)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
