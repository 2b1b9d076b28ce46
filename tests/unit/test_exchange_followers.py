"""In-process followers of events: declared per context, and an emitter of a followed topic cannot
skip them (no settings, or the bulk path, is a programming error caught here, before any write)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import Connection

from anju import contexts
from anju.exchange.outbox import OutEvent, emit, emit_many, followers

NO_DB = cast(Connection, object())  # never touched: the checks come before any statement


def test_the_maintenance_fund_follows_first_sale_filings_and_every_follower_loads() -> None:
    assert followers("transactions.contract_filed") == ("anju.estates.fund_deposits:on_contract_filed",)
    for c in contexts.CONTEXTS:
        for topic, spec in c.event_followers.items():
            assert any(topic in other.events for other in contexts.CONTEXTS), topic
            assert callable(contexts.load(spec)), spec


def test_a_followed_topic_needs_settings_and_cannot_go_through_the_bulk_path() -> None:
    payload: dict[str, Any] = {"contract_id": 1, "home_id": 1}
    with pytest.raises(RuntimeError, match="emit it with settings"):
        emit(NO_DB, "transactions.contract_filed", "home:1", payload)
    with pytest.raises(RuntimeError, match="one by one"):
        emit_many(NO_DB, [OutEvent("transactions.contract_filed", "home:1", payload)])
