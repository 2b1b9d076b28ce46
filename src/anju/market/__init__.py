"""Market monitoring (房地产市场监测、评估与预警, issue 21): land transfers, the supply pipeline, price
indices (hedonic, repeat sales, stratified medians), rent-to-price ratios, the seven-dimension health
evaluation, early warnings, short-horizon forecasts, the dashboard, the monthly report and the
published figures. See docs/market.md.

Other contexts read the stored results through this module only.
"""

from anju.market.areas import require as require_area
from anju.market.areas import visible as visible_areas
from anju.market.land_feed import LAND_TRANSFERS
from anju.market.land_feed import check as check_land_transfer
from anju.market.land_feed import load_synthetic as load_synthetic_land

# the report helpers (Chinese fonts for charts and PDFs) other contexts' reports reuse
from anju.market.report_docx import _font as chart_font
from anju.market.report_docx import _frame as chart_frame
from anju.market.report_docx import _png as chart_png
from anju.market.report_pdf import _font as pdf_font
from anju.market.runs import Run, latest_run
from anju.market.sales_frame import SCHEMA as SALES_FRAME_SCHEMA

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
    "pdf_font",
    "require_area",
    "visible_areas",
]
