"""Service answers shaped as the API's models (shared by the API and the pages' JSON)."""

from __future__ import annotations

from anju.renewal.http import schemas as s
from anju.renewal.lifecycle import Detail
from anju.renewal.progress import Progress, Row


def _row_out(r: Row) -> s.RowOut:
    return s.RowOut(
        code=r.code,
        name=r.name,
        cells=[
            s.CellOut(
                year=c.year,
                plan_communities=c.plan_communities,
                plan_area=c.plan_area,
                listed=c.listed,
                done=c.done,
                done_area=c.done_area,
            )
            for c in r.cells
        ],
    )


def progress_out(p: Progress) -> s.ProgressOut:
    return s.ProgressOut(
        plan_name=p.plan_name,
        years=list(p.years),
        rows=[_row_out(r) for r in p.rows],
        total=_row_out(p.total),
        targets=[
            s.TargetOut(
                code=t.code,
                label=t.label,
                unit=t.unit,
                target=t.target,
                actual=t.actual,
                percent=t.percent,
                binding=t.binding,
                source=t.source,
            )
            for t in p.targets
        ],
        discrepancies=list(p.discrepancies),
    )


def project_detail_out(d: Detail) -> s.ProjectDetailOut:
    p = d["project"]
    return s.ProjectDetailOut(
        id=p.id,
        project_no=p.project_no,
        kind=p.kind,
        kind_label=d["kind_label"],
        name=p.name,
        estate_id=p.estate_id,
        estate_name=d["estate_name"],
        building_id=p.building_id,
        unit_no=p.unit_no,
        district_code=p.district_code,
        street_code=p.street_code,
        status=p.status,
        status_label=d["status_label"],
        status_on=p.status_on,
        plan_year=p.plan_year,
        area=p.area,
        households=p.households,
        synthetic=p.synthetic,
        eligibility_rule=p.eligibility_rule,
        eligibility_reason=p.eligibility_reason,
        year_built=p.year_built,
        shanty_mode=p.shanty_mode,
        expropriated_households=p.expropriated_households,
        resettlement_programme=p.resettlement_programme,
        consent_vote_id=p.consent_vote_id,
        consent_on=p.consent_on,
        consent_asked=p.consent_asked,
        consent_agreed=p.consent_agreed,
        after_care=p.after_care,
        next_status=d["next_status"],
        steps=[s.StepOut(**x) for x in d["steps"]],
        contents=[s.ContentOut(**x) for x in d["contents"]],
        funding=[s.FundingOut(**x) for x in d["funding"]],
        funding_total_fen=d["funding_total_fen"],
    )
