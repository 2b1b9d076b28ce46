"""Industry credit (房产信用信息库): subjects, events, grades, red and black lists, restrictions on
approvals (联合惩戒), random inspections, objections and repair.

Other contexts record events with :func:`record_event` (inside their own write transaction; every
event is appended to the verifiable log ``credit``) and read them with :func:`effective_events` (the
housing-assistance eligibility check). Approvals ask the registry's one restriction mechanism
(``anju.registry.subject_restrictions``), to which this context's lists and grades answer.
"""

from anju.credit.catalogue import EventKind, catalogue, kinds_of
from anju.credit.domain import ACTIONS, SUBJECT_TYPES, Event, SubjectIn
from anju.credit.services import effective_events, record_event, record_events
from anju.credit.tables import credit_events

__all__ = [
    "ACTIONS",
    "SUBJECT_TYPES",
    "Event",
    "EventKind",
    "SubjectIn",
    "catalogue",
    "credit_events",
    "effective_events",
    "kinds_of",
    "record_event",
    "record_events",
]
