"""Pages of guidance rents and rent monitoring.

* 租赁指导价格 (``/rental/guidance``, public): the edition in force (or an older published one) as a
  table by district, street and home type, its period and method in words, the older editions;
* 指导价格测算与发布 (``/rental/guidance/manage``, city officers): compute a draft, read its method,
  publish it after a confirmation page;
* 租金监测 (``/rental/monitoring``, staff in scope): rent levels and changes per street, drawn by
  ``web/static/rental-monitoring.js`` (ECharts) from a JSON data block — data, not script (CSP).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse

from anju import divisions
from anju.core import clock, jobs
from anju.core.errors import ValidationError
from anju.rental import domain, guidance, monitoring
from anju.rental.http.deps import RentalGuidance, RentalRead
from anju.security import Caller, Public, allowed, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)


def _staff(caller: Caller) -> bool:
    return allowed(caller.role, "rental.guidance")


Id = Annotated[int, Path(ge=1, le=2**62)]
#: Filter forms send an empty value for "everything".
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
StreetQ = Annotated[str | None, Query(pattern=r"^(\d{9,12})?$")]
MonthQ = Annotated[str | None, Query(pattern=r"^(\d{4}-\d{2})?$")]
TypeQ = Annotated[str | None, Query(pattern=r"^(1室|2室|3室\+|分间)?$")]


def _districts(conn: Any, edition_id: int) -> list[dict[str, str]]:
    rows = guidance.ranges_of(conn, edition_id)
    codes = sorted({r.district_code for r in rows})
    names = divisions.names(conn, set(codes))
    return [{"code": c, "name": names.get(c, c)} for c in codes]


@router.get("/rental/guidance", response_class=HTMLResponse)
def guidance_page(
    request: Request,
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    edition: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    district: DistrictQ = None,
    home_type: TypeQ = None,
) -> HTMLResponse:
    """The guidance rents in force (public information), and the older editions."""
    with uow.read() as conn:
        ed, ranges = guidance.rents(
            conn,
            edition_id=edition,
            staff=False,
            district=district or None,
            home_type=home_type or None,
            offset=paging.offset,
            limit=paging.page_size,
        )
        items, total = ranges.items, ranges.total
        page = guidance.list_editions(conn, staff=False, limit=50)
        editions, n_editions = page.items, page.total
        districts = _districts(conn, ed["id"]) if ed else []
    return render(
        request,
        "rental/guidance_public.html",
        edition=ed,
        items=items,
        total=total,
        pager=pager(total, paging.page, paging.page_size),
        editions=editions,
        n_editions=n_editions,
        districts=districts,
        district=district or "",
        home_type=home_type or "",
        home_types=domain.HOME_TYPES,
    )


@router.get("/rental/guidance/manage", response_class=HTMLResponse)
def manage_page(request: Request, uow: UowDep, caller: RentalGuidance, paging: PagingDep) -> HTMLResponse:
    """Every edition (drafts included) and the form to compute a new draft."""
    with uow.read() as conn:
        page = guidance.list_editions(conn, staff=True, offset=paging.offset, limit=paging.page_size)
        editions, total = page.items, page.total
    return render(
        request,
        "rental/guidance_manage.html",
        editions=editions,
        total=total,
        pager=pager(total, paging.page, paging.page_size),
        until="",
        months=12,
    )


@router.post("/rental/guidance/manage", response_class=HTMLResponse, response_model=None)
def compute_form(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalGuidance,
    paging: PagingDep,
    until: Annotated[str, Form(max_length=10)] = "",
    months: Annotated[str, Form(max_length=3)] = "12",
) -> HTMLResponse | RedirectResponse:
    """Compute a draft edition as a background job (at full scale it reads a year of leases and fits
    the model): the answer is the job's page, which leads to the edition. Bad input shows the form
    again with the reason (nothing written, no job)."""
    try:
        try:
            until_d = date.fromisoformat(until) if until else None
        except ValueError:
            raise ValidationError.of("until", "日期格式应为 YYYY-MM-DD") from None
        if not months.isdigit():
            raise ValidationError.of("months", "应为 1 到 36 的整数")
        guidance.check_period(until_d, int(months))  # the service's own check, before the job starts
    except ValidationError as e:
        with uow.read() as conn:
            page = guidance.list_editions(conn, staff=True, offset=paging.offset, limit=paging.page_size)
            editions, total = page.items, page.total
        err = e.errors[0] if e.errors else None
        return render(
            request,
            "rental/guidance_manage.html",
            status_code=422,
            editions=editions,
            total=total,
            pager=pager(total, paging.page, paging.page_size),
            until=until,
            months=months,
            message=f"{err.reason}" if err else e.message,
        )

    def work(progress: jobs.Progress) -> jobs.Done:
        progress(f"读取近 {months} 个月的租赁备案并拟合特征价格模型", 0.1)
        with audited(uow, caller, "rental.guidance_compute", "guidance_edition") as conn:
            out = guidance.compute_edition(conn, until=until_d, months=int(months), by=caller.account_id)
            set_audit_target(conn, out["id"])
        return jobs.Done(f"/rental/guidance/manage/{out['id']}", f"已生成草稿版本 {out['edition_no']}")

    job = jobs.start(
        uow,
        settings.data_dir,
        kind="rental.guidance_compute",
        title=f"测算租赁指导价格（近 {months} 个月）",
        owner=caller.account_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/rental/guidance/manage/{edition_id}", response_class=HTMLResponse)
def edition_page(
    request: Request, uow: UowDep, caller: RentalGuidance, paging: PagingDep, edition_id: Id
) -> HTMLResponse:
    """One edition (a draft too): its method, fit and ranges."""
    with uow.read() as conn:
        ed, ranges = guidance.rents(
            conn, edition_id=edition_id, staff=True, offset=paging.offset, limit=paging.page_size
        )
        items, total = ranges.items, ranges.total
    return render(
        request,
        "rental/guidance_edition.html",
        edition=ed,
        items=items,
        total=total,
        pager=pager(total, paging.page, paging.page_size),
    )


@router.get("/rental/guidance/manage/{edition_id}/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, uow: UowDep, caller: RentalGuidance, edition_id: Id) -> HTMLResponse:
    """What publishing will do, before anything is written."""
    with uow.read() as conn:
        ed = guidance.get_edition(conn, edition_id, staff=True)
        current = guidance.current_edition_id(conn)
        cur = guidance.get_edition(conn, current, staff=True) if current else None
    return render(request, "rental/guidance_confirm.html", edition=ed, current=cur, today=clock.today().isoformat())


@router.post("/rental/guidance/manage/{edition_id}/publish", response_class=RedirectResponse)
def publish_form(
    uow: UowDep,
    caller: RentalGuidance,
    edition_id: Id,
    effective_from: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Publish the draft as confirmed; the page of the public guidance rents follows."""
    try:
        on = date.fromisoformat(effective_from) if effective_from else None
    except ValueError:
        raise ValidationError.of("effective_from", "日期格式应为 YYYY-MM-DD") from None
    with audited(uow, caller, "rental.guidance_publish", "guidance_edition", edition_id) as conn:
        guidance.publish(conn, edition_id, by=caller.account_id, effective_from=on)
    return RedirectResponse(f"/rental/guidance?edition={edition_id}", status_code=303)


@router.get("/rental/monitoring", response_class=HTMLResponse)
def monitoring_page(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    district: DistrictQ = None,
    street: StreetQ = None,
    month: MonthQ = None,
) -> HTMLResponse:
    """The rent monitoring dashboard: a month's streets with their changes, and the monthly series of
    the area (or the chosen street)."""
    district, street, month = district or None, street or None, month or None
    with uow.read() as conn:
        streets = monitoring.streets(conn, scope=caller.scope, district=district, month=month)
        series = monitoring.series(conn, scope=caller.scope, district=district, street=street, until=month)
        choices = monitoring.district_choices(conn, caller.scope)
    data = {"streets": streets, "series": series}
    return render(
        request,
        "rental/guidance_monitoring.html",
        data=jsonable_encoder(data),
        f=data,
        districts=choices,
        district=district or "",
        street=street or "",
        month=month or "",
        whole_city=caller.scope.unrestricted,
        staff=_staff(caller),
    )
