"""The evaluation report as a PDF (reportlab): the same title, summary, tables and charts as the Word
document, the charts drawn as reportlab graphics (vector). Chinese text in the CID font the market report
registers (``STSong-Light``: no font file, the text stays extractable). When the data is synthetic every
page carries the label."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from anju import market
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

RED, BLUE = colors.HexColor("#b3261e"), colors.HexColor("#0b57a4")


def render(e: Evaluation, *, compress: bool = True) -> bytes:
    """The evaluation as PDF bytes (``compress`` False keeps the content streams readable, for tests)."""
    font = market.pdf_font()
    buf = io.BytesIO()
    size = landscape(A4)
    doc = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=e.title,
        author="安居",
        pageCompression=1 if compress else 0,
    )
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1)
    sub = ParagraphStyle("s", fontName=font, fontSize=11, leading=16, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, firstLineIndent=21, wordWrap="CJK")
    head = ParagraphStyle("h", fontName=font, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("c", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK")
    note = ParagraphStyle("n", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey, wordWrap="CJK")
    story: list[object] = [
        Paragraph(e.title, title),
        Paragraph(e.subtitle, sub),
        Spacer(1, 6 * mm),
        Paragraph("一、总体情况", head),
        Paragraph(e.summary, body),
        Paragraph(f"二、主要指标完成情况（截至 {e.as_of} 年）", head),
        _table(MAIN_HEADER, main_rows(e), cell, (55 * mm, 80 * mm, 110 * mm, 20 * mm)),
        Paragraph("三、指标明细与趋势", head),
        _table(DETAIL_HEADER, detail_rows(e), cell),
        Paragraph("注：差距为实际值减目标值；完成率为实际值除以目标值；累计指标在期中按已过年数折算进度。", note),
        rates_chart(e, font),
        Paragraph("四、分区完成情况", head),
        _table(DISTRICT_HEADER, district_rows(e), cell) if e.districts else Paragraph("本规划没有分区指标。", body),
        Paragraph("五、指标定义", head),
        *[Paragraph(f"{ln.p.target.label}（{ln.p.target.source}）：{ln.definition}", note) for ln in e.lines],
        Spacer(1, 4 * mm),
        Paragraph(f"本报告由安居平台于 {e.generated_at} 根据存储的指标数值生成，可作为评估报告的起草底稿。", note),
    ]

    on_page = market.pdf_page_decorator(e.title, e.synthetic, SYNTHETIC_LABEL)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    cell: ParagraphStyle,
    widths: Sequence[float] | None = None,
) -> Table:
    return market.pdf_table(header, rows, cell=cell, widths=widths, style=[("VALIGN", (0, 0), (-1, -1), "TOP")])


def rates_chart(e: Evaluation, font: str, width: float = 720, height: float = 200) -> Drawing:
    """Each city target's completion rate (%), the 100 % line in red (vector bars)."""
    d = Drawing(width, height)
    if not e.lines:
        d.add(String(width / 2, height / 2, "暂无数据", fontName=font, fontSize=10, textAnchor="middle"))
        return d
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 45, 40, width - 80, height - 60
    rates = [float(ln.p.percent) if ln.p.percent is not None else 0.0 for ln in e.lines]
    bc.data = [rates]
    bc.categoryAxis.categoryNames = [ln.p.target.label[:8] for ln in e.lines]
    bc.categoryAxis.labels.fontName = bc.valueAxis.labels.fontName = font
    bc.categoryAxis.labels.fontSize = bc.valueAxis.labels.fontSize = 6.5
    bc.valueAxis.valueMin = 0
    bc.valueAxis.valueMax = max([*rates, 100.0]) * 1.1
    bc.bars[0].fillColor = BLUE
    d.add(bc)
    y100 = bc.y + bc.height * 100 / bc.valueAxis.valueMax
    d.add(Line(bc.x, y100, bc.x + bc.width, y100, strokeColor=RED, strokeWidth=1))
    d.add(String(bc.x + bc.width, y100 + 3, "100%", fontName=font, fontSize=7, fillColor=RED, textAnchor="end"))
    d.add(String(bc.x, height - 12, "各项全市指标完成率（%）", fontName=font, fontSize=9))
    return d
