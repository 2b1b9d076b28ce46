"""The monthly market report as a PDF (reportlab): title, summary, the district table and two charts drawn
as reportlab graphics (vector, no image files). Chinese text in the built-in CID font ``STSong-Light``
(as the credit report and the rental contract): no font file, the text stays extractable. When the data
is synthetic every page carries the label."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anju.market import domain
from anju.market.report import SYNTHETIC_LABEL, TABLE_HEADER, MonthReport, table_rows

FONT = "STSong-Light"
RED, BLUE = colors.HexColor("#b3261e"), colors.HexColor("#0b57a4")


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def page_decorator(
    title: str, synthetic: bool, label: str, font: str | None = None, size: tuple[float, float] = landscape(A4)
) -> Callable[[Canvas, object], None]:
    """What every page of a report carries (``onFirstPage``/``onLaterPages``): "<title> 第 N 页" at the
    foot and, when the data is synthetic, "【合成】<label>" in red at the head."""
    face = font or _font()

    def on_page(c: Canvas, d: object) -> None:
        c.saveState()
        c.setFont(face, 8)
        w, h = size
        c.drawCentredString(w / 2, 8 * mm, f"{title} 第 {c.getPageNumber()} 页")
        if synthetic:
            c.setFillColor(RED)
            c.setFont(face, 9)
            c.drawString(15 * mm, h - 10 * mm, f"【{domain.SYNTHETIC_TAG}】{label}")
        c.restoreState()

    return on_page


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    font: str | None = None,
    *,
    font_size: float = 8,
    cell: ParagraphStyle | None = None,
    widths: Sequence[float] | None = None,
    style: Sequence[tuple[object, ...]] = (),
) -> Table:
    """A report table: the header row repeated on every page and shaded, a grey grid, the Chinese font;
    with ``cell`` every value is a wrapping paragraph of that style; ``style`` adds commands."""
    face = font or _font()

    def wrap(v: object) -> object:
        return Paragraph(str(v), cell) if cell is not None else v

    data = [[wrap(h) for h in header], *[[wrap(v) for v in r] for r in rows]]
    t = Table(data, repeatRows=1, colWidths=list(widths) if widths else None)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), face, font_size),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                *style,
            ]
        )
    )
    return t


def render(r: MonthReport, *, compress: bool = True) -> bytes:
    """The report as PDF bytes (``compress`` False keeps the content streams readable, for tests)."""
    font = _font()
    buf = io.BytesIO()
    size = landscape(A4)
    doc = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=f"{r.title}（{r.month_label}）",
        author="安居",
        pageCompression=1 if compress else 0,
    )
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1)
    sub = ParagraphStyle("s", fontName=font, fontSize=11, leading=16, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, firstLineIndent=21, wordWrap="CJK")
    head = ParagraphStyle("h", fontName=font, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4)
    note = ParagraphStyle("n", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey, wordWrap="CJK")
    story: list[object] = [
        Paragraph(r.title, title),
        Paragraph(r.month_label, sub),
        Paragraph(r.source, note),
        Spacer(1, 6 * mm),
        Paragraph("一、总体情况", head),
        Paragraph(r.summary, body),
        Paragraph("二、分区域情况", head),
        _table(r, font),
        Paragraph(
            f"注：价格指数为{r.method_label}，环比以上月为100，同比以上年同月为100，定基以 {r.base_month} 为100；"
            "单价为成交单价中位数；去化周期为可售面积除以近12个月月均成交面积。",
            note,
        ),
        Paragraph("三、价格指数走势（全市，定基）", head),
        trend_chart(r, font),
        Paragraph("四、各区成交套数", head),
        sales_chart(r, font),
    ]

    on_page = page_decorator(f"{r.title}（{r.month_label}）", r.synthetic, SYNTHETIC_LABEL, font, size)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def _table(r: MonthReport, font: str) -> Table:
    return table(
        TABLE_HEADER,
        table_rows(r),
        font,
        font_size=8.5,
        style=[
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("FONT", (0, 1), (-1, 1), font, 8.5),
            ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f7f1e8")),
        ],
    )


def _legend(font: str, x: float, y: float, items: list[tuple[colors.Color, str]]) -> Legend:
    lg = Legend()
    lg.x, lg.y = x, y
    lg.fontName, lg.fontSize = font, 8
    lg.alignment = "right"
    lg.columnMaximum = 1
    lg.deltax = 80
    lg.colorNamePairs = items
    return lg


def trend_chart(r: MonthReport, font: str, width: float = 720, height: float = 200) -> Drawing:
    """The city's fixed-base index, new and resale, over the report's trend months (vector)."""
    d = Drawing(width, height)
    pts = r.trend
    lines = [
        [(i, p.new_index) for i, p in enumerate(pts) if p.new_index is not None],
        [(i, p.resale_index) for i, p in enumerate(pts) if p.resale_index is not None],
    ]
    if not any(lines):
        d.add(String(width / 2, height / 2, "暂无数据", fontName=font, fontSize=10, textAnchor="middle"))
        return d
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 45, 30, width - 80, height - 60
    lp.data = [ln or [(0, 100.0)] for ln in lines]
    lp.lines[0].strokeColor, lp.lines[1].strokeColor = RED, BLUE
    lp.lines[0].strokeWidth = lp.lines[1].strokeWidth = 1.5
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = 0, max(1, len(pts) - 1)
    step = max(1, len(pts) // 8)
    lp.xValueAxis.valueSteps = list(range(0, len(pts), step))
    lp.xValueAxis.labelTextFormat = lambda v: pts[int(v)].month if 0 <= int(v) < len(pts) else ""
    lp.xValueAxis.labels.fontName = lp.yValueAxis.labels.fontName = font
    lp.xValueAxis.labels.fontSize = lp.yValueAxis.labels.fontSize = 7
    d.add(lp)
    d.add(_legend(font, width - 10, height - 8, [(RED, "新建商品住宅"), (BLUE, "二手住宅")]))
    return d


def sales_chart(r: MonthReport, font: str, width: float = 720, height: float = 200) -> Drawing:
    """Sales of the month by district, new and resale (vector bars)."""
    d = Drawing(width, height)
    lines = [ln for ln in r.lines if not ln.city] or r.lines
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 45, 40, width - 80, height - 70
    bc.data = [[ln.new.sales or 0 for ln in lines], [ln.resale.sales or 0 for ln in lines]]
    bc.categoryAxis.categoryNames = [ln.name for ln in lines]
    bc.categoryAxis.labels.fontName = bc.valueAxis.labels.fontName = font
    bc.categoryAxis.labels.fontSize = bc.valueAxis.labels.fontSize = 7
    bc.valueAxis.valueMin = 0
    bc.bars[0].fillColor, bc.bars[1].fillColor = RED, BLUE
    d.add(bc)
    d.add(_legend(font, width - 10, height - 8, [(RED, "新建商品住宅（套）"), (BLUE, "二手住宅（套）")]))
    return d
