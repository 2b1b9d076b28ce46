"""The 楼盘表 register: estates, buildings, homes, rooms, house codes and their bitemporal history.

Other contexts use only what this module exports.
"""

from anju.registry import domain
from anju.registry.changes import (
    Change,
    SplitPart,
    add_rooms,
    change_building,
    change_home,
    merge_homes,
    split_home,
)
from anju.registry.create import NewBuilding, NewEstate, NewHome, create_building, create_estate, create_home
from anju.registry.domain import HouseCode, Status, Structure, Use, make_house_code, parse_house_code
from anju.registry.feeds.restrictions import restrictions_in_force
from anju.registry.history import BUILDING_ATTRS, HOME_ATTRS, as_of_condition
from anju.registry.imports.formats import read_sheet
from anju.registry.lists import changes_in_division
from anju.registry.lookups import search
from anju.registry.ownership import OWNERS_BELIEVED, Named, OwnerOn, is_owner, owned_area, owned_on, owners_on
from anju.registry.reads import (
    building_as_of,
    get_building,
    get_estate,
    get_home,
    get_home_by_code,
    home_history,
    stats,
)
from anju.registry.restrictions import (
    RESTRICTION_KIND_LABELS,
    Restriction,
    RestrictionSource,
    SubjectRestriction,
    SubjectRestrictionSource,
    home_restrictions,
    register_restriction_source,
    register_subject_restriction_source,
    restriction_sources,
    restriction_text,
    subject_refusal,
    subject_restriction_sources,
    subject_restrictions,
)
from anju.registry.synthetic import record_synthetic, synthetic_scale
from anju.registry.tables import (
    building_versions,
    buildings,
    estates,
    feed_loads,
    home_owners,
    home_versions,
    homes,
    register_changes,
    registrations,
    restriction_records,
    rooms,
)

#: Tables that bulk loaders (the synthetic city) write through core.dialect.bulk_insert.
BULK_TABLES = (estates, buildings, building_versions, homes, home_versions, rooms)

__all__ = [
    "BUILDING_ATTRS",
    "BULK_TABLES",
    "HOME_ATTRS",
    "OWNERS_BELIEVED",
    "RESTRICTION_KIND_LABELS",
    "Change",
    "HouseCode",
    "Named",
    "NewBuilding",
    "NewEstate",
    "NewHome",
    "OwnerOn",
    "Restriction",
    "RestrictionSource",
    "SplitPart",
    "Status",
    "Structure",
    "SubjectRestriction",
    "SubjectRestrictionSource",
    "Use",
    "add_rooms",
    "as_of_condition",
    "building_as_of",
    "building_versions",
    "buildings",
    "change_building",
    "change_home",
    "changes_in_division",
    "create_building",
    "create_estate",
    "create_home",
    "domain",
    "estates",
    "feed_loads",
    "get_building",
    "get_estate",
    "get_home",
    "get_home_by_code",
    "home_history",
    "home_owners",
    "home_restrictions",
    "home_versions",
    "homes",
    "is_owner",
    "make_house_code",
    "merge_homes",
    "owned_area",
    "owned_on",
    "owners_on",
    "parse_house_code",
    "read_sheet",
    "record_synthetic",
    "register_changes",
    "register_restriction_source",
    "register_subject_restriction_source",
    "registrations",
    "restriction_records",
    "restriction_sources",
    "restriction_text",
    "restrictions_in_force",
    "rooms",
    "search",
    "split_home",
    "stats",
    "subject_refusal",
    "subject_restriction_sources",
    "subject_restrictions",
    "synthetic_scale",
]
