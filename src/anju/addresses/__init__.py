"""Address standardisation and the property–police address fusion library (房产公安房屋地址融合库)."""

from anju.addresses.parser import ParsedAddress, Parser, estate_key, normalise_name, parse

__all__ = ["ParsedAddress", "Parser", "estate_key", "normalise_name", "parse"]
