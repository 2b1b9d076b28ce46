"""Industry credit (房产信用信息库): subjects, events, grades, red and black lists, restrictions on
approvals (联合惩戒), random inspections, objections and repair.

Other contexts record events with :func:`record_event` (inside their own write transaction; every
event is appended to the verifiable log ``credit``, and the subject's grade is recomputed in the same
transaction) and read them with :func:`effective_events` (the housing-assistance eligibility check).
Approvals ask the registry's one restriction mechanism (``anju.registry.subject_restrictions``), to
which this context's lists and grades answer.
"""

from anju.credit.assessment import Assessment, EventFact, Line, ListMatch, assess, event_status
from anju.credit.catalogue import EventKind, catalogue, kinds_of
from anju.credit.domain import ACTIONS, SUBJECT_TYPES, Event, SubjectIn
from anju.credit.grading import (
    GradeChangeRow,
    GradeRow,
    ListEntryRow,
    amend_event,
    current_grades,
    grade_as_of,
    grade_history,
    open_list_entries,
    recompute,
    recompute_all,
)
from anju.credit.inspections import DrawIn, freeze_draw
from anju.credit.restrictions import Incentive, incentives_for, restrictions_for
from anju.credit.scoring import ActionRule, Edition, KindRule, ListRule, ScoringError, edition_on, editions
from anju.credit.services import effective_events, record_event, record_events
from anju.credit.subjects import NAME_COLUMN as SUBJECT_NAME_COLUMN
from anju.credit.subjects import ensure_subjects
from anju.credit.subjects import sync as sync_subjects
from anju.credit.tables import credit_events, credit_subjects

__all__ = [
    "ACTIONS",
    "SUBJECT_NAME_COLUMN",
    "SUBJECT_TYPES",
    "ActionRule",
    "Assessment",
    "DrawIn",
    "Edition",
    "Event",
    "EventFact",
    "EventKind",
    "GradeChangeRow",
    "GradeRow",
    "Incentive",
    "KindRule",
    "Line",
    "ListEntryRow",
    "ListMatch",
    "ListRule",
    "ScoringError",
    "SubjectIn",
    "amend_event",
    "assess",
    "catalogue",
    "credit_events",
    "credit_subjects",
    "current_grades",
    "edition_on",
    "editions",
    "effective_events",
    "ensure_subjects",
    "event_status",
    "freeze_draw",
    "grade_as_of",
    "grade_history",
    "incentives_for",
    "kinds_of",
    "open_list_entries",
    "recompute",
    "recompute_all",
    "record_event",
    "record_events",
    "restrictions_for",
    "sync_subjects",
]
