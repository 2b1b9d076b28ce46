"""Purchase eligibility (限购) as dated policy data, explained rule by rule.

The policy is a TOML file of editions (``data/<city>/purchase_limits.toml``, a labelled sample, or
``ANJU_TRANSACTIONS_PURCHASE_LIMITS``). :func:`evaluate` is pure: (edition, facts) → every rule with its
inputs, requirement and result. :func:`check_buyer` gathers the facts — homes the buyer owns in the
register (``registry.owned_area`` by the blind index of the ID) and other contracts holding homes for
the same buyer on the platform, with the buyer's declared hukou and social-insurance months — and is
consulted at each signature.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from anju import registry
from anju.core.settings import Settings
from anju.transactions.tables import resale_contracts, sale_contracts

HUKOU_LABELS = {"local": "本市户籍", "nonlocal": "非本市户籍"}
#: The markets an edition may limit: new homes (商品房) and existing homes (存量房).
MARKETS = frozenset({"new", "resale"})


class PolicyError(ValueError):
    """A policy file that cannot be used (names the edition and the key)."""


@dataclass(frozen=True)
class PurchasePolicy:
    code: str
    name: str
    effective_from: date
    effective_to: date | None
    sample: bool
    limited_districts: frozenset[str]
    local_max_owned: int
    nonlocal_max_owned: int
    nonlocal_min_social_insurance_months: int
    digest: str  # SHA-256 of the edition as loaded: a contract records what it was checked against
    #: The markets the edition limits: ``new`` (商品房) and/or ``resale`` (存量房); both by default.
    applies_to: frozenset[str] = frozenset({"new", "resale"})


@dataclass(frozen=True)
class PurchaseFacts:
    district_code: str
    hukou: str  # local | nonlocal (declared)
    social_insurance_months: int  # in the last 36 months (declared)
    homes_owned: int  # register property rights on the day
    homes_contracted: int  # other contracts holding homes for the same buyer on the platform


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    passed: bool
    inputs: dict[str, Any]
    requirement: str
    reason: str


@dataclass(frozen=True)
class PurchaseEligibility:
    eligible: bool
    policy_code: str
    policy_digest: str
    rules: tuple[Rule, ...]

    def to_json(self) -> str:
        return json.dumps(
            {"eligible": self.eligible, "policy": {"code": self.policy_code, "digest": self.policy_digest},
             "rules": [asdict(r) for r in self.rules]},
            ensure_ascii=False,
        )  # fmt: skip


def _int(where: str, raw: dict[str, Any], key: str) -> int:
    v = raw.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise PolicyError(f"{where}.{key}: 应为非负整数")
    return v


def policy_from_dict(raw: dict[str, Any]) -> PurchasePolicy:
    where = f"edition[{raw.get('code', '?')}]"
    code, name, start = raw.get("code"), raw.get("name"), raw.get("effective_from")
    if not isinstance(code, str) or not code or not isinstance(name, str) or not name:
        raise PolicyError(f"{where}: code 与 name 不能为空")
    if not isinstance(start, date):
        raise PolicyError(f"{where}.effective_from: 应为日期")
    end = raw.get("effective_to")
    if end is not None and (not isinstance(end, date) or end <= start):
        raise PolicyError(f"{where}.effective_to: 应为晚于 effective_from 的日期")
    districts = raw.get("limited_districts")
    if not isinstance(districts, list) or not all(isinstance(d, str) and len(d) == 6 for d in districts):
        raise PolicyError(f"{where}.limited_districts: 应为 6 位区代码的列表")
    applies = raw.get("applies_to", ["new", "resale"])
    if not isinstance(applies, list) or not applies or not set(applies) <= MARKETS:
        raise PolicyError(f"{where}.applies_to: 应为 new、resale 组成的非空列表")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return PurchasePolicy(
        code=code,
        name=name,
        effective_from=start,
        effective_to=end,
        sample=bool(raw.get("sample", False)),
        limited_districts=frozenset(districts),
        local_max_owned=_int(where, raw, "local_max_owned"),
        nonlocal_max_owned=_int(where, raw, "nonlocal_max_owned"),
        nonlocal_min_social_insurance_months=_int(where, raw, "nonlocal_min_social_insurance_months"),
        digest=digest,
        applies_to=frozenset(applies),
    )


def load_policies(path: Path) -> tuple[PurchasePolicy, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path.name}: {e}") from None
    out = tuple(sorted((policy_from_dict(e) for e in raw.get("edition", [])), key=lambda p: p.effective_from))
    if len({p.code for p in out}) != len(out):
        raise PolicyError(f"{path.name}: edition code 重复")
    return out


def sample_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "purchase_limits.toml"


@cache
def _policies(path: str) -> tuple[PurchasePolicy, ...]:
    return load_policies(Path(path))


def policies_for(settings: Settings) -> tuple[PurchasePolicy, ...]:
    path = settings.transactions_purchase_limits or str(sample_path(settings.city_code))
    return _policies(path) if Path(path).exists() else ()


def policy_on(policies: tuple[PurchasePolicy, ...], on: date) -> PurchasePolicy | None:
    """The edition in force on ``on``: the latest that has started and not ended (None: no limits)."""
    found = None
    for p in policies:
        if p.effective_from <= on and (p.effective_to is None or on < p.effective_to):
            found = p
    return found


def evaluate(policy: PurchasePolicy, facts: PurchaseFacts) -> PurchaseEligibility:
    """Every rule of the edition applied to the facts, each with its inputs, requirement and reason."""
    rules: list[Rule] = []
    limited = facts.district_code in policy.limited_districts
    rules.append(
        Rule(
            "district",
            "限购区域",
            True,
            {"district_code": facts.district_code, "limited": limited},
            "限购区域：" + "、".join(sorted(policy.limited_districts)),
            "房屋位于限购区域，适用以下规则" if limited else "房屋不在限购区域，不限购",
        )
    )
    if limited:
        local = facts.hukou == "local"
        cap = policy.local_max_owned if local else policy.nonlocal_max_owned
        held = facts.homes_owned + facts.homes_contracted
        ok = held <= cap
        over = f"已有住房 {held} 套（登记 {facts.homes_owned} 套、已网签 {facts.homes_contracted} 套），超过 {cap} 套"
        rules.append(
            Rule(
                "homes_owned",
                "已有住房套数",
                ok,
                {"hukou": facts.hukou, "homes_owned": facts.homes_owned, "homes_contracted": facts.homes_contracted},
                f"{HUKOU_LABELS.get(facts.hukou, facts.hukou)}购房人已有住房不超过 {cap} 套",
                "符合" if ok else over,
            )
        )
        if not local:
            need = policy.nonlocal_min_social_insurance_months
            ok = facts.social_insurance_months >= need
            rules.append(
                Rule(
                    "social_insurance",
                    "社保或个税缴纳",
                    ok,
                    {"social_insurance_months": facts.social_insurance_months},
                    f"购房前 36 个月内累计缴纳社保或个税不少于 {need} 个月",
                    "符合" if ok else f"累计 {facts.social_insurance_months} 个月，不足 {need} 个月",
                )
            )
    return PurchaseEligibility(all(r.passed for r in rules), policy.code, policy.digest, tuple(rules))


def check_buyer(
    conn: Connection, settings: Settings, contract: Any, on: date, market: str = "new"
) -> PurchaseEligibility | None:
    """The buyer's eligibility for the contract's home on ``on`` (None when no edition in force limits
    the contract's market: ``new`` for ``sale_contracts``, ``resale`` for ``resale_contracts``).

    Homes contracted on the platform count both markets' contracts holding a home for the same buyer
    (signed or filed), the contract itself excepted."""
    policy = policy_on(policies_for(settings), on)
    if policy is None or market not in policy.applies_to:
        return None
    bidx = str(contract.buyer_id_bidx)
    owned = registry.owned_area(conn, [bidx], on).get(bidx, (0, None))[0]
    contracted = 0
    for table, own in ((sale_contracts, market == "new"), (resale_contracts, market == "resale")):
        conds = [table.c.buyer_id_bidx == bidx, table.c.active == 1, table.c.status != "draft"]
        if own:
            conds.append(table.c.id != contract.id)
        contracted += conn.execute(select(func.count()).where(*conds)).scalar_one()
    facts = PurchaseFacts(
        district_code=str(contract.district_code),
        hukou=str(contract.buyer_hukou),
        social_insurance_months=int(contract.buyer_si_months),
        homes_owned=int(owned),
        homes_contracted=int(contracted),
    )
    return evaluate(policy, facts)
