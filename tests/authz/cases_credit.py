"""Authorisation-matrix cases of industry credit, one module per part (``credit_cases_<part>.py``):
objections, repair and the subject's own file; random inspections; subjects, lists and the public
page; events and the department feed; restrictions."""

from __future__ import annotations

from tests.authz import credit_cases_inspect, credit_cases_objections, credit_cases_sources, credit_cases_subjects
from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {
    **credit_cases_objections.CASES,
    **credit_cases_inspect.CASES,
    **credit_cases_subjects.CASES,
    **credit_cases_sources.CASES,
}
