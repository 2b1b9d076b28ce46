"""Dataset declarations (pure): every context's declarations are sound; feeds are listed from their
definitions without being declared twice; unsound declarations are refused; who sees which entry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from anju import contexts
from anju.core.scope import Scope
from anju.exchange import PUBLIC, Dataset, DatasetField, FeedDefinition, FeedField
from anju.exchange.catalogue import catalogue_dcat, collect, datasets, search, visible
from anju.exchange.domain import check_dataset
from anju.security import Caller, Role

#: A feed another helper's context would declare (``feeds=``), loaded by name like the real ones.
FEED = FeedDefinition(
    dataset="demo.hukou",
    title="户籍信息",
    source="市公安局",
    fields=(
        FeedField("id_number", "身份证号", "id_number", personal=True),
        FeedField("street", "街道", "division"),
        FeedField("moved_on", "迁入日期", "date"),
    ),
    key=("id_number",),
    handler="anju.demo:handle",
    frequency="每日",
)
DECLARED_TOO = replace(FEED, dataset="demo.stats", title="户籍统计")
STATS = Dataset(
    id="demo.stats",
    title="户籍统计（声明）",
    description="按街道的户籍人口",
    office="市公安局",
    frequency="每月",
    fields=(DatasetField("street", "街道"), DatasetField("people", "人数", "int", "人")),
    sensitivity="公开",
    audience=(PUBLIC,),
)
HERE = "tests.unit.test_exchange_catalogue_declarations"


def test_every_declared_dataset_is_sound_and_open_ones_name_a_loadable_aggregate() -> None:
    found = datasets()
    assert len({d.id for d in found}) == len(found) >= 15
    declared = {f"{c.name}.{n}" for c in contexts.CONTEXTS for n in c.datasets}
    assert declared <= {d.id for d in found}
    for d in found:
        assert check_dataset(d, d.context, d.name) == []
        if d.open_data:
            assert callable(contexts.load(d.aggregate or ""))
            assert not any(f.personal for f in d.fields)


def test_feeds_are_listed_from_their_definition_unless_declared() -> None:
    ctx = contexts.Context(
        "demo",
        http=False,
        feeds={"hukou": f"{HERE}:FEED", "stats": f"{HERE}:DECLARED_TOO"},
        datasets={"stats": f"{HERE}:STATS"},
    )
    found = {d.id: d for d in collect([ctx])}
    assert set(found) == {"demo.hukou", "demo.stats"}
    hukou = found["demo.hukou"]
    assert hukou.title == "户籍信息" and hukou.office == "市公安局" and hukou.frequency == "每日"
    assert [(f.name, f.type, f.personal) for f in hukou.fields] == [
        ("id_number", "code", True), ("street", "code", False), ("moved_on", "date", False),
    ]  # fmt: skip
    assert hukou.sensitivity == "敏感" and not hukou.public  # personal: exchange readers only
    assert found["demo.stats"].title == "户籍统计（声明）"  # the declaration wins over the feed


def test_unsound_declarations_are_refused() -> None:
    assert check_dataset(STATS, "demo", "stats") == []
    bad = [
        replace(STATS, id="demo.other"),
        replace(STATS, sensitivity="敏感"),  # personal data cannot be public
        replace(STATS, frequency="偶尔"),
        replace(STATS, fields=(DatasetField("a", "甲"), DatasetField("a", "乙"))),
        replace(STATS, open_data=True, aggregate=None, dimensions=1),
        replace(STATS, open_data=True, aggregate="m:f", dimensions=1, sensitivity="内部"),
        replace(STATS, open_data=True, aggregate="m:f", dimensions=2),  # no count left
        replace(STATS, open_data=True, aggregate="m:f", dimensions=1),  # suppression needs rows and columns
    ]
    for d in bad:
        assert check_dataset(d, "demo", "stats"), d
    ctx = contexts.Context("demo", http=False, datasets={"stats": f"{HERE}:FEED"})
    with pytest.raises(RuntimeError, match=r"not an anju\.exchange\.Dataset"):
        collect([ctx])


def _caller(role: Role | None) -> Caller:
    if role is None:
        return Caller.anonymous()
    return Caller(1, role.value, role, "320100", Scope.whole_city())


def test_who_sees_which_entry() -> None:
    staff_only = replace(STATS, id="demo.staff", sensitivity="内部", audience=("street_clerk",))
    secret = replace(STATS, id="demo.secret", sensitivity="敏感", audience=())
    among = [STATS, staff_only, secret]
    assert visible(_caller(None), among) == [STATS]
    assert visible(_caller(Role.citizen), among) == [STATS]
    assert visible(_caller(Role.street_clerk), among) == [STATS, staff_only]
    assert visible(_caller(Role.city_officer), among) == among  # exchange.read
    assert visible(_caller(Role.auditor), among) == among
    assert search(among, q="户籍", sensitivity="内部") == [staff_only]
    assert search(among, open_only=True) == []


def test_a_feed_in_dcat_has_columns_but_no_download() -> None:
    (hukou,) = collect([contexts.Context("demo", http=False, feeds={"hukou": f"{HERE}:FEED"})])
    doc = catalogue_dcat([hukou], "https://anju.example/")
    assert doc["@id"] == "https://anju.example/api/v1/exchange/catalogue"
    (node,) = doc["dcat:dataset"]
    assert "dcat:distribution" not in node
    assert node["dct:accessRights"]["@id"].endswith("/NON_PUBLIC")
    assert [c["csvw:name"] for c in node["csvw:tableSchema"]["csvw:column"]] == ["id_number", "street", "moved_on"]
