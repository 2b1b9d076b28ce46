"""One page shape for every list (core.paging), on both databases."""

from __future__ import annotations

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select

from anju.core.paging import Page, count, fetch_page

_meta = MetaData()
_things = Table("paging_things", _meta, Column("id", Integer, primary_key=True), Column("kind", String(8)))


def _fill(engine: Engine) -> None:
    _meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(_things.insert(), [{"id": i, "kind": "a" if i % 3 else "b"} for i in range(1, 26)])


def test_a_page_holds_its_items_and_the_count_of_the_whole_filtered_list(empty_engine: Engine) -> None:
    _fill(empty_engine)
    stmt = select(_things.c.id).where(_things.c.kind == "a").order_by(_things.c.id.desc())
    with empty_engine.connect() as conn:
        page = fetch_page(conn, stmt, limit=5, offset=5, row=lambda r: r.id)
        assert page == Page([17, 16, 14, 13, 11], 17)  # a: 25, 23, 22, 20, 19 | 17 …
        assert count(conn, stmt.limit(2)) == 17  # ordering, limit and offset do not change the count
        beyond = fetch_page(conn, stmt, limit=5, offset=100)
        assert (list(beyond.items), beyond.total) == ([], 17)
        cheap = fetch_page(conn, stmt, limit=2, offset=0, count_stmt=select(_things.c.id).where(_things.c.kind == "a"))
        assert cheap.total == 17 and len(cheap.items) == 2


def test_page_map_keeps_the_total() -> None:
    assert Page([1, 2], 9).map(str) == Page(["1", "2"], 9)
