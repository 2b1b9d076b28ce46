"""Pure rules of new-home transactions (商品房预售与网签备案): statuses, labels, the filing-number format
and its check digit, the payment rule and the sales-table colours. No database, no web framework."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum import luhn

from anju import registry
from anju.funds import FundKind

#: Qualification grades of a real-estate development enterprise (房地产开发企业资质等级).
QUALIFICATION_GRADES: dict[str, str] = {"1": "一级", "2": "二级", "provisional": "暂定"}


class ContractStatus(StrEnum):
    draft = "draft"  # 草签: the developer drafted it; the home is held
    signed = "signed"  # 已签约: both parties signed
    filed = "filed"  # 已备案: filed with the bureau, filing number given
    cancelled = "cancelled"  # 已撤销: the home is free again


CONTRACT_STATUS_LABELS: dict[str, str] = {
    ContractStatus.draft: "待签约",
    ContractStatus.signed: "已签约",
    ContractStatus.filed: "已备案",
    ContractStatus.cancelled: "已撤销",
}

#: States in which a contract holds its home (``sale_contracts.active`` is 1): no second contract.
HOLDING = frozenset({ContractStatus.draft, ContractStatus.signed, ContractStatus.filed})

#: 付款方式 of the model contract.
PAYMENT_METHODS: dict[str, str] = {
    "full": "一次性付款",
    "instalment": "分期付款",
    "commercial_loan": "商业贷款",
    "provident_loan": "公积金贷款",
    "combined_loan": "组合贷款",
}
LOAN_METHODS = frozenset({"commercial_loan", "provident_loan", "combined_loan"})

#: The 楼盘表 sales-table classes shown to the public (网上房地产): label and CSS class.
SALE_STATES: dict[str, str] = {
    "available": "可售",
    "contracted": "已签约",
    "filed": "已备案",
    "registered": "已登记",
    "unavailable": "不可售",
}

RESTRICTION_KIND_LABELS = registry.RESTRICTION_KIND_LABELS  # the one mechanism's labels


def sale_state(*, permitted: bool, contract_status: str | None, restricted: bool, registered: bool = False) -> str:
    """The public class of a home in the sales table.

    A filed contract followed by the transfer registration to its buyer shows 已登记, a filed contract
    otherwise 已备案, a draft or signed one 已签约 (the home is held either way); a home in no presale
    permit, or under a restriction, is 不可售; the rest of a permit's homes are 可售."""
    if contract_status == ContractStatus.filed:
        return "registered" if registered else "filed"
    if contract_status in (ContractStatus.draft, ContractStatus.signed):
        return "contracted"
    if not permitted or restricted:
        return "unavailable"
    return "available"


def payment_problems(method: str, total_fen: int, down_fen: int, loan_fen: int) -> list[tuple[str, str]]:
    """(field, reason) for every way the payment terms do not add up; empty when they do."""
    out: list[tuple[str, str]] = []
    if method not in PAYMENT_METHODS:
        out.append(("payment_method", "应为 " + "、".join(PAYMENT_METHODS) + " 之一"))
        return out
    if down_fen + loan_fen != total_fen:
        out.append(("down_payment_fen", "首付款与贷款之和应等于总价"))
    if method in LOAN_METHODS and loan_fen <= 0:
        out.append(("loan_fen", "贷款付款方式须填写贷款金额"))
    if method not in LOAN_METHODS and loan_fen != 0:
        out.append(("loan_fen", f"{PAYMENT_METHODS[method]}不应有贷款金额"))
    return out


# ------------------------------------------------------------------------------ filing numbers
# A contract's filing number (备案号): "XS" + the filing year (4 digits) + the contract's id (10 digits,
# zero-padded) + one Luhn check digit computed over the 14 digits. Unique because the id is; the check
# digit catches a mistyped digit or a swap of two neighbours when a number is read out or typed.

FILING_PREFIX = "XS"


def filing_number(year: int, contract_id: int) -> str:
    body = f"{year:04d}{contract_id:010d}"
    return f"{FILING_PREFIX}{body}{luhn.calc_check_digit(body)}"


def valid_filing_number(value: str) -> bool:
    v = value.strip().upper()
    return len(v) == 17 and v.startswith(FILING_PREFIX) and v[2:].isdigit() and luhn.is_valid(v[2:])


