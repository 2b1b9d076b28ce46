"""The maintenance fund's accounts (``estates.fund_ledger``): a district account opened once, homes'
分户账 opened in bulk (a home opened twice is skipped), each home's ledger account found again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anju import registry
from anju.core.errors import ValidationError
from anju.estates import fund_ledger
from anju.estates.tables import estates_fund_homes


def test_homes_are_opened_once_in_bulk_and_found_again(city_engine: Engine) -> None:
    with city_engine.begin() as conn:
        homes = conn.execute(
            select(registry.homes.c.id, registry.homes.c.estate_id, registry.homes.c.building_id,
                   registry.homes.c.district_code, registry.homes.c.street_code,
                   registry.homes.c.construction_area).order_by(registry.homes.c.id).limit(30)
        ).all()  # fmt: skip
        district = homes[0].district_code
        acct = fund_ledger.district_account(conn, district, bank="测试银行", account_no="WX-T-1")
        assert fund_ledger.district_account(conn, district, bank="测试银行", account_no="WX-T-1") == acct
        assert fund_ledger.district_accounts(conn, [district, "999999"]) == {district: acct}

        def rows(hs: Sequence[Any]) -> list[fund_ledger.HomeFundIn]:
            return [
                fund_ledger.HomeFundIn(h.id, acct, h.estate_id, h.building_id, h.district_code, h.street_code,
                                       h.construction_area, "multi", date(2020, 1, 1), "import")
                for h in hs
            ]  # fmt: skip

        assert fund_ledger.open_homes(conn, rows(homes[:20])) == 20
        assert fund_ledger.open_homes(conn, rows(homes)) == 10  # the first 20 are skipped
        ledgers = fund_ledger.home_ledgers(conn, [h.id for h in homes])
        assert len(set(ledgers.values())) == 30 and set(ledgers) == {h.id for h in homes}
        assert conn.execute(select(func.count()).select_from(estates_fund_homes)).scalar_one() == 30
        bad = replace(rows(homes[:1])[0], building_type="tower")
        with pytest.raises(ValidationError, match="房屋类型"):
            fund_ledger.open_homes(conn, [bad])
