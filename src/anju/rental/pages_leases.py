"""Pages of leases: the public filing verification page the contract's QR code leads to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from anju.rental import leases as svc
from anju.web.deps import Public, SecurityDep, UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/rental/filings/{filing_no}", response_class=HTMLResponse)
def filing_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Public, filing_no: Annotated[str, Path(max_length=24)]
) -> HTMLResponse:
    """Anyone may check a filing: status, where, term, rent; names masked."""
    with uow.read() as conn:
        f = svc.public_filing_view(conn, sec.keyring, filing_no)
    return render(request, "rental/leases_filing.html", f=f)
