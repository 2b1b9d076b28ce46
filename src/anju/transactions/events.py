"""The transactions context's events out (``anju.exchange``): a filed purchase contract, new home or
resale (→ tax: 契税 and the transfer's taxes). Emitted in the filing's transaction, keyed by the
home, so a subscriber receives a home's contracts in order. The parties' ID numbers and names travel
as the contract's own sealed blobs (decrypted only for an entitled subscriber)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from anju import exchange
from anju.core.settings import Settings


def _emit(
    conn: Connection,
    topic: str,
    row: Any,
    filing_no: str,
    extra: Mapping[str, Any],
    personal: Mapping[str, Any],
    settings: Settings | None = None,
) -> None:
    payload = {
        "contract_id": int(row.id),
        "filing_no": filing_no,
        "home_id": int(row.home_id),
        "house_code": row.house_code,
        "district_code": row.district_code,
        "street_code": row.street_code,
        "area": str(row.area),
        "total_price_fen": int(row.total_price_fen),
        "payment_method": row.payment_method,
        "loan_fen": int(row.loan_fen),
        **extra,
    }
    exchange.emit(conn, topic, f"home:{int(row.home_id)}", payload, personal, settings=settings)


def contract_filed(conn: Connection, settings: Settings, row: Any, filing_no: str) -> None:
    """``transactions.contract_filed``: a new-home purchase contract filed (网签备案); its in-process
    followers (the maintenance fund's first deposit due) run in the filing's transaction."""
    _emit(
        conn,
        "transactions.contract_filed",
        row,
        filing_no,
        {"project_id": int(row.project_id), "permit_id": int(row.permit_id)},
        {
            "buyer_id_number": ("sale_contracts.buyer_id", bytes(row.buyer_id_enc)),
            "buyer_name": ("sale_contracts.buyer_name", bytes(row.buyer_name_enc)),
        },
        settings,
    )


def resale_contract_filed(conn: Connection, row: Any, filing_no: str) -> None:
    """``transactions.resale_contract_filed``: a resale purchase contract filed."""
    _emit(
        conn,
        "transactions.resale_contract_filed",
        row,
        filing_no,
        {"agency": row.agency_party_id is not None},
        {
            "buyer_id_number": ("resale_contracts.buyer_id", bytes(row.buyer_id_enc)),
            "buyer_name": ("resale_contracts.buyer_name", bytes(row.buyer_name_enc)),
            "seller_id_number": ("resale_contracts.seller_id", bytes(row.seller_id_enc)),
            "seller_name": ("resale_contracts.seller_name", bytes(row.seller_name_enc)),
        },
    )
