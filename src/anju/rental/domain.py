"""Vocabularies, rules and value objects of rental supervision. No SQLAlchemy, no FastAPI.

Sections follow ``tables.py``: parties · listings · leases · escrow · guidance rents · governance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# ----------------------------------------------------------------------------------------- parties


class PartyKind(StrEnum):
    enterprise = "enterprise"  # 住房租赁企业
    agency = "agency"  # 房地产经纪机构


PARTY_KIND_LABELS = {PartyKind.enterprise: "住房租赁企业", PartyKind.agency: "房地产经纪机构"}


class PartyStatus(StrEnum):
    filed = "filed"  # 已备案
    suspended = "suspended"  # 暂停: can neither publish nor sign
    revoked = "revoked"  # 撤销: permanent


PARTY_STATUS_LABELS = {PartyStatus.filed: "已备案", PartyStatus.suspended: "已暂停", PartyStatus.revoked: "已撤销"}

# ----------------------------------------------------------------------------------------- listings


class ListingMode(StrEnum):
    whole = "whole"  # 整租
    room = "room"  # 分间出租


class ListingStatus(StrEnum):
    draft = "draft"  # 草稿 (failed verification; may be corrected and verified again)
    pending_review = "pending_review"  # 待复核: passed, but flagged (e.g. rent far outside guidance)
    verified = "verified"  # 已核验: has a verification code
    published = "published"  # 已发布
    withdrawn = "withdrawn"  # 已下架
    rejected = "rejected"  # 复核不通过
    expired = "expired"  # 核验码过期
    leased = "leased"  # 已出租 (a lease was filed on it)


LISTING_STATUS_LABELS = {
    ListingStatus.draft: "草稿",
    ListingStatus.pending_review: "待复核",
    ListingStatus.verified: "已核验",
    ListingStatus.published: "已发布",
    ListingStatus.withdrawn: "已下架",
    ListingStatus.rejected: "复核不通过",
    ListingStatus.expired: "核验码已过期",
    ListingStatus.leased: "已出租",
}

#: Statuses in which a listing occupies its rental unit (``active`` = 1).
ACTIVE_LISTING = frozenset({ListingStatus.pending_review, ListingStatus.verified, ListingStatus.published})

#: Rooms that may not be let as living space (住房租赁条例 art. 9: 厨房、卫生间、阳台、贮藏室 …).
NON_LIVING_ROOMS = ("厨房", "卫生间", "洗手间", "阳台", "贮藏室", "储藏室", "地下室", "车库")


def unit_key(home_id: int, room_id: int | None) -> str:
    """The rental unit a listing or a lease occupies: a whole home or one room."""
    return f"r{room_id}" if room_id is not None else f"h{home_id}"


@dataclass(frozen=True)
class Restriction:
    """Something that bars renting a home out on a date (查封, 危房 …), as a restriction source saw it."""

    kind: str  # seized | unsafe | disputed | other
    source: str  # court | registry | safety | supervisor
    reason: str


#: A restriction source answers, set-wise, which of the given homes are barred on a date. The rental
#: context registers its own (supervisor-recorded flags); house safety registers one for unsafe grades.
RestrictionSource = Callable[[object, Sequence[int], date], dict[int, list[Restriction]]]
_RESTRICTION_SOURCES: dict[str, RestrictionSource] = {}


def register_restriction_source(name: str, source: RestrictionSource) -> None:
    """Add (or replace) a named source of restrictions consulted by listing verification and filing."""
    _RESTRICTION_SOURCES[name] = source


def restriction_sources() -> Iterable[tuple[str, RestrictionSource]]:
    return tuple(_RESTRICTION_SOURCES.items())


# ------------------------------------------------------------------------------------------- leases


class LeaseStatus(StrEnum):
    draft = "draft"  # 草拟: neither party has signed
    signing = "signing"  # 签署中: one party has signed
    signed = "signed"  # 已签署: both signed, not yet filed
    filed = "filed"  # 已备案 (active)
    terminated = "terminated"  # 提前解除
    expired = "expired"  # 期满
    cancelled = "cancelled"  # 备案注销


LEASE_STATUS_LABELS = {
    LeaseStatus.draft: "草拟",
    LeaseStatus.signing: "签署中",
    LeaseStatus.signed: "已签署",
    LeaseStatus.filed: "已备案",
    LeaseStatus.terminated: "已解除",
    LeaseStatus.expired: "已期满",
    LeaseStatus.cancelled: "备案已注销",
}


class PaymentCycle(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    half_year = "half_year"
    yearly = "yearly"


#: Months of rent collected at once per payment cycle.
CYCLE_MONTHS = {PaymentCycle.monthly: 1, PaymentCycle.quarterly: 3, PaymentCycle.half_year: 6, PaymentCycle.yearly: 12}
CYCLE_LABELS = {
    PaymentCycle.monthly: "月付",
    PaymentCycle.quarterly: "季付",
    PaymentCycle.half_year: "半年付",
    PaymentCycle.yearly: "年付",
}

# ---------------------------------------------------------------------------------------- (escrow)
# ----------------------------------------------------------------------------------- guidance rents


def home_type(mode: str, bedrooms: int | None) -> str:
    """The home type guidance rents are published by: a room (分间), or a whole home by bedrooms."""
    if mode == ListingMode.room:
        return "分间"
    if not bedrooms or bedrooms <= 1:
        return "1室"
    if bedrooms == 2:
        return "2室"
    return "3室+"


HOME_TYPES = ("1室", "2室", "3室+", "分间")


def outside_band(rent_fen_m2: int, low: int, high: int, band_pct: int) -> str | None:
    """Whether a rent per m² lies more than ``band_pct`` % below ``low`` or above ``high``."""
    if rent_fen_m2 * 100 < low * (100 - band_pct):
        return "below"
    if rent_fen_m2 * 100 > high * (100 + band_pct):
        return "above"
    return None

# ---------------------------------------------------------------------------------------- (governance)
