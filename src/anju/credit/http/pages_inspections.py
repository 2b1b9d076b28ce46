"""Pages of random inspections (双随机): the list of draws, a new draw (form, then confirmation), a
draw (frozen lists' hashes, the seed form with its confirmation, the result, downloads), the outcome
form, and the public result page (no sign-in).

Thin: parse, call services, render. Every write is confirmed on a page of its own (no script: the CSP
allows none inline) and posted with the session's CSRF token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypedDict

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, ValidationError
from anju.credit import domain, inspection_rule, inspections
from anju.credit import inspection_views as views
from anju.credit.http.deps import CreditInspect, CreditRead
from anju.security import ROLE_LABELS, Caller, Public, SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Rank = Annotated[int, Path(ge=1, le=100_000)]
MAX_TEXT = 2000


def _lines(text: str) -> list[str]:
    return [w.strip() for w in text.splitlines() if w.strip()]


class Labels(TypedDict):
    types: dict[str, str]
    grade_keys: tuple[str, ...]
    grade_labels: dict[str, str]
    statuses: dict[str, str]
    outcomes: dict[str, str]
    severities: dict[str, str]
    roles: dict[str, str]


def _labels() -> Labels:
    return {
        "types": {k: domain.SUBJECT_TYPES[k] for k in inspections.INSPECTABLE_TYPES},
        "grade_keys": inspection_rule.GRADE_KEYS,
        "grade_labels": {**domain.GRADE_LABELS, "ungraded": "未评级"},
        "statuses": inspections.STATUSES,
        "outcomes": inspections.OUTCOMES,
        "severities": domain.SEVERITY_LABELS,
        "roles": {r.value: label for r, label in ROLE_LABELS.items()},
    }


def _districts(conn: Any, caller: Caller) -> list[divisions.DistrictChoice]:
    return [d for d in divisions.choices(conn) if caller.scope.allows_division(d["code"])]


# ----------------------------------------------------------------------------------------------- draws


@router.get("/credit/inspections", response_class=HTMLResponse)
def draws_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[str, Query(max_length=12)] = "",
    district: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """The draws the caller sees, filtered by status and district, newest first."""
    f = views.DrawFilter(status if status in inspections.STATUSES else None, district or None)
    with uow.read() as conn:
        listed = views.list_draws(conn, caller, f, limit=paging.page_size, offset=paging.offset)
        districts = divisions.choices(conn)
    return render(
        request,
        "credit/inspections.html",
        draws=listed.items,
        districts=districts,
        district_names={d["code"]: d["name"] for d in districts},
        status=status,
        district=district,
        pager=pager(listed.total, paging.page, paging.page_size),
        **_labels(),
    )


def _new_form(
    request: Request,
    conn: Any,
    caller: Caller,
    district: str,
    values: dict[str, Any],
    error: AnjuError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    chosen = district or (None if caller.scope.unrestricted else caller.scope.code)
    choices = inspections.inspector_choices(conn, caller, chosen, limit=500, offset=0)
    return render(
        request,
        "credit/inspection_new.html",
        status_code=status_code,
        districts=_districts(conn, caller),
        district=chosen or "",
        city_wide=caller.scope.unrestricted,
        inspectors=choices.items,
        inspectors_total=choices.total,
        weights=values.get("weights") or inspections.default_weights(),
        values=values,
        errors={e.field.split(".")[0].split("[")[0]: e.reason for e in (error.errors if error else [])},
        message=error.message if error else None,
        **_labels(),
    )


@router.get("/credit/inspections/new", response_class=HTMLResponse)
def new_page(
    request: Request, uow: UowDep, caller: CreditInspect, district: Annotated[str, Query(max_length=12)] = ""
) -> HTMLResponse:
    """The new draw's form: subject types, district, sample size, weights per grade, inspectors."""
    with uow.read() as conn:
        return _new_form(request, conn, caller, district, {"subject_types": list(inspections.INSPECTABLE_TYPES)})


