"""Tables of the 楼盘表 register.

Current-state tables (``estates``, ``buildings``, ``homes``, ``rooms``) hold what is valid now, as
known now, for fast reads. Every change is also kept in the bitemporal ``*_versions`` tables:
``valid_from``/``valid_to`` (dates when the fact held in the world) and ``recorded_at``/
``superseded_at`` (when the register believed it). Rows are never deleted.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anju.core.types import Area, IdType, UTCDateTime, metadata

estates = Table(
    "estates",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("estate_code", String(16), nullable=False, unique=True),
    Column("name", String(80), nullable=False),
    Column("kind", String(16), nullable=False),  # 小区 | 楼盘 | 单位大院 | 村 | 园区
    Column("district_code", String(12), ForeignKey("divisions.code"), nullable=False),
    Column("street_code", String(12), ForeignKey("divisions.code"), nullable=False),
    Column("community_code", String(12), ForeignKey("divisions.code"), nullable=True),
    Column("road", String(40), nullable=True),
    Column("door_no", String(16), nullable=True),
    Column("address", String(160), nullable=False),
    Column("developer", String(80), nullable=True),
    Column("year_built", Integer, nullable=True),
    Column("centroid_lon", Float, nullable=True),
    Column("centroid_lat", Float, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_estates_street", "street_code", "name"),
    Index("ix_estates_district", "district_code"),
    Index("ix_estates_centroid", "centroid_lon", "centroid_lat"),
)


def _building_attrs() -> list[Column[object]]:
    return [
        Column("building_no", String(16), nullable=False),
        Column("name", String(40), nullable=False),
        Column("use", String(16), nullable=False),
        Column("structure", String(16), nullable=False),
        Column("floors_above", Integer, nullable=False),
        Column("floors_below", Integer, nullable=False),
        Column("units", Integer, nullable=False),
        Column("year_built", Integer, nullable=True),
        Column("status", String(24), nullable=False),
        Column("construction_area", Area, nullable=True),
        Column("address", String(160), nullable=False),
        Column("footprint", Text, nullable=True),  # GeoJSON polygon, WGS-84
        Column("centroid_lon", Float, nullable=True),
        Column("centroid_lat", Float, nullable=True),
    ]


buildings = Table(
    "buildings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("house_code", String(23), nullable=False, unique=True),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    *_building_attrs(),
    Column("search_text", String(240), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_buildings_estate", "estate_id", "building_no"),
    Index("ix_buildings_street", "street_code"),
    Index("ix_buildings_district", "district_code"),
    Index("ix_buildings_centroid", "centroid_lon", "centroid_lat"),
)

building_versions = Table(
    "building_versions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("street_code", String(12), nullable=False),
    *_building_attrs(),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("superseded_at", UTCDateTime, nullable=True),
    Column("change_kind", String(16), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("source", String(24), nullable=False),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
    Index("ix_building_versions_building", "building_id", "valid_from"),
    Index("ix_building_versions_street_recorded", "street_code", "recorded_at"),
)


def _home_attrs() -> list[Column[object]]:
    return [
        Column("unit_no", String(8), nullable=True),
        Column("floor_no", Integer, nullable=False),  # actual floor (实际层), negative below ground
        Column("floor_label", String(8), nullable=False),  # nominal floor (名义层)
        Column("floor_to", Integer, nullable=True),  # last floor of a duplex (跃层)
        Column("room_no", String(16), nullable=False),  # 房号
        Column("use", String(16), nullable=False),
        Column("rooms", Integer, nullable=True),  # 室
        Column("halls", Integer, nullable=True),  # 厅
        Column("orientation", String(8), nullable=True),
        Column("construction_area", Area, nullable=False),
        Column("inner_area", Area, nullable=True),
        Column("status", String(24), nullable=False),
        Column("address", String(200), nullable=False),
        Column("property_unit_code", String(28), nullable=True),  # GB/T 37346 不动产单元代码
    ]


homes = Table(
    "homes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("house_code", String(23), nullable=False, unique=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("estate_id", IdType, nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    *_home_attrs(),
    Column("valid_from", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("construction_area > 0", name="area_positive"),
    Index("ix_homes_building", "building_id", "floor_no", "room_no"),
    Index("ix_homes_street_status", "street_code", "status"),
)

home_versions = Table(
    "home_versions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("building_id", IdType, nullable=False),
    Column("street_code", String(12), nullable=False),
    *_home_attrs(),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("superseded_at", UTCDateTime, nullable=True),
    Column("change_kind", String(16), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("source", String(24), nullable=False),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
    Index("ix_home_versions_home", "home_id", "valid_from"),
    Index("ix_home_versions_building", "building_id", "valid_from"),
    Index("ix_home_versions_street_recorded", "street_code", "recorded_at"),
)

# 分户/合户 lineage: a split has one parent and several children; a merge several parents, one child.
home_lineage = Table(
    "home_lineage",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("operation_id", String(36), nullable=False),
    Column("kind", String(8), nullable=False),  # split | merge
    Column("parent_home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("child_home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("reason", String(200), nullable=True),
    UniqueConstraint("parent_home_id", "child_home_id"),
    Index("ix_home_lineage_child", "child_home_id"),
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("room_code", String(26), nullable=False, unique=True),  # house code + "-" + 2 digits
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("name", String(16), nullable=False),  # 主卧, 次卧, ...
    Column("area", Area, nullable=False),
    Column("status", String(16), nullable=False),  # in_use | retired
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_rooms_home", "home_id"),
)

# What each source (预售, 测绘, 登记, 租赁, ...) last said about a home, for merging and conflicts.
home_source_records = Table(
    "home_source_records",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("source", String(24), nullable=False),
    Column("attrs", Text, nullable=False),  # JSON object of field → value as the source gave it
    Column("row_hash", String(64), nullable=False),
    Column("import_job_id", IdType, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("home_id", "source"),
)

# Which source wins, per field: the lowest rank that has a value. Data, not code.
source_rules = Table(
    "source_rules",
    metadata,
    Column("field", String(32), primary_key=True),
    Column("source", String(24), primary_key=True),
    Column("rank", Integer, nullable=False),
)

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source", String(24), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("mode", String(16), nullable=False),  # all_or_nothing | good_rows
    Column("status", String(16), nullable=False),  # rejected | loaded | partial | unchanged
    Column("rows_total", Integer, nullable=False),
    Column("rows_created", Integer, nullable=False),
    Column("rows_updated", Integer, nullable=False),
    Column("rows_unchanged", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("conflicts", Integer, nullable=False),
    Column("report", Text, nullable=False),  # JSON: errors and conflicts (capped)
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

# The register's change counter: one row, bumped by database triggers (migration 0004) whenever an
# estate, building or home — or a version of one — is written, in the writing transaction. Readers
# that cache derived data (map tiles) key their caches on it.
register_changes = Table(
    "register_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)

# The registration centre's feed (不动产登记): one row per record delivered — a first registration, a
# transfer, or a correction of an earlier record — keyed by the centre's record id (idempotent
# re-delivery). A corrected record is superseded (``superseded_at``/``superseded_by``), never changed.
# The owners a record names are the ``home_owners`` rows carrying its id.
registrations = Table(
    "registrations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("record_id", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # first | transfer | correction
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("certificate_no", String(64), nullable=False),  # 不动产权证号
    Column("registered_on", Date, nullable=False),
    Column("corrects_id", IdType, ForeignKey("registrations.id"), nullable=True),
    Column("content_hash", String(64), nullable=False),  # SHA-256 of the record as delivered
    Column("load_id", IdType, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("superseded_at", UTCDateTime, nullable=True),  # set when a correction replaced it
    Column("superseded_by", IdType, nullable=True),
    Index("ix_registrations_home", "home_id", "registered_on"),
)

# Property rights (产权) as the register knows them: who owns each home, since when and until when.
# Owners are people (resident ID) or organisations (unified social credit code); the identifier and the
# name are encrypted (SM4) and found through an HMAC-SM3 blind index, as everywhere else.
# Bitemporal: ``acquired_on``/``released_on`` is the valid time, ``recorded_at``/``superseded_at`` the
# time the register believed the row. The registration feed never updates a row: it supersedes it and
# records the replacement (``docs/registry.md``, "Registration feeds"). Readers of current beliefs
# add ``superseded_at IS NULL`` (``registry.OWNERS_BELIEVED``).
home_owners = Table(
    "home_owners",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("owner_kind", String(8), nullable=False),  # person | org
    Column("owner_bidx", String(64), nullable=False),
    Column("owner_id_enc", LargeBinary, nullable=False),
    Column("owner_name_enc", LargeBinary, nullable=False),
    Column("share_pct", Integer, nullable=False),  # whole percent of the home owned
    Column("acquired_on", Date, nullable=False),
    Column("released_on", Date, nullable=True),  # NULL while owned
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("superseded_at", UTCDateTime, nullable=True),  # NULL while believed
    # The feed record that named this owner (NULL: written by another writer, e.g. the synthetic city).
    Column("registration_id", IdType, ForeignKey("registrations.id"), nullable=True),
    # A replacement of another writer's row (its owner closed by a registration): that row's id.
    Column("origin_id", IdType, nullable=True),
    Index("ix_home_owners_owner", "owner_bidx", "released_on"),
    Index("ix_home_owners_home", "home_id"),
    Index("ix_home_owners_registration", "registration_id"),
)

# Restriction feeds (查封/解封, 抵押/注销, 行政限制/解除): one row per record delivered. A restriction is
# imposed by one record and lifted by a later one (``lifts_id`` names the imposing record); rows are never
# changed. Which kinds bar what: ``registry.feeds.restrictions.BARS``.
restriction_records = Table(
    "restriction_records",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("record_id", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # seizure | mortgage | administrative
    Column("action", String(8), nullable=False),  # impose | lift
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=False),
    Column("document_no", String(64), nullable=False),  # 文书号 / 登记证明号
    Column("authority", String(80), nullable=False),
    Column("starts_on", Date, nullable=False),  # lift: the day it is lifted
    Column("ends_on", Date, nullable=True),  # impose: the end of its term, if it has one
    Column("lifts_id", IdType, ForeignKey("restriction_records.id"), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("load_id", IdType, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="term"),
    Index("ix_restriction_records_home", "home_id", "kind", "starts_on"),
    Index("ix_restriction_records_lifts", "lifts_id"),
)

# One lock row per feed (registrations, restrictions; seeded by migration 0016): a load's first statement
# updates it, so loads of one feed run one after the other on both databases (a load recomputes the
# owners of the homes it touches from what it reads).
feed_locks = Table(
    "feed_locks",
    metadata,
    Column("feed", String(16), primary_key=True),
    Column("loads", BigInteger, nullable=False),
)

# Every load of a feed file: what came, what it did, its report (JSON: errors, capped).
feed_loads = Table(
    "feed_loads",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("feed", String(16), nullable=False),  # registrations | restrictions
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(8), nullable=True),  # csv | jsonl | xlsx
    Column("status", String(16), nullable=False),  # loaded | unchanged | rejected
    Column("records_total", Integer, nullable=False),
    Column("records_new", Integer, nullable=False),
    Column("records_unchanged", Integer, nullable=False),
    Column("records_rejected", Integer, nullable=False),
    Column("report", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

# A register built by the synthetic generator records it here (one row): the demo's pages compare a
# city of that scale with the plan's targets scaled to it (``registry.synthetic_scale``). A register
# loaded from real sources has no row.
synthetic_registers = Table(
    "synthetic_registers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("scale", Float, nullable=False),  # 1.0 ≈ the real city
    Column("seed", Integer, nullable=False),
    Column("generated_at", UTCDateTime, nullable=False),
)
