"""Retention rules as data (``data/retention.toml``, or the file ``exchange_retention_rules`` names):
pure parsing and the cut-off day arithmetic. No database, no framework."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Literal

from anju.core import clock

Action = Literal["archive", "pseudonymise"]
ACTION_LABELS: dict[str, str] = {"archive": "归档", "pseudonymise": "匿名化"}


@dataclass(frozen=True)
class RetentionRule:
    id: str
    dataset: str  # the catalogue's dataset id
    title: str  # Chinese
    closed: str  # Chinese: which records count as closed
    after_years: int  # how long after closing
    action: Action
    function: str  # "module:function" of the owning context's public API (anju.exchange.RetentionAction)

    def before(self, today: date) -> date:
        """The cut-off: records closed before this day are due (``after_years`` before ``today``;
        29 February falls back to the 28th)."""
        return clock.add_years(today, -self.after_years)


class RuleError(ValueError):
    pass


_KEYS = ("id", "dataset", "title", "closed", "after_years", "action", "function")


def parse_rules(text: str) -> tuple[RetentionRule, ...]:
    """The rules of a TOML text (``[[rule]]`` tables). Raises :class:`RuleError` naming the rule and the
    field at fault."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"retention rules: not TOML ({e})") from None
    out: list[RetentionRule] = []
    seen: set[str] = set()
    for n, raw in enumerate(doc.get("rule", []), start=1):
        where = f"rule {n} ({raw.get('id', '?')})"
        missing = [k for k in _KEYS if k not in raw]
        if missing:
            raise RuleError(f"{where}: missing {', '.join(missing)}")
        unknown = sorted(set(raw) - set(_KEYS))
        if unknown:
            raise RuleError(f"{where}: unknown {', '.join(unknown)}")
        years = raw["after_years"]
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 100:
            raise RuleError(f"{where}: after_years must be an integer from 1 to 100")
        if raw["action"] not in ACTION_LABELS:
            raise RuleError(f"{where}: action must be archive or pseudonymise")
        module, _, func = str(raw["function"]).partition(":")
        if not module.startswith("anju.") or not func or module.count(".") != 1:
            raise RuleError(f"{where}: function must be 'anju.<context>:<function>' (a context's public API)")
        if raw["id"] in seen:
            raise RuleError(f"{where}: id repeated")
        seen.add(raw["id"])
        out.append(RetentionRule(**{k: raw[k] for k in _KEYS}))
    return tuple(out)
