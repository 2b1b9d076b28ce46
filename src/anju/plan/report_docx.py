"""The evaluation report as a Word document (python-docx): title, summary, the 专栏1-shaped table
(规划目标 / 指标 / 完成情况 / 指标属性), the detail table (target, actual, gap, rate, status, trend),
the district table, and two charts drawn as PNG with Pillow — each city target's completion rate, and
the yearly values of the cumulative targets — with the market report's Chinese font helpers. When the
data is synthetic, the label is in the page header (every page)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from anju import market
from anju.plan.domain import STATUS_LABELS
from anju.plan.evaluation import (
    DETAIL_HEADER,
    DISTRICT_HEADER,
    MAIN_HEADER,
    SYNTHETIC_LABEL,
    Evaluation,
    detail_rows,
    district_rows,
    main_rows,
)

RED, BLUE, GREEN, GREY = (179, 38, 30), (11, 87, 164), (46, 125, 50), (120, 120, 120)
STATUS_COLOURS = {"achieved": GREEN, "on_track": BLUE, "behind": RED, "no_data": GREY}


def rates_png(e: Evaluation, width: int = 1400, height: int = 520) -> bytes:
    """Each city target's completion rate (actual ÷ target, %), coloured by status (PNG bars)."""
    img, dr = market.chart_frame(width, height)
    font, cjk = market.chart_font(18)
    lines = e.lines
    left, right, top, bottom = 80, 30, 50, 120
    if not lines:
        dr.text((width // 2 - 60, height // 2), "暂无数据" if cjk else "no data", fill=GREY, font=font)
        return market.chart_png(img)
    rates = [float(ln.p.percent) if ln.p.percent is not None else 0.0 for ln in lines]
    hi = max([*rates, 100.0]) * 1.1
    dr.rectangle([left, top, width - right, height - bottom], outline=GREY)
    for k in range(5):
        v = hi * k / 4
        y = top + (height - top - bottom) * (1 - k / 4)
        dr.line([left, y, width - right, y], fill=(230, 230, 230))
        dr.text((8, y - 10), f"{v:.0f}%", fill=GREY, font=font)
    y100 = top + (height - top - bottom) * (1 - 100 / hi)
    dr.line([left, y100, width - right, y100], fill=RED, width=2)
    slot = (width - left - right) / len(lines)
    for i, (ln, v) in enumerate(zip(lines, rates, strict=True)):
        x0 = left + slot * i + slot * 0.2
        y = top + (height - top - bottom) * (1 - v / hi)
        dr.rectangle([x0, y, x0 + slot * 0.6, height - bottom], fill=STATUS_COLOURS[ln.p.status])
        label = ln.p.target.label if cjk else ln.p.target.key
        dr.text((x0, height - bottom + 8), label[:7], fill=GREY, font=font)
        dr.text((x0, height - bottom + 32), label[7:14], fill=GREY, font=font)
    x = width - right - 560
    for status, colour in STATUS_COLOURS.items():
        dr.rectangle([x, 16, x + 26, 32], fill=colour)
        dr.text((x + 32, 12), STATUS_LABELS[status] if cjk else status, fill=(0, 0, 0), font=font)
        x += 140
    return market.chart_png(img)


def trend_png(e: Evaluation, width: int = 1400, height: int = 480) -> bytes:
    """The yearly values of each city target over the elapsed years, as % of its own largest value
    (one line per target, so targets of different units share the chart)."""
    img, dr = market.chart_frame(width, height)
    font, cjk = market.chart_font(18)
    left, right, top, bottom = 80, 300, 40, 60
    years = list(range(e.plan.first_year, e.as_of + 1))
    series = [ln for ln in e.lines if any(y.value is not None for y in ln.p.years)]
    dr.rectangle([left, top, width - right, height - bottom], outline=GREY)
    if not series or not years:
        dr.text((width // 2 - 60, height // 2), "暂无数据" if cjk else "no data", fill=GREY, font=font)
        return market.chart_png(img)
    n = len(years)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - right) * (i / max(1, n - 1))
        return x, top + (height - top - bottom) * (1 - v / 110)

    for i, yr in enumerate(years):
        x, _ = xy(i, 0)
        dr.text((x - 20, height - bottom + 10), str(yr), fill=GREY, font=font)
    palette = [BLUE, RED, GREEN, (239, 108, 0), (106, 27, 154), (0, 131, 143), (93, 64, 55), (84, 110, 122)]
    for k, ln in enumerate(series[:8]):
        vals = [(i, float(y.value)) for i, y in enumerate(ln.p.years) if y.value is not None]
        top_v = max(abs(v) for _, v in vals) or 1.0
        pts = [xy(i, v / top_v * 100) for i, v in vals]
        colour = palette[k % len(palette)]
        if len(pts) > 1:
            dr.line(pts, fill=colour, width=3)
        for px, py in pts:
            dr.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colour)
        label = ln.p.target.label if cjk else ln.p.target.key
        dr.rectangle([width - right + 12, top + k * 28, width - right + 34, top + k * 28 + 14], fill=colour)
        dr.text((width - right + 40, top + k * 28 - 4), label[:12], fill=(0, 0, 0), font=font)
    return market.chart_png(img)


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]], size: float = 9) -> None:
    """A grid table, built row by row (``table.cell(i, j)`` walks the whole grid: quadratic)."""
    table = doc.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    for row in [header, *rows]:
        cells = table.add_row().cells
        for c, v in zip(cells, row, strict=True):
            run = c.paragraphs[0].add_run(v)
            run.font.size = Pt(size)


def render(e: Evaluation) -> bytes:
    """The evaluation as .docx bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    if e.synthetic:
        run = section.header.paragraphs[0].add_run(f"【合成】{SYNTHETIC_LABEL}")
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(*RED)
    t = doc.add_heading(e.title, level=0)
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(e.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(e.summary)
    doc.add_heading(f"二、主要指标完成情况（截至 {e.as_of} 年）", level=1)
    _table(doc, MAIN_HEADER, main_rows(e))
    doc.add_heading("三、指标明细与趋势", level=1)
    _table(doc, DETAIL_HEADER, detail_rows(e), size=8)
    doc.add_paragraph("注：差距为实际值减目标值；完成率为实际值除以目标值；累计指标在期中按已过年数折算进度。")
    doc.add_picture(io.BytesIO(rates_png(e)), width=Cm(25))
    doc.add_picture(io.BytesIO(trend_png(e)), width=Cm(25))
    doc.add_heading("四、分区完成情况", level=1)
    if e.districts:
        _table(doc, DISTRICT_HEADER, district_rows(e), size=8)
    else:
        doc.add_paragraph("本规划没有分区指标。")
    doc.add_heading("五、指标定义", level=1)
    for ln in e.lines:
        doc.add_paragraph(f"{ln.p.target.label}（{ln.p.target.source}）：{ln.definition}")
    doc.add_paragraph(f"本报告由安居平台于 {e.generated_at} 根据存储的指标数值生成，可作为评估报告的起草底稿。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
