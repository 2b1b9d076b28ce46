"""Market monitoring (房地产市场监测、评估与预警, issue 21): land transfers, the supply pipeline, price
indices (hedonic, repeat sales, stratified medians), rent-to-price ratios, the seven-dimension health
evaluation, early warnings, short-horizon forecasts, the dashboard, the monthly report and the
published figures. See docs/market.md.

Other contexts read the stored results through this module only.
"""

from anju.market.areas import require as require_area
from anju.market.areas import visible as visible_areas
from anju.market.runs import Run, latest_run
from anju.market.sales_frame import SCHEMA as SALES_FRAME_SCHEMA

__all__ = ["SALES_FRAME_SCHEMA", "Run", "latest_run", "require_area", "visible_areas"]
