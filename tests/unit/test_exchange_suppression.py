"""Small-cell suppression of open data (``anju.exchange.domain.suppress``): no published figure is a
small count, and no withheld figure follows from the published ones (checked against an independent
oracle: linear algebra over the table's sum equations)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.exchange.domain import TOTAL, OpenCell, SuppressedTable, suppress, suppress_by_period

K = 10


def published(t: SuppressedTable) -> dict[tuple[str, ...], int | None]:
    return {c.dims: c.count for c in t.cells}


def derivable(t: SuppressedTable) -> list[tuple[str, ...]]:
    """Withheld figures that the published ones determine exactly: the table's equations (every row's
    and column's cells sum to its total, the totals to the grand total) restricted to the withheld
    unknowns; an unknown is determined iff its unit vector lies in the row space."""
    cells = t.cells
    width = len(cells[0].dims)
    unknown = [c.dims for c in cells if c.count is None]
    if not unknown:
        return []
    idx = {d: i for i, d in enumerate(unknown)}
    by = {c.dims: c for c in cells}
    rows = sorted({c.dims[0] for c in cells})
    cols = sorted({c.dims[1:] for c in cells})
    eqs: list[list[tuple[str, ...]]] = []  # each: members..., then the total (members sum to it)
    for r in rows:
        eqs.append([(r, *c) for c in cols if c != (TOTAL,) * (width - 1)] + [(r, *(TOTAL,) * (width - 1))])
    for c in cols:
        eqs.append([(r, *c) for r in rows if r != TOTAL] + [(TOTAL, *c)])
    matrix = []
    for eq in eqs:
        row = np.zeros(len(unknown))
        for d in eq[:-1]:
            if by[d].count is None:
                row[idx[d]] += 1
        if by[eq[-1]].count is None:
            row[idx[eq[-1]]] -= 1
        if row.any():
            matrix.append(row)
    if not matrix:
        return []
    a = np.array(matrix)
    rank = np.linalg.matrix_rank(a)
    out = []
    for d, i in idx.items():
        e = np.zeros(len(unknown))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(d)
    return out


def test_a_small_cell_is_withheld_with_a_partner_and_totals_stay_true() -> None:
    t = suppress(
        {("玄武区", "2026-01"): 12, ("玄武区", "2026-02"): 3, ("秦淮区", "2026-01"): 20, ("秦淮区", "2026-02"): 30}, K
    )
    p = published(t)
    assert p[("玄武区", "2026-02")] is None
    # a lone withheld cell would follow from its row total: its row and column partners go too
    assert sum(c.count is None for c in t.cells) >= 4
    assert derivable(t) == []
    assert p[(TOTAL, TOTAL)] == 65
    assert t.primary == 1 and t.secondary >= 3


def test_nothing_is_withheld_when_every_figure_is_large_or_zero() -> None:
    t = suppress([(("A", "x"), 15), (("A", "y"), 11), (("B", "x"), 40)], K)
    p = published(t)
    assert all(c.count is not None for c in t.cells)
    assert p[("B", "y")] == 0  # an absent combination is a published zero
    assert p[("A", TOTAL)] == 26 and p[(TOTAL, "x")] == 55 and p[(TOTAL, TOTAL)] == 66
    assert (t.primary, t.secondary) == (0, 0)


def test_a_small_total_is_withheld_too() -> None:
    t = suppress({("A", "x"): 4, ("A", "y"): 3, ("B", "x"): 50, ("B", "y"): 60}, K)
    p = published(t)
    assert p[("A", TOTAL)] is None and p[("A", "x")] is None and p[("A", "y")] is None
    assert derivable(t) == []


def test_three_dimensions_use_the_last_two_as_columns() -> None:
    t = suppress({("A", "2026-01", "住宅"): 30, ("A", "2026-01", "商业"): 2, ("B", "2026-01", "住宅"): 25}, K)
    p = published(t)
    assert ("A", TOTAL, TOTAL) in p and (TOTAL, "2026-01", "商业") in p
    assert p[("A", "2026-01", "商业")] is None
    assert derivable(t) == []


def test_repeated_dimensions_add_up_and_bad_input_is_refused() -> None:
    t = suppress([(("A", "x"), 6), (("A", "x"), 6)], K)
    assert published(t)[("A", "x")] == 12
    assert suppress({}, K).cells == ()
    with pytest.raises(ValueError):
        suppress({("A", "x"): -1}, K)
    with pytest.raises(ValueError):
        suppress({("A",): 3}, K)
    with pytest.raises(ValueError):
        suppress({("A", "x"): 3}, 0)


def test_the_published_figures_are_the_true_ones() -> None:
    t = suppress({("A", "x"): 12, ("B", "y"): 13}, K)
    assert OpenCell(("A", "x"), 12) in t.cells and OpenCell((TOTAL, TOTAL), 25, total=True) in t.cells


tables = st.dictionaries(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from("vwxyz")),
    st.one_of(st.integers(0, 12), st.integers(0, 200)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(1, 15))
def test_no_published_figure_is_small_and_no_withheld_one_is_derivable(
    rows: dict[tuple[str, str], int], k: int
) -> None:
    t = suppress(rows, k)
    for c in t.cells:
        assert c.count is None or c.count == 0 or c.count >= k, c
    assert derivable(t) == []
    # what is published is true: the oracle's totals
    truth: dict[tuple[str, ...], int] = {}
    for (r, col), n in rows.items():
        for key in ((r, col), (r, TOTAL), (TOTAL, col), (TOTAL, TOTAL)):
            truth[key] = truth.get(key, 0) + n
    for cell in t.cells:
        if cell.count is not None:
            assert cell.count == truth.get(cell.dims, 0)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("AB"), st.sampled_from(["01", "02", "03"]), st.sampled_from(["住宅", "商业"])),
        st.integers(0, 40),
        min_size=1,
        max_size=12,
    )
)
def test_three_way_tables_are_safe_too(rows: dict[tuple[str, str, str], int]) -> None:
    t = suppress(rows, K)
    assert all(c.count is None or c.count == 0 or c.count >= K for c in t.cells)
    assert derivable(t) == []


def test_the_oracle_sees_a_lone_withheld_cell() -> None:
    """Without secondary suppression a withheld cell follows from its row total: the oracle says so."""
    fig = [
        OpenCell(("A", "x"), None), OpenCell(("A", "y"), 20), OpenCell(("B", "x"), 30), OpenCell(("B", "y"), 30),
        OpenCell(("A", TOTAL), 25, True), OpenCell(("B", TOTAL), 60, True), OpenCell((TOTAL, "x"), 35, True),
        OpenCell((TOTAL, "y"), 50, True), OpenCell((TOTAL, TOTAL), 85, True),
    ]  # fmt: skip
    assert derivable(SuppressedTable(tuple(fig), K, 1, 0)) == [("A", "x")]


# --- consecutive releases: a month's figures are suppressed on their own ------------------------------------


def derivable_together(releases: list[SuppressedTable]) -> list[tuple[str, ...]]:
    """Withheld district-month cells that two or more releases of a (district, month) table determine
    together. A cell or a month's total is the same figure in every release; a total over the months
    (``(district, 合计)``, ``(合计, 合计)``) belongs to its release's window. A figure published in any
    release is known."""
    known: dict[tuple[object, ...], int] = {}
    eqs: list[tuple[list[tuple[object, ...]], tuple[object, ...]]] = []
    for n, t in enumerate(releases):

        def key(d: tuple[str, ...], n: int = n) -> tuple[object, ...]:
            return (n, *d) if d[1] == TOTAL else d

        by = {c.dims: c for c in t.cells}
        for c in t.cells:
            if c.count is not None:
                known[key(c.dims)] = c.count
        districts = sorted({d[0] for d in by if d[0] != TOTAL})
        months = sorted({d[1] for d in by if d[1] != TOTAL})
        for m in months:
            eqs.append(([key((d, m)) for d in districts if (d, m) in by], key((TOTAL, m))))
        for d in districts:
            if (d, TOTAL) in by:
                eqs.append(([key((d, m)) for m in months if (d, m) in by], key((d, TOTAL))))
    unknown = sorted({v for members, total in eqs for v in [*members, total] if v not in known}, key=str)
    if not unknown:
        return []
    idx = {u: i for i, u in enumerate(unknown)}
    matrix = []
    for members, total in eqs:
        row = np.zeros(len(unknown))
        for v in members:
            if v in idx:
                row[idx[v]] += 1
        if total in idx:
            row[idx[total]] -= 1
        if row.any():
            matrix.append(row)
    a = np.array(matrix)
    rank = np.linalg.matrix_rank(a)
    out = []
    for u, i in idx.items():
        if len(u) == 2 and u[1] != TOTAL:  # a district-month cell
            e = np.zeros(len(unknown))
            e[i] = 1
            if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
                out.append(tuple(str(x) for x in u))
    return out


MONTHS = [f"2026-{m:02d}" for m in range(1, 5)]


def _releases(
    data: dict[tuple[str, str], int], cut: Callable[[list[tuple[tuple[str, str], int]]], SuppressedTable]
) -> list[SuppressedTable]:
    first = [(d, n) for d, n in data.items() if d[1] in MONTHS[:3]]
    second = [(d, n) for d, n in data.items() if d[1] in MONTHS[1:]]
    return [cut(first), cut(second)]


def test_a_rolling_window_with_row_totals_lets_two_releases_recover_a_withheld_cell() -> None:
    """The oracle sees the leak the per-month suppression closes: the row totals of two windows one
    month apart differ by the month that left and the month that came, all else shared."""
    data = {("A", MONTHS[0]): 30, ("A", MONTHS[1]): 3, ("A", MONTHS[2]): 30, ("A", MONTHS[3]): 30,
            ("B", MONTHS[0]): 30, ("B", MONTHS[1]): 30, ("B", MONTHS[2]): 30, ("B", MONTHS[3]): 30}  # fmt: skip
    leaky = _releases(data, lambda rows: suppress(rows, K))
    assert all(derivable(t) == [] for t in leaky)  # each release alone is safe
    assert derivable_together(leaky)  # together they are not
    safe = _releases(data, lambda rows: suppress_by_period(rows, K, 1))
    assert derivable_together(safe) == []


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABC"), st.sampled_from(MONTHS)), st.integers(0, 30), min_size=1, max_size=12
    )
)
def test_two_consecutive_releases_together_reveal_no_withheld_cell(data: dict[tuple[str, str], int]) -> None:
    releases = _releases(data, lambda rows: suppress_by_period(rows, K, 1))
    for t in releases:
        assert all(c.count is None or c.count == 0 or c.count >= K for c in t.cells)
    assert derivable_together(releases) == []
    # a month shared by both releases is published identically in both
    pub = [{c.dims: c.count for c in t.cells if c.dims[1] in MONTHS[1:3]} for t in releases]
    assert pub[0] == pub[1]
