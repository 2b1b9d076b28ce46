"""The authorisation matrix, one module of cases per context (``cases_<context>.py``; ``app`` holds the
composition root's own routes). ``CASES_BY_CONTEXT`` keeps them apart so the test can check that each
module holds only its context's routes; ``CASES`` merges them."""

from __future__ import annotations

from tests.authz import (
    cases_addresses,
    cases_app,
    cases_assistance,
    cases_credit,
    cases_divisions,
    cases_estates,
    cases_exchange,
    cases_indicators,
    cases_ledger,
    cases_map,
    cases_market,
    cases_plan,
    cases_registry,
    cases_renewal,
    cases_rental,
    cases_safety,
    cases_security,
    cases_streets,
    cases_transactions,
)
from tests.authz.support import Case

CASES_BY_CONTEXT: dict[str, dict[tuple[str, str], Case]] = {
    "app": cases_app.CASES,
    "security": cases_security.CASES,
    "divisions": cases_divisions.CASES,
    "registry": cases_registry.CASES,
    "ledger": cases_ledger.CASES,
    "map": cases_map.CASES,
    "addresses": cases_addresses.CASES,
    "assistance": cases_assistance.CASES,
    "rental": cases_rental.CASES,
    "transactions": cases_transactions.CASES,
    "exchange": cases_exchange.CASES,
    "credit": cases_credit.CASES,
    "market": cases_market.CASES,
    "estates": cases_estates.CASES,
    "safety": cases_safety.CASES,
    "renewal": cases_renewal.CASES,
    "streets": cases_streets.CASES,
    "indicators": cases_indicators.CASES,
    "plan": cases_plan.CASES,
}


def _merge() -> dict[tuple[str, str], Case]:
    out: dict[tuple[str, str], Case] = {}
    for name, cases in CASES_BY_CONTEXT.items():
        twice = sorted(f"{m} {p}" for m, p in cases.keys() & out.keys())
        if twice:
            raise RuntimeError(f"cases_{name}.py repeats cases of another module: {twice}")
        out |= cases
    return out


CASES: dict[tuple[str, str], Case] = _merge()
