"""The people–land–housing–industry street database (人—地—房—产业街道数据库, issue 24, part "The street
database"): a yearly panel per street (population, land, industry by sector) loaded from a documented
CSV/xlsx format — every bad cell reported, nothing half-written, versioned by year and source with
bitemporal corrections — or synthesised for the synthetic city; the derived indicators (defined in
``anju/indicators/data/streets.toml``, computed by :func:`anju.streets.indicators.provide`); the street
list and profile pages; the map choropleths. See docs/streets.md.

Other contexts use only what this module exports.
"""

from anju.streets import layers
from anju.streets.domain import SYNTHETIC_LABEL, SYNTHETIC_SOURCE, PanelRow, sectors
from anju.streets.indicators import CODES as INDICATOR_CODES
from anju.streets.loader import LoadResult, PanelRejected, check_records, load_file
from anju.streets.reads import Version, figures, history, profile
from anju.streets.synthetic import SynthReport
from anju.streets.synthetic import generate as generate_synthetic

__all__ = [
    "INDICATOR_CODES",
    "SYNTHETIC_LABEL",
    "SYNTHETIC_SOURCE",
    "LoadResult",
    "PanelRejected",
    "PanelRow",
    "SynthReport",
    "Version",
    "check_records",
    "figures",
    "generate_synthetic",
    "history",
    "layers",
    "load_file",
    "profile",
    "sectors",
]
