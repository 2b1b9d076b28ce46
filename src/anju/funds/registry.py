"""The registry of fund kinds: each context declares its kinds in ``anju.contexts`` (``fund_kinds``:
name → ``"module:CONSTANT"`` of a :class:`~anju.funds.domain.FundKind`), loaded on first use."""

from __future__ import annotations

from functools import cache

from anju.contexts import CONTEXTS, load
from anju.funds.domain import FundKind, UnbalancedJournal


@cache
def kinds() -> dict[str, FundKind]:
    """Every declared fund kind by name."""
    out: dict[str, FundKind] = {}
    for ctx in CONTEXTS:
        for name, spec in ctx.fund_kinds.items():
            fk = load(spec)
            if not isinstance(fk, FundKind) or fk.name != name:
                raise TypeError(f"{spec} is not the fund kind {name}")
            out[name] = fk
    return out


def kind(name: str) -> FundKind:
    """The fund kind ``name`` (``UnbalancedJournal`` when no context declares it)."""
    found = kinds().get(name)
    if found is None:
        raise UnbalancedJournal(f"未登记的资金类型 {name}")
    return found
