"""Routes of guidance rents (``/api/v1/rental/guidance``) and rent monitoring (``/api/v1/rental/monitoring``).

Thin: parse, call :mod:`anju.rental.guidance` / :mod:`anju.rental.monitoring`, shape. Published
editions and their ranges are public information; drafts are seen only by holders of
``rental.guidance`` (city officers), who compute and publish. Flags and monitoring figures lie within
the caller's scope (``rental.read``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.rental import guidance, monitoring
from anju.rental.http import schemas_guidance
from anju.rental.http.deps import RentalGuidance, RentalRead
from anju.security import Caller, Public, allowed, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["rental-guidance"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="只看一个区（县）或功能区（代码）")]
StreetQ = Annotated[str | None, Query(pattern=r"^\d{9,12}$", description="街道代码")]
MonthQ = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM")]
HomeTypeQ = Annotated[Literal["1室", "2室", "3室+", "分间"] | None, Query(description="房屋类型")]
Table = Literal["streets", "series"]


def _staff(caller: Caller) -> bool:
    return allowed(caller.role, "rental.guidance")


# ------------------------------------------------------------------------------------------ editions


@router.get("/guidance/editions", operation_id="list_rental_guidance_editions")
def list_editions(uow: UowDep, caller: Public, paging: PagingDep) -> Page[schemas_guidance.EditionOut]:
    """Every edition, newest first: published and superseded ones for everyone; drafts too for city officers."""
    with uow.read() as conn:
        page = guidance.list_editions(conn, staff=_staff(caller), offset=paging.offset, limit=paging.page_size)
        items, total = page.items, page.total
    return Page(
        items=[schemas_guidance.EditionOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/guidance/editions", status_code=201, operation_id="compute_rental_guidance_edition")
def compute_edition(
    uow: UowDep, caller: RentalGuidance, body: schemas_guidance.ComputeIn
) -> schemas_guidance.EditionDetail:
    """Compute a draft edition from the leases filed in the ``months`` months up to ``until`` (hedonic
    regression; see the edition's ``method``). 422 naming ``until`` when the period has too few leases."""
    with audited(uow, caller, "rental.guidance_compute", "guidance_edition") as conn:
        out = guidance.compute_edition(conn, until=body.until, months=body.months, by=caller.account_id)
        set_audit_target(conn, out["id"])
        return schemas_guidance.EditionDetail(**out)


@router.get("/guidance/editions/{edition_id}", operation_id="get_rental_guidance_edition")
def get_edition(uow: UowDep, caller: Public, edition_id: Id) -> schemas_guidance.EditionDetail:
    """One edition with its method (a draft is not found for the public)."""
    with uow.read() as conn:
        return schemas_guidance.EditionDetail(**guidance.get_edition(conn, edition_id, staff=_staff(caller)))


@router.post("/guidance/editions/{edition_id}/publish", operation_id="publish_rental_guidance_edition")
def publish_edition(
    uow: UowDep, caller: RentalGuidance, edition_id: Id, body: schemas_guidance.PublishIn | None = None
) -> schemas_guidance.EditionDetail:
    """Put a draft in force; the edition in force so far becomes superseded (kept). 409 unless a draft."""
    with audited(uow, caller, "rental.guidance_publish", "guidance_edition", edition_id) as conn:
        out = guidance.publish(
            conn, edition_id, by=caller.account_id, effective_from=body.effective_from if body else None
        )
        return schemas_guidance.EditionDetail(**out)


@router.get("/guidance/rents", operation_id="list_rental_guidance_rents")
def rents(
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    edition_id: Annotated[int | None, Query(ge=1, le=2**62, description="版本（默认现行版本）")] = None,
    district: DistrictQ = None,
    street: StreetQ = None,
    home_type: HomeTypeQ = None,
) -> schemas_guidance.RentsPage:
    """Guidance ranges (fen per m² per month) of the edition in force (or a given published one)."""
    with uow.read() as conn:
        edition, page = guidance.rents(
            conn,
            edition_id=edition_id,
            staff=_staff(caller),
            district=district,
            street=street,
            home_type=home_type,
            offset=paging.offset,
            limit=paging.page_size,
        )
    return schemas_guidance.RentsPage(
        edition=schemas_guidance.EditionDetail(**edition) if edition else None,
        items=[schemas_guidance.RentOut(**i) for i in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/guidance/flags", operation_id="list_rental_guidance_flags")
def flags(
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalRead,
    paging: PagingDep,
    kind: Annotated[Literal["lease", "listing"], Query(description="lease：已备案合同；listing：在架房源")] = "lease",
    district: DistrictQ = None,
    on: Annotated[date | None, Query(description="按该日现行版本（默认今天）")] = None,
) -> schemas_guidance.FlagsPage:
    """Filed leases or active listings in the caller's scope whose rent per m² lies more than
    ``rental_guidance_band_pct`` % outside the guidance range in force."""
    band = settings.rental_guidance_band_pct
    with uow.read() as conn:
        edition_no, page = guidance.flags(
            conn,
            scope=caller.scope,
            band_pct=band,
            kind=kind,
            district=district,
            on=on,
            offset=paging.offset,
            limit=paging.page_size,
        )
    return schemas_guidance.FlagsPage(
        edition_no=edition_no,
        band_pct=band,
        items=[schemas_guidance.FlagOut(**i) for i in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


# ---------------------------------------------------------------------------------------- monitoring


@router.get("/monitoring/streets", operation_id="rental_monitoring_streets")
def monitoring_streets(
    uow: UowDep, caller: RentalRead, district: DistrictQ = None, month: MonthQ = None
) -> schemas_guidance.StreetsOut:
    """Rent levels of a month (default the latest with leases) per street, with 环比 and 同比."""
    with uow.read() as conn:
        return schemas_guidance.StreetsOut(
            **monitoring.streets(conn, scope=caller.scope, district=district, month=month)
        )


@router.get("/monitoring/series", operation_id="rental_monitoring_series")
def monitoring_series(
    uow: UowDep,
    caller: RentalRead,
    district: DistrictQ = None,
    street: StreetQ = None,
    months: Annotated[int, Query(ge=1, le=monitoring.MAX_MONTHS, description="月数")] = 24,
    until: MonthQ = None,
) -> schemas_guidance.SeriesOut:
    """Monthly rent levels of the area (or one street of it), with 环比 and 同比."""
    with uow.read() as conn:
        return schemas_guidance.SeriesOut(
            **monitoring.series(conn, scope=caller.scope, district=district, street=street, months=months, until=until)
        )


def _export(uow: UowDep, caller: Caller, table: str, fmt: str, params: dict[str, object]) -> Response:
    with uow.read() as conn:
        title, columns, rows = monitoring.table(conn, table, scope=caller.scope, params=params)
    suffix = "-".join(str(v) for v in params.values() if v)
    name = f"rental-monitoring-{table}{'-' + suffix if suffix else ''}.{fmt}"
    if fmt == "csv":
        body, media = monitoring.csv_bytes(columns, rows), "text/csv; charset=utf-8"
    else:
        body = monitoring.xlsx_bytes(title, columns, rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/monitoring/{table}.csv",
    operation_id="rental_monitoring_csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，Excel 可直接打开"}},
)
def monitoring_csv(
    uow: UowDep,
    caller: RentalRead,
    table: Annotated[Table, Path(description="streets：各街道；series：月度走势")],
    district: DistrictQ = None,
    street: StreetQ = None,
    month: MonthQ = None,
    months: Annotated[int, Query(ge=1, le=monitoring.MAX_MONTHS)] = 24,
) -> Response:
    """A monitoring table as CSV, within the caller's scope."""
    params = {"district": district, "street": street, "month": month, "until": month, "months": months}
    return _export(uow, caller, table, "csv", _params(table, params))


@router.get(
    "/monitoring/{table}.xlsx",
    operation_id="rental_monitoring_xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def monitoring_xlsx(
    uow: UowDep,
    caller: RentalRead,
    table: Annotated[Table, Path(description="streets：各街道；series：月度走势")],
    district: DistrictQ = None,
    street: StreetQ = None,
    month: MonthQ = None,
    months: Annotated[int, Query(ge=1, le=monitoring.MAX_MONTHS)] = 24,
) -> Response:
    """A monitoring table as an Excel workbook, within the caller's scope."""
    params = {"district": district, "street": street, "month": month, "until": month, "months": months}
    return _export(uow, caller, table, "xlsx", _params(table, params))


def _params(table: str, p: Mapping[str, object]) -> dict[str, object]:
    if table == "streets":
        return {"district": p["district"], "month": p["month"]}
    return {"district": p["district"], "street": p["street"], "until": p["until"], "months": p["months"]}
