"""The presale fund supervision policy (预售资金监管) as dated data: a TOML file of editions
(``data/<city>/presale_funds.toml``, a labelled sample, or the file ``transactions_presale_funds``
names), each with its milestones, their cumulative release shares and the retained key amount."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from anju.core.errors import ValidationError
from anju.core.settings import Settings
from anju.transactions.domain import Milestone, PresalePolicy


class PolicyError(ValueError):
    """A policy file that cannot be read as editions."""


def _edition(raw: dict[str, Any]) -> PresalePolicy:
    where = f"edition {raw.get('code', '?')}"
    try:
        milestones = tuple(
            Milestone(str(m["code"]), str(m["name"]), int(m["release_percent"])) for m in raw.get("milestone", [])
        )
        policy = PresalePolicy(
            code=str(raw["code"]),
            name=str(raw["name"]),
            effective_from=raw["effective_from"],
            sample=bool(raw.get("sample", False)),
            retained_percent=int(raw["retained_percent"]),
            milestones=milestones,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise PolicyError(f"{where}: {e}") from None
    shares = [m.release_percent for m in milestones]
    if not milestones or shares != sorted(shares) or shares[-1] != 100 or shares[0] <= 0:
        raise PolicyError(f"{where}: milestones must rise to 100 percent")
    if not 0 <= policy.retained_percent <= 100 or not isinstance(policy.effective_from, date):
        raise PolicyError(f"{where}: retained_percent 0–100 and a date effective_from")
    if len({m.code for m in milestones}) != len(milestones):
        raise PolicyError(f"{where}: milestone codes repeat")
    return policy


def load_policies(path: Path) -> tuple[PresalePolicy, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path.name}: {e}") from None
    out = tuple(sorted((_edition(e) for e in raw.get("edition", [])), key=lambda p: p.effective_from))
    if len({p.code for p in out}) != len(out):
        raise PolicyError(f"{path.name}: edition code 重复")
    return out


def sample_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "presale_funds.toml"


@cache
def _policies(path: str) -> tuple[PresalePolicy, ...]:
    return load_policies(Path(path))


def policies_for(settings: Settings) -> tuple[PresalePolicy, ...]:
    path = settings.transactions_presale_funds or str(sample_path(settings.city_code))
    return _policies(path) if Path(path).exists() else ()


def policy_on(settings: Settings, on: date) -> PresalePolicy:
    """The edition in force on ``on`` (a ValidationError when none is)."""
    found = None
    for p in policies_for(settings):
        if p.effective_from <= on:
            found = p
    if found is None:
        raise ValidationError.of("policy", f"{on} 无现行的预售资金监管政策")
    return found


def policy_by_code(settings: Settings, code: str) -> PresalePolicy:
    for p in policies_for(settings):
        if p.code == code:
            return p
    raise ValidationError.of("policy", f"预售资金监管政策 {code} 已不在政策文件中")
