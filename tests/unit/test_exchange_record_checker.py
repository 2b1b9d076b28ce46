"""The per-feed compiled record check (anju.exchange.domain.record_checker) and the per-kind blind
indexer (Keyring.blind_indexer): the fast paths a large batch uses must give exactly what the plain
ones give (a re-delivery after an upgrade must still hash to the same content)."""

from __future__ import annotations

from anju.exchange import FeedDefinition, FeedField, FeedRecord, Invalid, Rejection, check_field
from anju.exchange.domain import key_of, record_checker
from anju.security import Keyring

FEED = FeedDefinition(
    dataset="test.mixed",
    title="混合",
    source="测试",
    fields=(
        FeedField("no", "编号", max_length=4),
        FeedField("day", "日期", kind="date"),
        FeedField("amount", "金额", kind="yuan", required=False),
        FeedField("flag", "标志", kind="bool", required=False),
        FeedField("id", "身份证号", kind="id_number", personal=True, required=False),
        FeedField("items", "明细", kind="json", required=False),
        FeedField("kind", "类型", kind="choice", choices=("a", "b")),
    ),
    key=("no", "day"),
    handler="x:y",
)

RAWS: list[dict[str, object]] = [
    {"no": " A1 ", "day": "2026-01-02", "amount": "12.50", "flag": "是", "id": "11010519491231002x", "kind": "a"},
    {"no": "A2", "day": "2026-01-02", "amount": 3, "flag": True, "items": [{"x": 1}], "kind": "b"},
    {"no": "A3", "day": "2026-02-30", "amount": "1.234", "flag": "也许", "kind": "c"},
    {"no": "", "day": "", "items": [], "kind": "a"},
    {"no": "A12345", "day": "2026-01-02", "id": "110105194912310021", "items": "[1, 2]", "kind": "a"},
    {"no": "A5", "day": "2026-01-02", "amount": "  ", "items": "not json", "kind": "b", "extra": "ignored"},
    {},
]


def plain(raw: dict[str, object], seq: int) -> FeedRecord | list[Rejection]:
    values: dict[str, object] = {}
    problems: list[Rejection] = []
    for f in FEED.fields:
        out = check_field(f, raw.get(f.name))
        if isinstance(out, Invalid):
            problems.append(Rejection(seq, f.name, f"{f.label}：{out.reason}"))
        else:
            values[f.name] = out
    return problems or FeedRecord(seq, key_of(FEED, values), values)


def test_the_compiled_check_gives_what_checking_field_by_field_gives() -> None:
    check = record_checker(FEED)
    outs = [check(raw, seq) for seq, raw in enumerate(RAWS, start=1)]
    assert outs == [plain(raw, seq) for seq, raw in enumerate(RAWS, start=1)]
    assert isinstance(outs[0], FeedRecord) and outs[0].key == "A1|2026-01-02"
    assert isinstance(outs[2], list) and {r.field for r in outs[2]} == {"day", "amount", "flag", "kind"}


def test_a_single_field_key_is_the_fields_text() -> None:
    one = FeedDefinition("test.one", "单", "测试", (FeedField("n", "数", kind="int"),), ("n",), "x:y")
    out = record_checker(one)({"n": "007"}, 1)
    assert isinstance(out, FeedRecord) and out.key == "7" == key_of(one, out.values)


def test_the_blind_indexer_equals_the_blind_index() -> None:
    kr = Keyring({1: bytes(range(16))}, 1, bytes(range(32)))
    index = kr.blind_indexer("feed:test.mixed")
    for value in ("", "abc", " 11010519491231002x ", '["A1", "2026-01-02"]', "名字"):
        assert index(value) == kr.blind_index(value, "feed:test.mixed")
    assert index("abc") != kr.blind_indexer("feed:other")("abc")


def test_the_preparer_stores_keys_as_the_idempotency_module_does() -> None:
    from anju.exchange.idempotency import stored_key
    from anju.exchange.prepare import Preparer

    kr = Keyring({1: bytes(range(16))}, 1, bytes(range(32)))
    prep = Preparer(FEED, kr)([(1, RAWS[0]), (2, RAWS[2])])
    first = prep.outs[0]
    assert isinstance(first, FeedRecord) and first.key == stored_key(kr, FEED.dataset, "A1|2026-01-02")
    assert list(prep.hashes) == [1] and isinstance(prep.outs[1], list)
