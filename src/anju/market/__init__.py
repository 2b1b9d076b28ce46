"""Market monitoring (房地产市场监测、评估与预警, issue 21): land transfers, the supply pipeline, price
indices (hedonic, repeat sales, stratified medians), rent-to-price ratios, the seven-dimension health
evaluation, early warnings, short-horizon forecasts, the dashboard, the monthly report and the
published figures. See docs/market.md.

Other contexts read the stored results through this module only.
"""

from typing import Any

from anju.market.areas import require as require_area
from anju.market.areas import visible as visible_areas
from anju.market.land_feed import LAND_TRANSFERS
from anju.market.land_feed import check as check_land_transfer
from anju.market.land_feed import load_synthetic as load_synthetic_land
from anju.market.runs import Run, latest_run
from anju.market.sales_frame import SCHEMA as SALES_FRAME_SCHEMA
from anju.market.tables import market_land_transfers


# The report helpers other contexts' reports reuse (Chinese fonts for Pillow charts and reportlab PDFs),
# imported on first use: python-docx, Pillow and reportlab stay out of ``import anju.market``.
def chart_font(size: int) -> tuple[Any, bool]:
    """A Pillow font for chart labels, and whether it draws Chinese (``report_docx``)."""
    from anju.market.report_docx import _font

    return _font(size)


def chart_frame(width: int, height: int) -> tuple[Any, Any]:
    """A white Pillow image and its drawing context."""
    from anju.market.report_docx import _frame

    return _frame(width, height)


def chart_png(img: Any) -> bytes:
    """A Pillow image as PNG bytes."""
    from anju.market.report_docx import _png

    return _png(img)


def pdf_font() -> str:
    """The registered reportlab CID font for Chinese text (``STSong-Light``)."""
    from anju.market.report_pdf import _font

    return _font()


def pdf_page_decorator(title: str, synthetic: bool, label: str) -> Any:
    """The page callback of a report PDF: "<title> 第 N 页" at the foot, "【合成】<label>" at the head when
    ``synthetic`` (landscape A4, the Chinese CID font)."""
    from anju.market.report_pdf import page_decorator

    return page_decorator(title, synthetic, label)


def pdf_table(header: Any, rows: Any, **kw: Any) -> Any:
    """A report PDF's table (header repeated and shaded, grid, Chinese font); keywords: ``font_size``,
    ``cell`` (a ParagraphStyle: wrapping cells), ``widths``, ``style`` (more TableStyle commands)."""
    from anju.market.report_pdf import table

    return table(header, rows, **kw)


__all__ = [
    "LAND_TRANSFERS",
    "SALES_FRAME_SCHEMA",
    "Run",
    "chart_font",
    "chart_frame",
    "chart_png",
    "check_land_transfer",
    "latest_run",
    "load_synthetic_land",
    "market_land_transfers",
    "pdf_font",
    "pdf_page_decorator",
    "pdf_table",
    "require_area",
    "visible_areas",
]