def _draw_in(
    title: str,
    subject_types: list[str] | None,
    district_code: str,
    sample_size: str,
    weights: dict[str, str],
    inspectors: list[str] | None,
) -> inspections.DrawIn:
    try:
        n = int(sample_size)
    except ValueError:
        raise ValidationError.of("sample_size", "应为整数") from None
    w: dict[str, int] = {}
    for k, v in weights.items():
        try:
            w[k] = int(v)
        except ValueError:
            raise ValidationError.of(f"weights.{k}", "应为整数") from None
    return inspections.DrawIn(
        title=title,
        subject_types=subject_types or [],
        sample_size=n,
        inspectors=inspectors or [],
        district_code=district_code or None,
        weights=w,
    )


FormList = Annotated[list[str] | None, Form(max_length=inspections.MAX_INSPECTORS)]
WeightField = Annotated[str, Form(max_length=4)]


def _weights(w_A: str, w_B: str, w_C: str, w_D: str, w_ungraded: str) -> dict[str, str]:  # noqa: N803
    return {"A": w_A, "B": w_B, "C": w_C, "D": w_D, "ungraded": w_ungraded}


@router.post("/credit/inspections/new/confirm", response_class=HTMLResponse)
def new_confirm(
    request: Request,
    uow: UowDep,
    caller: CreditInspect,
    title: Annotated[str, Form(max_length=200)] = "",
    district_code: Annotated[str, Form(max_length=12)] = "",
    sample_size: Annotated[str, Form(max_length=6)] = "",
    subject_types: Annotated[list[str] | None, Form(max_length=8)] = None,
    inspectors: FormList = None,
    w_A: WeightField = "1",  # noqa: N803
    w_B: WeightField = "2",  # noqa: N803
    w_C: WeightField = "3",  # noqa: N803
    w_D: WeightField = "4",  # noqa: N803
    w_ungraded: WeightField = "2",
) -> HTMLResponse:
    """Shows what will be frozen (subjects per grade, tickets, inspectors) before anything is written."""
    raw = _weights(w_A, w_B, w_C, w_D, w_ungraded)
    values = {
        "title": title,
        "sample_size": sample_size,
        "subject_types": subject_types or [],
        "inspectors": inspectors or [],
        "weights": raw,
    }
    with uow.read() as conn:
        try:
            d = _draw_in(title, subject_types, district_code, sample_size, raw, inspectors)
            t, types, district, weights = inspections.check_draw_in(conn, caller, d)
            names = inspections.check_inspectors(conn, caller, district, d.inspectors)
            c = inspections.candidates(conn, types, district, weights)
        except AnjuError as e:
            return _new_form(request, conn, caller, district_code, values, e, 422)
        district_name = divisions.get(conn, district).name if district else "全市"
    return render(
        request,
        "credit/inspection_new_confirm.html",
        title=t,
        subject_types=types,
        district=district or "",
        district_name=district_name,
        sample_size=d.sample_size,
        weights=weights,
        inspectors=names,
        subjects=len(c.weighted),
        by_grade=c.by_grade,
        tickets=sum(w for _, w in c.weighted),
        **_labels(),
    )


@router.post("/credit/inspections", response_class=RedirectResponse)
def freeze_form(
    request: Request,
    uow: UowDep,
    caller: CreditInspect,
    title: Annotated[str, Form(max_length=200)] = "",
    district_code: Annotated[str, Form(max_length=12)] = "",
    sample_size: Annotated[str, Form(max_length=6)] = "",
    subject_types: Annotated[list[str] | None, Form(max_length=8)] = None,
    inspectors: FormList = None,
    w_A: WeightField = "1",  # noqa: N803
    w_B: WeightField = "2",  # noqa: N803
    w_C: WeightField = "3",  # noqa: N803
    w_D: WeightField = "4",  # noqa: N803
    w_ungraded: WeightField = "2",
) -> Response:
    """Freezes the draw as confirmed and shows it."""
    raw = _weights(w_A, w_B, w_C, w_D, w_ungraded)
    values = {
        "title": title,
        "sample_size": sample_size,
        "subject_types": subject_types or [],
        "inspectors": inspectors or [],
        "weights": raw,
    }

    def write() -> int:
        d = _draw_in(title, subject_types, district_code, sample_size, raw, inspectors)
        with audited(uow, caller, "credit.freeze_inspection", "credit_inspection_draw") as conn:
            draw_id = inspections.freeze_draw(conn, caller, d)
            set_audit_target(conn, draw_id)
            return draw_id

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            return _new_form(request, conn, caller, district_code, values, e, 422)

    return form_action(write, done=lambda i: f"/credit/inspections/{i}", again=again)


