"""Credit as a restriction source (联合惩戒) and the incentives it grants (联合激励).

The registry's one restriction mechanism (``anju.registry.subject_restrictions``) asks
:func:`restrictions_for` before every approval listed in ``domain.ACTIONS``; the scoring edition's
restriction rules (data) say which lists and grades bar which action.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection

from anju.registry import SubjectRestriction


def restrictions_for(
    conn: Connection, bidxs: Sequence[str], action: str, on: date
) -> dict[str, list[SubjectRestriction]]:
    """The subjects among ``bidxs`` that credit bars from ``action`` on ``on``, each with the rule."""
    return {}  # TODO(issue 20, builder "restrict"): the edition's restriction rules over lists and grades