def permit_number(year: int, seq: int) -> str:
    """A presale permit number (商品房预售许可证号) as this bureau issues them: 宁房销第 YYYY NNNNN 号.

    It is the source recorded on the register's status change (at most 24 characters)."""
    return f"宁房销第{year:04d}{seq:05d}号"


def fen_per_m2(total_fen: int, area_hundredths: int) -> int:
    """Unit price in fen per m² (rounded half up) of a total over an area in hundredths of m²."""
    return (total_fen * 100 * 2 + area_hundredths) // (2 * area_hundredths)


# ------------------------------------------------------------------- presale fund supervision (预售资金监管)

#: Presale funds as a fund kind of the one ledger engine (``anju.funds``), declared in ``anju.contexts``.
#: A project's account: ``bank`` (cash at the bank) and ``released`` (paid to the developer, debit);
#: per contract (subject ``contract:<id>``): ``held`` (what its buyer paid in, credit).
PRESALE = FundKind(
    name="presale",
    label="预售资金监管",
    log="funds",
    entry_type="transactions.presale",
    account_kinds=("bank", "released"),
    subject_kinds=("held",),
    journal_kinds={
        "down_payment": "首付款入账",
        "loan": "按揭贷款入账",
        "release": "按节点拨付开发企业",
        "refund": "撤销备案退款",
    },
    ledger_labels={"bank": "监管账户银行存款", "released": "已拨付开发企业", "held": "购房人交存款"},
)

#: Resale funds (存量房交易资金监管) as a fund kind: a district's account (owner ``district:<code>``):
#: ``bank`` and ``released`` (paid to sellers, debit); per resale contract (subject ``contract:<id>``):
#: ``held`` (what its buyer paid in, credit; a refund debits it back).
RESALE = FundKind(
    name="resale",
    label="存量房交易资金监管",
    log="funds",
    entry_type="transactions.resale",
    account_kinds=("bank", "released"),
    subject_kinds=("held",),
    journal_kinds={
        "down_payment": "首付款入账",
        "loan": "按揭贷款入账",
        "release": "过户后划付卖方",
        "refund": "撤销退款",
    },
    ledger_labels={"bank": "监管账户银行存款", "released": "已划付卖方", "held": "买方交存款"},
)

DEPOSIT_KINDS = {"down_payment": "首付款", "loan": "按揭贷款"}
RELEASE_STATUS_LABELS = {"requested": "待审批", "approved": "已拨付", "rejected": "已驳回"}


@dataclass(frozen=True)
class Milestone:
    """A construction milestone and the cumulative share of the supervised funds releasable once reached."""

    code: str
    name: str
    release_percent: int


@dataclass(frozen=True)
class PresalePolicy:
    """One dated edition of the presale fund supervision rules (``data/<city>/presale_funds.toml``)."""

    code: str
    name: str
    effective_from: date
    sample: bool
    retained_percent: int  # 重点监管额度: this share of the project's total filed prices
    milestones: tuple[Milestone, ...]  # in construction order; the last releases everything

    def milestone(self, code: str) -> Milestone | None:
        return next((m for m in self.milestones if m.code == code), None)


@dataclass(frozen=True)
class MilestoneCap:
    """What may have been released in total once ``milestone`` is reached (fen)."""

    milestone: Milestone
    reached: bool
    cap_fen: int


def retained_fen(policy: PresalePolicy, filed_total_fen: int) -> int:
    """The retained key amount (重点监管额度) of a project with these filed prices in total."""
    return filed_total_fen * policy.retained_percent // 100


def milestone_caps(
    policy: PresalePolicy, reached: Collection[str], net_deposited_fen: int, retained: int
) -> list[MilestoneCap]:
    """For every milestone: the cumulative releasable amount. Before the last milestone it is the
    milestone's share of what was deposited (net of refunds) and never touches the retained key amount;
    at the last milestone everything is releasable."""
    last = len(policy.milestones) - 1
    out = []
    for i, m in enumerate(policy.milestones):
        if i == last:
            cap = net_deposited_fen
        else:
            cap = min(net_deposited_fen * m.release_percent // 100, max(0, net_deposited_fen - retained))
        out.append(MilestoneCap(m, m.code in reached, max(0, cap)))
    return out


def current_cap(caps: list[MilestoneCap]) -> MilestoneCap | None:
    """The cap of the latest milestone reached (None: none reached, nothing releasable)."""
    found = None
    for c in caps:
        if c.reached:
            found = c
    return found