@router.get("/credit/inspections/{draw_id}", response_class=HTMLResponse)
def draw_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    draw_id: Id,
    recorded: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """One draw: the frozen lists' hashes, the seed form (frozen), the result with its inspectors."""
    with uow.read() as conn:
        draw = views.get_draw(conn, caller, draw_id)
        row = inspections.draw_row(conn, draw_id)
        listed = views.assignments(conn, caller, draw_id, sec.keyring, limit=paging.page_size, offset=paging.offset)
        district_name = divisions.get(conn, draw["district_code"]).name if draw["district_code"] else "全市"
    can_run = caller.can("credit.inspect") and (
        caller.scope.unrestricted
        or (draw["district_code"] is not None and caller.scope.allows_division(draw["district_code"]))
    )
    return render(
        request,
        "credit/inspection.html",
        draw=draw,
        district_name=district_name,
        assignments=listed.items,
        can_run=can_run,
        can_record={a["rank"]: inspections.can_record(caller, row, a["inspector"]) for a in listed.items},
        command=views.verify_command(draw) if draw["seed"] else None,
        pager=pager(listed.total, paging.page, paging.page_size),
        done=f"检查结果已登记，记为信用事件 #{recorded}，并已写入可验证日志。" if recorded else None,
        **_labels(),
    )


@router.post("/credit/inspections/{draw_id}/run/confirm", response_class=HTMLResponse)
def run_confirm(
    request: Request,
    uow: UowDep,
    caller: CreditInspect,
    draw_id: Id,
    seed: Annotated[str, Form(max_length=1000)] = "",
    seed_source: Annotated[str, Form(max_length=1000)] = "",
    witnesses: Annotated[str, Form(max_length=MAX_TEXT)] = "",
) -> HTMLResponse:
    """Shows the seed exactly as the draw will use it, before anything is written."""
    with uow.read() as conn:
        draw = views.get_draw(conn, caller, draw_id)
        inspections.scoped_draw(conn, caller, draw_id, write=True)
    try:
        s, src, names = inspections.check_run_input(seed, seed_source, _lines(witnesses))
    except ValidationError as e:
        err = e.errors[0] if e.errors else None
        return render(
            request,
            "credit/inspection_run.html",
            status_code=422,
            draw=draw,
            seed=seed,
            seed_source=seed_source,
            witnesses=witnesses,
            message=f"{err.field}：{err.reason}" if err else e.message,
        )
    return render(request, "credit/inspection_run_confirm.html", draw=draw, seed=s, seed_source=src, witnesses=names)


@router.post("/credit/inspections/{draw_id}/run", response_class=RedirectResponse)
def run_form(
    uow: UowDep,
    caller: CreditInspect,
    draw_id: Id,
    seed: Annotated[str, Form(max_length=1000)] = "",
    seed_source: Annotated[str, Form(max_length=1000)] = "",
    witnesses: Annotated[list[str] | None, Form(max_length=inspections.MAX_WITNESSES + 1)] = None,
) -> RedirectResponse:
    """Runs the draw as confirmed (one ``witnesses`` field per witness)."""
    names = [w for item in witnesses or [] for w in _lines(item)]
    with audited(uow, caller, "credit.run_inspection", "credit_inspection_draw", draw_id) as conn:
        inspections.run_draw(conn, caller, draw_id, seed, seed_source, names)
    return RedirectResponse(f"/credit/inspections/{draw_id}", status_code=303)


# ---------------------------------------------------------------------------------------------- outcomes


def _outcome_page(
    request: Request,
    conn: Any,
    caller: CreditInspect,
    sec: Any,
    draw_id: int,
    rank: int,
    values: dict[str, Any],
    error: AnjuError | None = None,
    status_code: int = 200,
    confirm: bool = False,
) -> HTMLResponse:
    draw = views.draw_public(conn, draw_id)
    a = views.assignment(conn, caller, draw_id, rank, sec.keyring)
    return render(
        request,
        "credit/inspection_outcome.html",
        status_code=status_code,
        draw=draw,
        a=a,
        kinds=inspections.violation_kinds(),
        values=values,
        errors={e.field: e.reason for e in (error.errors if error else [])},
        message=error.message if error else None,
        confirm=confirm,
        **_labels(),
    )


