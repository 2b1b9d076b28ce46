"""The city housing map (一图): layers, vector tiles and the figures the map page shows.

Other contexts add layers through :func:`register_layer` (see ``docs/map.md``).
"""

from anju.map.layers import (
    MAX_ZOOM,
    Attribute,
    BBox,
    Feature,
    Layer,
    get_layer,
    layers,
    register_layer,
    register_version,
    street_figures,
    unregister_layer,
)
from anju.map.services import locate, streets_figures, summary
from anju.map.tiles import EXTENT, MEDIA_TYPE, BadTile, TileCache, render, tile, tile_bounds

__all__ = [
    "EXTENT",
    "MAX_ZOOM",
    "MEDIA_TYPE",
    "Attribute",
    "BBox",
    "BadTile",
    "Feature",
    "Layer",
    "TileCache",
    "get_layer",
    "layers",
    "locate",
    "register_layer",
    "register_version",
    "render",
    "street_figures",
    "streets_figures",
    "summary",
    "tile",
    "tile_bounds",
    "unregister_layer",
]
