"""The synthetic market history (2016-01 to today): developers, projects, presale permits, price lists,
new-home and resale contracts with down payments and loans, the registrations that follow them with
their lag, the owners they record, mortgages and seizures — at prices drawn from a documented model
with a known true price index per district × month (the ground truth, ``--truth DIR``).

Run after :func:`anju.synth.generate_people` (and :func:`anju.synth.generate_rental`). The sales are
derived from the owners the city already has: each change of owner within the history is a sale (or,
for a share of old homes, a transfer without a sale), so today's owners stay exactly as they were and
the owner after every transfer is its buyer. See docs/synthetic-market.md.
"""

from anju.synth.market.generator import MarketGenerator, generate_market
from anju.synth.market.model import HISTORY_START, Hedonic, PriceModel, city_trend, month_index, month_label
from anju.synth.market.sales import MarketReport

__all__ = [
    "HISTORY_START",
    "Hedonic",
    "MarketGenerator",
    "MarketReport",
    "PriceModel",
    "city_trend",
    "generate_market",
    "month_index",
    "month_label",
]
