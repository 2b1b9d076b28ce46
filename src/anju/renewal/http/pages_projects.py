"""Pages of the project library (``/renewal…``): the list with filters, pagination and CSV export,
the entry form (with the eligibility check's reason on refusal), the project's page with its
lifecycle steps, contents, funding, residents' consent and a lift's owners per floor, each form
re-rendered with the errors beside their fields on a refusal. Thin: parse the form, call a service,
render or redirect (303)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from anju import divisions
from anju.core import clock, money
from anju.core.errors import AnjuError, ValidationError
from anju.renewal import domain, lifecycle, lifts, projects, rules
from anju.renewal.http.deps import RenewalManage, RenewalRead
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Opt = Annotated[str, Query(max_length=100)]
DONE: Final = {
    "created": "项目已入库（储备）。",
    "step": "已进入下一环节。",
    "contents": "改造内容已保存。",
    "funding": "资金来源已保存。",
    "consent": "居民意愿征询已登记。",
    "floors": "各楼层业主意见已保存。",
}
LABELS: Final[dict[str, Any]] = {
    "kinds": domain.KINDS,
    "statuses": domain.STATUSES,
    "shanty_modes": domain.SHANTY_MODES,
    "sources": domain.FUNDING_SOURCES,
    "categories": domain.CATEGORIES,
    "yuan": money.fen_to_yuan,
    "percent": domain.percent,
}


def _text(form: FormData, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def _int(form: FormData, name: str, *, optional: bool = False) -> int | None:
    v = _text(form, name)
    if not v and optional:
        return None
    if not v.isdigit() or len(v) > 12:
        raise ValidationError.of(name, "应为非负整数")
    return int(v)


def _date(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError:
        raise ValidationError.of(name, "应为日期（YYYY-MM-DD）") from None


def _docs(form: FormData) -> tuple[str, ...]:
    return tuple(d.strip() for d in _text(form, "documents").replace("，", ",").split(",") if d.strip())


def _filter(kind: str, status: str, district: str, street: str, plan_year: str, q: str) -> projects.ProjectFilter:
    year = int(plan_year) if plan_year.isdigit() and len(plan_year) == 4 else None
    return projects.ProjectFilter(kind or None, status or None, district or None, street or None, year, q or None)


@router.get("/renewal", response_class=HTMLResponse)
def library(
    request: Request,
    uow: UowDep,
    caller: RenewalRead,
    paging: PagingDep,
    kind: Opt = "",
    status: Opt = "",
    district: Opt = "",
    street: Opt = "",
    plan_year: Opt = "",
    q: Opt = "",
) -> HTMLResponse:
    f = _filter(kind, status, district, street, plan_year, q)
    with uow.read() as conn:
        page = projects.list_projects(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        district_names = {
            d.code: d.name for d in divisions.by_level(conn, "district") + divisions.by_level(conn, "zone")
        }
    query = urlencode(
        {
            k: v
            for k, v in {
                "kind": kind,
                "status": status,
                "district": district,
                "street": street,
                "plan_year": plan_year,
                "q": q,
            }.items()
            if v
        }
    )
    return render(
        request,
        "renewal/projects.html",
        items=page.items,
        f=f,
        district_names=district_names,
        csv_query=query,
        pager=pager(page.total, paging.page, paging.page_size),
        **LABELS,
    )


def _new_page(request: Request, settings: Any, **extra: Any) -> HTMLResponse:
    conds = rules.eligibility(settings).conditions
    return render(
        request,
        "renewal/project_new.html",
        status_code=extra.pop("status_code", 200),
        conditions=conds,
        today=clock.today().isoformat(),
        **(LABELS | {"values": {}, "errors": [], "message": None} | extra),
    )


@router.get("/renewal/projects/new", response_class=HTMLResponse)
def new_project(request: Request, settings: SettingsDep, caller: RenewalManage) -> HTMLResponse:
    return _new_page(request, settings)


@router.post("/renewal/projects", response_class=HTMLResponse)
async def create_project(request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def write() -> int:
        cmd = projects.ProjectIn(
            kind=_text(form, "kind"),
            name=_text(form, "name"),
            estate_id=_int(form, "estate_id") or 0,
            on=_date(form, "on"),
            unit=_text(form, "unit"),
            area=_text(form, "area"),
            households=_int(form, "households") or 0,
            building_id=_int(form, "building_id", optional=True),
            unit_no=_text(form, "unit_no") or None,
            conditions=tuple(str(c) for c in form.getlist("conditions") if isinstance(c, str)),
            shanty_mode=_text(form, "shanty_mode") or None,
            expropriated_households=_int(form, "expropriated_households", optional=True),
            resettlement_programme=_text(form, "resettlement_programme") or None,
            documents=_docs(form),
        )
        with audited(uow, caller, "renewal.create", "renewal_project") as conn:
            pid = projects.create_project(conn, settings, caller, cmd)
            set_audit_target(conn, pid)
        return pid

    def again(e: AnjuError) -> Response:
        return _new_page(
            request, settings, values=values, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done=lambda pid: f"/renewal/projects/{pid}?done=created", again=again)


def _project_page(
    request: Request, uow: Any, settings: Any, caller: Any, project_id: int, **extra: Any
) -> HTMLResponse:
    with uow.read() as conn:
        d = lifecycle.detail(conn, settings, caller.scope, project_id)
        floors = lifecycle.floors_of(conn, project_id) if d["project"].kind == "lift" else []
    return render(
        request,
        "renewal/project.html",
        status_code=extra.pop("status_code", 200),
        d=d,
        p=d["project"],
        floors=floors,
        share=domain.agreement_share(floors),
        min_share=rules.eligibility(settings).lift_min_agreement,
        catalogue=rules.catalogue(settings),
        chosen={c["code"] for c in d["contents"]},
        today=clock.today().isoformat(),
        **(LABELS | {"errors": [], "message": None, "done": None, "values": {}} | extra),
    )


@router.get("/renewal/projects/{project_id}", response_class=HTMLResponse)
def project(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalRead, project_id: Id, done: Opt = ""
) -> HTMLResponse:
    return _project_page(request, uow, settings, caller, project_id, done=DONE.get(done))


def _post(
    request: Request,
    uow: Any,
    settings: Any,
    caller: Any,
    project_id: int,
    form: FormData,
    action: str,
    work: Any,
    done: str,
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def write() -> None:
        with audited(uow, caller, action, "renewal_project", project_id) as conn:
            work(conn)

    def again(e: AnjuError) -> Response:
        return _project_page(
            request,
            uow,
            settings,
            caller,
            project_id,
            values=values,
            errors=e.errors,
            message=e.message,
            status_code=e.status_code,
        )

    return form_action(write, done=f"/renewal/projects/{project_id}?done={done}", again=again)


@router.post("/renewal/projects/{project_id}/steps", response_class=HTMLResponse)
async def advance(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id
) -> Response:
    form = await request.form()

    def work(conn: Any) -> None:
        if _text(form, "confirm") != "yes":
            raise ValidationError.of("confirm", "请勾选确认：环节一经登记不能撤回")
        cmd = lifecycle.StepIn(
            _text(form, "status"),
            _date(form, "on"),
            _text(form, "unit"),
            _docs(form),
            _int(form, "plan_year", optional=True),
            _text(form, "after_care") or None,
            _text(form, "note") or None,
        )
        lifecycle.advance(conn, settings, caller, project_id, cmd)

    return _post(request, uow, settings, caller, project_id, form, "renewal.step", work, "step")


@router.post("/renewal/projects/{project_id}/contents", response_class=HTMLResponse)
async def contents(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id
) -> Response:
    form = await request.form()
    codes = [c for c in form.getlist("items") if isinstance(c, str)]
    return _post(
        request,
        uow,
        settings,
        caller,
        project_id,
        form,
        "renewal.contents",
        lambda conn: lifecycle.set_contents(conn, settings, caller, project_id, codes),
        "contents",
    )


@router.post("/renewal/projects/{project_id}/funding", response_class=HTMLResponse)
async def funding(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id
) -> Response:
    form = await request.form()

    def work(conn: Any) -> None:
        errors: list[Any] = []
        amounts = {src: money.collect_fen(_text(form, src) or "0", src, errors) for src in domain.FUNDING_SOURCES}
        if errors:
            raise ValidationError("资金金额有误", errors)
        lifecycle.set_funding(conn, caller, project_id, {k: v for k, v in amounts.items() if v is not None})

    return _post(request, uow, settings, caller, project_id, form, "renewal.funding", work, "funding")


@router.post("/renewal/projects/{project_id}/consent", response_class=HTMLResponse)
async def consent(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id
) -> Response:
    form = await request.form()

    def work(conn: Any) -> None:
        vote = _int(form, "vote_id", optional=True)
        if vote is not None:
            cmd = lifecycle.ConsentIn(vote_id=vote)
        else:
            cmd = lifecycle.ConsentIn(
                _date(form, "consent_on"), None, _int(form, "asked", optional=True), _int(form, "agreed", optional=True)
            )
        lifecycle.record_consent(conn, caller, project_id, cmd)

    return _post(request, uow, settings, caller, project_id, form, "renewal.consent", work, "consent")


@router.post("/renewal/projects/{project_id}/floors", response_class=HTMLResponse)
async def floors(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id
) -> Response:
    form = await request.form()

    def work(conn: Any) -> None:
        rows: list[domain.FloorAgreement] = []
        for n in range(1, 41):
            owners, agreeing = _text(form, f"owners_{n}"), _text(form, f"agreeing_{n}")
            if owners or agreeing:
                rows.append(domain.FloorAgreement(n, _int(form, f"owners_{n}") or 0, _int(form, f"agreeing_{n}") or 0))
        lifts.set_floors(conn, caller, project_id, rows)

    return _post(request, uow, settings, caller, project_id, form, "renewal.floors", work, "floors")
