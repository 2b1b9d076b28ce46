"""The monthly market report as a Word document (python-docx): the same title, summary, district table
and charts as the PDF. The charts are pictures: reportlab's bitmap renderer (renderPM) needs a backend
(rlPyCairo) this installation does not have, so they are drawn as PNG with Pillow (installed) —
a line chart of the city's index and a bar chart of sales by district, labels in a CJK font when the
machine has one (Noto Sans CJK), else in the default font with codes instead of Chinese names. When the
data is synthetic, the label is in the page header (every page)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from PIL import Image, ImageDraw, ImageFont

from anju.market import domain
from anju.market.report import SYNTHETIC_LABEL, TABLE_HEADER, MonthReport, table_rows

_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
RED, BLUE, GREY = (179, 38, 30), (11, 87, 164), (120, 120, 120)


def _font(size: int) -> tuple[Any, bool]:
    """A font for chart labels, and whether it draws Chinese."""
    for path in _CJK_FONTS:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(), False


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _frame(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (width, height), "white")
    return img, ImageDraw.Draw(img)


def trend_png(r: MonthReport, width: int = 1400, height: int = 500) -> bytes:
    """The city's fixed-base index, new and resale (PNG)."""
    img, dr = _frame(width, height)
    font, cjk = _font(20)
    left, right, top, bottom = 90, 30, 60, 70
    series = [
        (RED, "新建商品住宅" if cjk else "new", [p.new_index for p in r.trend]),
        (BLUE, "二手住宅" if cjk else "resale", [p.resale_index for p in r.trend]),
    ]
    values = [v for _, _, vs in series for v in vs if v is not None]
    if not values:
        dr.text((width // 2 - 60, height // 2), "暂无数据" if cjk else "no data", fill=GREY, font=font)
        return _png(img)
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad
    n = len(r.trend)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - right) * (i / max(1, n - 1))
        y = top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))
        return x, y

    dr.rectangle([left, top, width - right, height - bottom], outline=GREY)
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        _, y = xy(0, v)
        dr.line([left, y, width - right, y], fill=(230, 230, 230))
        dr.text((8, y - 10), f"{v:.1f}", fill=GREY, font=font)
    step = max(1, n // 8)
    for i in range(0, n, step):
        x, _ = xy(i, lo)
        dr.text((x - 35, height - bottom + 10), r.trend[i].month, fill=GREY, font=font)
    for colour, _label, vs in series:
        pts = [xy(i, v) for i, v in enumerate(vs) if v is not None]
        if len(pts) > 1:
            dr.line(pts, fill=colour, width=4)
    x = width - right - 420
    for colour, label, _ in series:
        dr.rectangle([x, 20, x + 30, 36], fill=colour)
        dr.text((x + 38, 14), label, fill=(0, 0, 0), font=font)
        x += 210
    return _png(img)


def sales_png(r: MonthReport, width: int = 1400, height: int = 500) -> bytes:
    """Sales of the month by district, new and resale (PNG bars)."""
    img, dr = _frame(width, height)
    font, cjk = _font(20)
    lines = [ln for ln in r.lines if not ln.city] or r.lines
    left, right, top, bottom = 90, 30, 60, 80
    hi = max([max(ln.new.sales or 0, ln.resale.sales or 0) for ln in lines] + [1])
    dr.rectangle([left, top, width - right, height - bottom], outline=GREY)
    for k in range(5):
        v = hi * k / 4
        y = top + (height - top - bottom) * (1 - k / 4)
        dr.line([left, y, width - right, y], fill=(230, 230, 230))
        dr.text((8, y - 10), f"{v:,.0f}", fill=GREY, font=font)
    slot = (width - left - right) / len(lines)
    bar = slot * 0.35
    for i, ln in enumerate(lines):
        x0 = left + slot * i + slot * 0.15
        for j, (v, colour) in enumerate(((ln.new.sales or 0, RED), (ln.resale.sales or 0, BLUE))):
            y = top + (height - top - bottom) * (1 - v / hi)
            dr.rectangle([x0 + j * bar, y, x0 + (j + 1) * bar - 2, height - bottom], fill=colour)
        label = ln.name if cjk else ln.code
        dr.text((x0, height - bottom + 10), label[:6], fill=GREY, font=font)
    x = width - right - 420
    for colour, label in ((RED, "新建商品住宅" if cjk else "new"), (BLUE, "二手住宅" if cjk else "resale")):
        dr.rectangle([x, 20, x + 30, 36], fill=colour)
        dr.text((x + 38, 14), label, fill=(0, 0, 0), font=font)
        x += 210
    return _png(img)


def render(r: MonthReport) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    if r.synthetic:
        p = section.header.paragraphs[0]
        run = p.add_run(f"【{domain.SYNTHETIC_TAG}】{SYNTHETIC_LABEL}")
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(*RED)
    t = doc.add_heading(r.title, level=0)
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(r.month_label)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(r.source)
    doc.add_paragraph(r.summary)
    doc.add_heading("二、分区域情况", level=1)
    rows = table_rows(r)
    table = doc.add_table(rows=1 + len(rows), cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for j, h in enumerate(TABLE_HEADER):
        table.cell(0, j).text = h
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            table.cell(i, j).text = v
    doc.add_paragraph(
        f"注：价格指数为{r.method_label}，环比以上月为100，同比以上年同月为100，定基以 {r.base_month} 为100；"
        "单价为成交单价中位数；去化周期为可售面积除以近12个月月均成交面积。"
    )
    doc.add_heading("三、价格指数走势（全市，定基）", level=1)
    doc.add_picture(io.BytesIO(trend_png(r)), width=Cm(25))
    doc.add_heading("四、各区成交套数", level=1)
    doc.add_picture(io.BytesIO(sales_png(r)), width=Cm(25))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