def _precheck(values: dict[str, Any]) -> None:
    """The form's own checks before the confirmation page (the rest — dates against the draw, the
    assignment still pending — when the outcome is recorded)."""
    try:
        on = date.fromisoformat(values["inspected_on"])
    except ValueError:
        raise ValidationError.of("inspected_on", "应为日期，如 2026-12-07") from None
    if values["outcome"] not in ("clean", "violations"):
        raise ValidationError.of("outcome", "请选择检查结果")
    if on > clock.today():
        raise ValidationError.of("inspected_on", "不能晚于今天")
    if values["outcome"] == "violations":
        if values["kind"] not in inspections.violation_kinds():
            raise ValidationError.of("kind", "发现问题时请选择失信事件类型")
        if values["severity"] not in domain.SEVERITIES:
            raise ValidationError.of("severity", "发现问题时请选择严重程度")
        if not values["findings"].strip():
            raise ValidationError.of("findings", "发现问题时不能为空")


@router.get("/credit/inspections/{draw_id}/assignments/{rank}", response_class=HTMLResponse)
def outcome_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: CreditInspect, draw_id: Id, rank: Rank
) -> HTMLResponse:
    """The outcome form of one chosen subject (its inspector, or an officer of the draw's district)."""
    with uow.read() as conn:
        row = inspections.draw_row(conn, draw_id)
        a = views.assignment(conn, caller, draw_id, rank, sec.keyring)
        if not inspections.can_record(caller, row, a["inspector"]):
            inspections.scoped_draw(conn, caller, draw_id, write=True)
        return _outcome_page(
            request, conn, caller, sec, draw_id, rank, {"inspected_on": clock.today().isoformat(), "outcome": "clean"}
        )


@router.post("/credit/inspections/{draw_id}/assignments/{rank}", response_class=RedirectResponse)
def outcome_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditInspect,
    draw_id: Id,
    rank: Rank,
    outcome: Annotated[str, Form(max_length=12)] = "",
    inspected_on: Annotated[str, Form(max_length=10)] = "",
    findings: Annotated[str, Form(max_length=4000)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[str, Form(max_length=8)] = "",
    confirmed: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Shows the outcome to confirm (the form's checks first); confirmed, records it (a credit event,
    with its audit row) and goes back to the draw with a notice."""
    values = {
        "outcome": outcome,
        "inspected_on": inspected_on,
        "findings": findings,
        "kind": kind,
        "severity": severity,
    }

    def write() -> int:
        try:
            on = date.fromisoformat(inspected_on)
        except ValueError:
            raise ValidationError.of("inspected_on", "应为日期，如 2026-12-07") from None
        o = inspections.OutcomeIn(outcome, on, findings or None, kind or None, severity or None)
        with audited(uow, caller, "credit.record_inspection_outcome", "credit_inspection_draw", draw_id) as conn:
            return inspections.record_outcome(conn, caller, draw_id, rank, o)

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            return _outcome_page(request, conn, caller, sec, draw_id, rank, values, e, 422)

    if confirmed != "1":
        try:
            _precheck(values)
        except AnjuError as e:
            return again(e)
        with uow.read() as conn:
            return _outcome_page(request, conn, caller, sec, draw_id, rank, values, confirm=True)
    return form_action(write, done=lambda event_id: f"/credit/inspections/{draw_id}?recorded={event_id}", again=again)


# ------------------------------------------------------------------------------------------------ public


@router.get("/credit/inspections/{draw_id}/public", response_class=HTMLResponse)
def public_page(request: Request, uow: UowDep, _: Public, paging: PagingDep, draw_id: Id) -> HTMLResponse:
    """The published draw (anyone, no sign-in): hashes, seed, the chosen organisations (persons only by
    their code in the draw), the files and the command to re-run it."""
    with uow.read() as conn:
        draw = views.draw_public(conn, draw_id)
        listed = views.public_assignments(conn, draw_id, limit=paging.page_size, offset=paging.offset)
        district_name = divisions.get(conn, draw["district_code"]).name if draw["district_code"] else "全市"
    return render(
        request,
        "credit/inspection_public.html",
        draw=draw,
        district_name=district_name,
        assignments=listed.items,
        command=views.verify_command(draw) if draw["seed"] else None,
        pager=pager(listed.total, paging.page, paging.page_size),
        **_labels(),
    )
