"""The health indicators the computation offers (:mod:`anju.market.indicators` computes them; an
edition of the health model uses a subset), with their Chinese names and units — taken from the one
indicator dictionary (``anju/indicators/data/market.toml``: code ``market.<code>``), where each is
defined once with its formula, source and calibre."""

from __future__ import annotations

from anju import indicators

_PREFIX = "market."
_OWN = [i for i in indicators.dictionary().values() if i.owner == "market" and i.code.startswith(_PREFIX)]

#: The indicator codes the computation offers (an edition uses a subset), with their Chinese names.
INDICATORS: dict[str, str] = {i.code.removeprefix(_PREFIX): i.name for i in _OWN}
#: Their units, as the dictionary defines them (an edition must use the same).
UNITS: dict[str, str] = {i.code.removeprefix(_PREFIX): i.unit for i in _OWN}
