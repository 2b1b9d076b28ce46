"""Pure rules of existing-home (存量房) resale: listing and contract statuses, the listing verification
rules, the listing and filing numbers. No database, no web framework.

The verification code (房源核验码) is the rental listings' format and check character
(``anju.rental.domain.make_verify_code`` / ``normalise_verify_code``): one format, one public checker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum import luhn

# ------------------------------------------------------------------------------------------- listings


class ListingStatus(StrEnum):
    draft = "draft"  # 草稿: created, or failed verification (may be verified again)
    verified = "verified"  # 已核验: has a verification code
    published = "published"  # 已发布: on the public list
    withdrawn = "withdrawn"  # 已撤回
    sold = "sold"  # 已成交: a contract on it was filed


LISTING_STATUS_LABELS: dict[str, str] = {
    ListingStatus.draft: "待核验",
    ListingStatus.verified: "已核验",
    ListingStatus.published: "已发布",
    ListingStatus.withdrawn: "已撤回",
    ListingStatus.sold: "已成交",
}

#: Statuses in which a listing holds its home (``resale_listings.active`` = 1): no second listing.
ACTIVE_LISTING = frozenset({ListingStatus.verified, ListingStatus.published})

#: The verification rules of a resale listing, in the order they are evaluated and shown (name → title).
#: ``home_exists``, ``owner_registered`` and ``home_unrestricted`` are the rules a rental listing is
#: verified by too, answered by the same registry checks (``registry.is_owner``,
#: ``registry.home_restrictions``).
LISTING_RULES: dict[str, str] = {
    "home_exists": "房屋在楼盘表中存在",
    "home_in_use": "房屋处于使用状态（存量房）",
    "owner_registered": "委托人是楼盘表登记的现产权人（证件号码与姓名一致）",
    "agency_filed": "经纪机构已备案且未被暂停",
    "home_unrestricted": "房屋无查封、抵押、危房等限制",
    "home_not_listed": "同一房屋没有其他有效房源",
    "home_not_contracted": "房屋没有正在办理的存量房买卖合同",
    "mortgage_noted": "抵押情况（告知，不阻止出售）",
}


@dataclass(frozen=True)
class ListingFacts:
    """Everything verification needs to know about one resale listing, gathered by the service."""

    home_found: bool
    home_status: str | None
    owner_registered: bool
    agency_status: str | None  # the lister's party status (None: none), "missing" when not filed
    agency_kind: str | None
    restrictions: tuple[str, ...]  # labels of the restrictions in force
    other_listing: bool
    active_contract: bool
    mortgages: tuple[str, ...] = ()  # mortgages in force (a sale needs the mortgagee's consent: noted)


@dataclass(frozen=True)
class RuleResult:
    name: str
    passed: bool
    reason: str

    @property
    def title(self) -> str:
        return LISTING_RULES[self.name]


def _rule(name: str, ok: bool, good: str, bad: str) -> RuleResult:
    return RuleResult(name, ok, good if ok else bad)


#: The reasons of the other rules while the owner is not verified: pass or fail only, no restriction or
#: mortgage details (a seizure's case number, a mortgagee) for someone who is not the owner's agent.
WITHHELD = ("通过", "未通过（委托人核验通过后显示原因）")


def verify_listing(f: ListingFacts) -> list[RuleResult]:
    """Every rule evaluated (none skipped), each with a Chinese reason. While ``owner_registered``
    fails, the other rules give their pass or fail only (``WITHHELD``), without the details."""
    results = _listing_rules(f)
    if f.owner_registered:
        return results
    return [
        r if r.name == "owner_registered" else RuleResult(r.name, r.passed, WITHHELD[not r.passed]) for r in results
    ]


def _listing_rules(f: ListingFacts) -> list[RuleResult]:
    agency_ok = f.agency_kind == "agency" and f.agency_status == "filed"
    if f.agency_status is None or f.agency_status == "missing":
        agency_bad = "发布账户所属机构不是已备案的房地产经纪机构"
    elif f.agency_kind != "agency":
        agency_bad = "发布账户所属机构不是房地产经纪机构"
    else:
        label = {"suspended": "已暂停", "revoked": "已撤销"}.get(f.agency_status, f.agency_status)
        agency_bad = f"经纪机构备案{label}，不能发布房源"
    return [
        _rule("home_exists", f.home_found, "房屋已在楼盘表登记", "楼盘表中没有该房屋"),
        _rule(
            "home_in_use",
            f.home_found and f.home_status == "使用",
            "使用中",
            f"房屋状态为{f.home_status or '未知'}，只有使用中的房屋可以作为存量房出售",
        ),
        _rule(
            "owner_registered",
            f.owner_registered,
            "委托人是登记的现产权人",
            "委托人不是楼盘表登记的现产权人（证件号码或姓名与登记不一致）",
        ),
        _rule("agency_filed", agency_ok, "经纪机构已备案", agency_bad),
        _rule("home_unrestricted", not f.restrictions, "无限制", "房屋存在限制：" + "、".join(f.restrictions)),
        _rule("home_not_listed", not f.other_listing, "没有其他有效房源", "该房屋已有其他已核验或已发布的出售房源"),
        _rule(
            "home_not_contracted",
            not f.active_contract,
            "没有正在办理的买卖合同",
            "该房屋已有正在办理的存量房买卖合同",
        ),
        RuleResult(
            "mortgage_noted",
            True,
            "存在抵押：" + "；".join(f.mortgages) + "。出售须经抵押权人同意（或办理带押过户）"
            if f.mortgages
            else "无抵押",
        ),
    ]


def listing_no(on: date, serial: int) -> str:
    """A resale listing's number (存量房源编号): ``CF`` + yymmdd + 10 digits."""
    return f"CF{on:%y%m%d}{serial % 10**10:010d}"


# ------------------------------------------------------------------------------------------ contracts


class ContractStatus(StrEnum):
    draft = "draft"  # 待签约
    signed = "signed"  # 已签约: seller and buyer signed
    filed = "filed"  # 已备案: filing number given
    registered = "registered"  # 已登记: the transfer to the buyer was registered; the home is free again
    cancelled = "cancelled"  # 已撤销


CONTRACT_STATUS_LABELS: dict[str, str] = {
    ContractStatus.draft: "待签约",
    ContractStatus.signed: "已签约",
    ContractStatus.filed: "已备案",
    ContractStatus.registered: "已登记",
    ContractStatus.cancelled: "已撤销",
}

#: States in which a contract holds its home (``resale_contracts.active`` is 1).
HOLDING = frozenset({ContractStatus.draft, ContractStatus.signed, ContractStatus.filed})

SIDES = {"seller": "出卖人", "buyer": "买受人"}

# A resale contract's filing number (存量房网签备案号): "CS" (存量) + the filing year (4 digits) + the
# contract's id (10 digits, zero-padded) + one Luhn check digit over the 14 digits — the new-home
# numbers' shape (``domain.filing_number``, "XS…") in a series of its own, so the two never collide.
FILING_PREFIX = "CS"


def filing_number(year: int, contract_id: int) -> str:
    body = f"{year:04d}{contract_id:010d}"
    return f"{FILING_PREFIX}{body}{luhn.calc_check_digit(body)}"


def valid_filing_number(value: str) -> bool:
    v = value.strip().upper()
    return len(v) == 17 and v.startswith(FILING_PREFIX) and v[2:].isdigit() and luhn.is_valid(v[2:])
