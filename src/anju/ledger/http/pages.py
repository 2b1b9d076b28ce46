"""The public page of the verifiable logs (可验证日志, ``/ledger``): what the logs are, each log's
hashing algorithm and size, and the published public key that verifies their signed heads — the key
the citizens' 核验 buttons use. Its ``#tech`` section is the developers' short technical note."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anju.ledger import services
from anju.ledger.heads import published_key
from anju.ledger.vocabulary import LOGS
from anju.security import Public, ledger_signing_seed
from anju.web.deps import SettingsDep, UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)

ALGORITHM_LABELS = {"sha256": "SHA-256", "sm3": "SM3（国密）"}


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, uow: UowDep, settings: SettingsDep, _: Public) -> HTMLResponse:
    with uow.read() as conn:
        logs = services.list_logs(conn)
    return render(
        request,
        "ledger/index.html",
        logs=logs,
        algorithm_labels=ALGORITHM_LABELS,
        log_labels=LOGS,
        public_key=published_key(ledger_signing_seed(settings)),
    )
