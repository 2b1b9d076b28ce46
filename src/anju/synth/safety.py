"""The synthetic city's house safety (issue 23): appraisal agencies, inspections of the older buildings,
appraisals with realistic grade shares and the hazard cases they open — written by the safety context
itself (``anju.safety.synthetic_safety``) through the same checks as live data, in one transaction,
after the register and the credit files exist. Labelled synthetic where a person sees it."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from anju import safety
from anju.core import clock
from anju.security import Keyring


def generate_safety(
    engine: Engine,
    kr: Keyring,
    seed: int,
    *,
    scale: float,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> safety.SynthCounts:
    """Everything in one transaction with its own random stream (``<seed>:safety``)."""
    if progress:
        progress("房屋安全（合成）", 0.0)
    with engine.begin() as conn:
        return safety.synthetic_safety(
            conn, kr, random.Random(f"{seed}:safety"), scale=scale, today=today or clock.today()
        )


def summary(made: safety.SynthCounts) -> str:
    """One line in Chinese for ``anju demo``."""
    return (
        f"房屋安全鉴定机构 {made['agencies']} 家、排查发现需鉴定楼幢 {made['inspected']} 幢、"
        f"鉴定 {made['appraisals']} 份、危房隐患案件 {made['hazards']} 件（已销案 {made['closed']} 件）"
    )
