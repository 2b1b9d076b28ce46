"""The synthetic city's estate management (issue 22): property-service companies and projects (coverage
realistic, not 100 %), tenders and handovers, complaints and evaluations, owners' assemblies,
committees and votes, maintenance-fund accounts for every sold home with ten years of deposits,
interest and spending. Each part is one module, run in the order below, each in its own transaction,
after the register, the people, the rental market, the market history and the credit files exist.
Everything goes through the context's own checks and is labelled synthetic where a person sees it
(``anju.estates.SYNTHETIC_LABEL``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from anju.core import clock
from anju.security import Keyring
from anju.synth.estates import fund, owners, quality, services, spending

#: The parts in the order they run (each reads what the ones before it wrote).
PARTS = (
    ("services", services.generate),
    ("quality", quality.generate),
    ("owners", owners.generate),
    ("fund", fund.generate),
    ("spending", spending.generate),
)


#: What the summary line names, part by part: (part, count, the Chinese words around the number).
SUMMARY: tuple[tuple[str, str, str, str], ...] = (
    ("services", "companies", "物业服务企业 ", " 家"),
    ("services", "projects", "物业服务项目 ", " 个"),
    ("services", "tenders", "招投标 ", " 次"),
    ("quality", "complaints", "物业投诉 ", " 件"),
    ("quality", "evaluations", "年度考评 ", " 份"),
    ("owners", "committees", "业主委员会 ", " 届"),
    ("owners", "votes", "业主表决 ", " 次"),
    ("owners", "ballots", "选票 ", " 张"),
    ("owners", "open_votes", "表决中 ", " 次"),
    ("fund", "homes", "维修资金分户账 ", " 户"),
    ("fund", "interest_runs", "年度计息 ", " 次"),
    ("spending", "applications", "维修资金使用申请 ", " 件"),
)


@dataclass
class EstatesReport:
    made: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line in Chinese for ``anju demo`` (the counts a person would look for)."""
        return "、".join(
            f"{before}{self.made[part][key]}{after}"
            for part, key, before, after in SUMMARY
            if key in self.made.get(part, {})
        )


def generate_estates(
    engine: Engine,
    kr: Keyring,
    seed: int,
    *,
    scale: float,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> EstatesReport:
    """Every part, each in one transaction with its own random stream (so a part's output does not
    depend on how many numbers the parts before it drew)."""
    day = today or clock.today()
    report = EstatesReport()
    for n, (name, part) in enumerate(PARTS):
        if progress:
            progress(f"物业管理（合成）：{name}", n / len(PARTS))
        with engine.begin() as conn:
            report.made[name] = part(conn, kr, random.Random(f"{seed}:estates:{name}"), scale=scale, today=day)
    return report
