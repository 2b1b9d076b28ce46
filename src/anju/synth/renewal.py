"""The synthetic city's urban renewal (issue 23): the project library and five years of projects in
proportion to the plan's 专栏6, shanty-town and energy retrofits, lift agreements and completions —
written by the renewal context itself (``anju.renewal.synthetic_renewal``) through the same checks as
live data, labelled synthetic, deterministic by the seed. Runs after the register exists."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from anju import renewal
from anju.core import clock

SUMMARY: tuple[tuple[str, str, str], ...] = (
    ("old_community", "老旧小区改造项目 ", " 个"),
    ("accepted", "其中已竣工（不含电梯）", " 个"),
    ("shanty", "棚户区改造项目 ", " 个"),
    ("energy", "节能改造项目 ", " 个"),
    ("lift", "加装电梯项目 ", " 个"),
    ("lift_agreements", "已签加装协议 ", " 个"),
    ("lifts_in_service", "投入使用的电梯 ", " 部"),
)


@dataclass
class RenewalReport:
    made: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line in Chinese for ``anju demo``."""
        return "、".join(f"{before}{self.made[key]}{after}" for key, before, after in SUMMARY if key in self.made)


def generate_renewal(
    engine: Engine,
    seed: int,
    *,
    scale: float,
    today: date | None = None,
    city_code: str = "320100",
    progress: Callable[[str, float], None] | None = None,
) -> RenewalReport:
    """The renewal projects in one transaction, with their own random stream."""
    if progress:
        progress("城市更新（合成）", 0.0)
    with engine.begin() as conn:
        made = renewal.synthetic_renewal(
            conn, random.Random(f"{seed}:renewal"), scale=scale, today=today or clock.today(), city_code=city_code
        )
    return RenewalReport(made)
