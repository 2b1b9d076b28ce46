"""Credit events (信用事件): the stream other contexts write violations to, and read back.

The credit capability (grading, appeals, repair) will be built on this stream. For now contexts use
:func:`record_event` (inside their own write transaction; every event is appended to the verifiable
log ``credit``) and :func:`effective_events` (e.g. the housing-assistance eligibility check).
"""

from anju.credit.domain import Event
from anju.credit.services import effective_events, record_event
from anju.credit.tables import credit_events

__all__ = ["Event", "credit_events", "effective_events", "record_event"]
