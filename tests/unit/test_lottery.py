"""The verifiable lottery (摇号): the documented algorithm, its golden vector, verification, no bias, bad input, CLI."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy.stats import chi2

from anju.cli import main
from anju.core import lottery

# The golden vector, also in docs/assistance.md: outside re-implementations check themselves against it.
GOLDEN_IDS = [f"c{k:03d}" for k in range(1, 11)]
GOLDEN_SEED = "385729"
GOLDEN_LIST_HASH = "e0b30fdfb7205416956d5010f07bf55f1301268d30502e370807ebb6630f4fe5"
GOLDEN_ORDER = ("c007", "c006", "c005", "c009", "c010", "c002", "c003", "c004", "c001", "c008")
GOLDEN_RESULT_HASH = "cb2635b8928b42c01bcc6edb1dab1b9359cadc5cccc11f0508addce097167009"


# --- an independent, deliberately plain re-implementation of the documented algorithm -----------------


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def ref_key(ids: list[str], seed: str) -> bytes:
    serialisation = b"".join(i.encode("utf-8") + b"\n" for i in ids)
    seed_bytes = unicodedata.normalize("NFC", seed).strip().encode("utf-8")
    return sm3(b"anju-lottery-v1\x00" + sm3(serialisation) + seed_bytes)


def ref_stream(key: bytes) -> Iterator[int]:
    """One block at a time: SM3(key ‖ i as 8 bytes big-endian), four big-endian uint64 per block."""
    i = 0
    while True:
        block = sm3(key + i.to_bytes(8, "big"))
        for k in range(0, 32, 8):
            yield int.from_bytes(block[k : k + 8], "big")
        i += 1


def ref_shuffle(ids: list[str], stream: Iterator[int]) -> list[str]:
    a = list(ids)
    for i in range(len(a) - 1, 0, -1):
        limit = 2**64 - (2**64 % (i + 1))
        r = next(stream)
        while r >= limit:
            r = next(stream)
        j = r % (i + 1)
        a[i], a[j] = a[j], a[i]
    return a


def ref_draw(ids: list[str], seed: str) -> list[str]:
    return ref_shuffle(ids, ref_stream(ref_key(ids, seed)))


# --- the algorithm -------------------------------------------------------------------------------------


def test_sm3_test_vector():
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_list_hash_is_sm3_of_each_id_and_a_newline():
    ids = ["A0000001", "张三-0002", "c3"]
    expected = hashlib.new("sm3", "A0000001\n张三-0002\nc3\n".encode()).hexdigest()
    assert lottery.list_hash(ids) == expected
    assert lottery.list_hash(["c3", "A0000001", "张三-0002"]) != expected  # the order is part of the list


def test_golden_vector():
    d = lottery.draw(GOLDEN_IDS, GOLDEN_SEED)
    assert d.algorithm == "anju-lottery-v1"
    assert d.list_hash == GOLDEN_LIST_HASH
    assert d.order == GOLDEN_ORDER
    assert (
        d.result_hash == GOLDEN_RESULT_HASH == hashlib.new("sm3", ("\n".join(GOLDEN_ORDER) + "\n").encode()).hexdigest()
    )
    assert tuple(ref_draw(GOLDEN_IDS, GOLDEN_SEED)) == GOLDEN_ORDER


def test_draw_is_a_deterministic_permutation_that_depends_on_seed_and_list():
    ids = [f"A{k:07d}" for k in range(500)]
    d = lottery.draw(ids, "123456")
    assert d == lottery.draw(list(ids), "123456")
    assert sorted(d.order) == ids and d.order != tuple(ids)
    assert lottery.draw(ids, "123457").order != d.order
    assert lottery.draw([*ids[:-1], "A9999999"], "123456").order != d.order
    assert lottery.draw(ids[::-1], "123456").order != d.order
    assert lottery.draw(ids, "  123456\n").seed == "123456"  # surrounding whitespace is not part of the seed
    assert lottery.draw(ids, " 123456 ").order == d.order


def test_seed_is_nfc_normalised():
    decomposed, composed = "e\u0301", "\u00e9"
    assert lottery.draw(GOLDEN_IDS, decomposed) == lottery.draw(GOLDEN_IDS, composed)
    assert lottery.draw(GOLDEN_IDS, decomposed).seed == composed


def test_the_documented_reference_code_reproduces_the_golden_vector():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "assistance.md").read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    exec(doc.split("```python\n", 1)[1].split("```", 1)[0], namespace)
    reference = namespace["anju_lottery_v1"]
    assert callable(reference)
    assert tuple(reference(GOLDEN_IDS, GOLDEN_SEED)) == GOLDEN_ORDER
    for value in (GOLDEN_LIST_HASH, GOLDEN_RESULT_HASH, " ".join(f"`{x}`" for x in GOLDEN_ORDER)):
        assert value in doc


@pytest.mark.parametrize(
    ("n", "seed"), [(1, "1"), (2, "385729"), (3, "000000"), (100, "beacon:9f3a"), (1000, "南京 2026-06-30")]
)
def test_draw_agrees_with_the_plain_reimplementation(n: int, seed: str):
    ids = [f"p{k}" for k in range(n)]
    assert list(lottery.draw(ids, seed).order) == ref_draw(ids, seed)


class _ScriptedStream:
    """Stands in for SM3 in the stream only: block c is four chosen uint64s (many at 2**64 - 1)."""

    def __init__(self, values: Callable[[int], list[int]]) -> None:
        self.values = values
        self.counter = -1

    def copy(self) -> _ScriptedStream:
        return _ScriptedStream(self.values)

    def update(self, data: bytes) -> None:
        self.counter = int.from_bytes(data, "big")

    def digest(self) -> bytes:
        return b"".join(v.to_bytes(8, "big") for v in self.values(self.counter))


def test_rejected_draws_are_skipped_in_stream_order(monkeypatch: pytest.MonkeyPatch):
    """Rejection is too rare to happen in real draws (p ≈ n/2**64), so the stream is scripted here."""

    def values(c: int) -> list[int]:
        top = 2**64 - 1  # rejected whenever i+1 is not a power of two
        return [top if (4 * c + k) % 3 == 0 else (4 * c + k) * 7919 for k in range(4)]

    def stream() -> Iterator[int]:
        c = 0
        while True:
            yield from values(c)
            c += 1

    real = lottery._sm3

    class Base:
        def __init__(self, data: bytes) -> None:
            self.real = real(data)

        def digest(self) -> bytes:
            return self.real.digest()

        def hexdigest(self) -> str:
            return self.real.hexdigest()

        def copy(self) -> _ScriptedStream:
            return _ScriptedStream(values)

    monkeypatch.setattr(lottery, "_sm3", Base)
    for n in (3, 10, 37, 20_000):
        ids = [f"s{k}" for k in range(n)]
        assert list(lottery.draw(ids, "x").order) == ref_shuffle(ids, stream()), n


def test_the_module_imports_only_the_standard_library():
    """So that ``lottery.py`` can be copied out of Anju and run alone."""
    tree = ast.parse(Path(lottery.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert {m.split(".")[0] for m in modules} - {"__future__"} <= sys.stdlib_module_names


# --- verification --------------------------------------------------------------------------------------

IDS = [f"A{k:07d}" for k in range(1, 201)]
SEED = "730516"


def test_verify_accepts_the_genuine_result():
    d = lottery.draw(IDS, SEED)
    v = lottery.verify(IDS, SEED, d.order, expected_list_hash=d.list_hash)
    assert v.ok and v.reasons == []
    assert (v.list_hash, v.result_hash, v.submitted_result_hash) == (d.list_hash, d.result_hash, d.result_hash)


def test_verify_reports_the_first_differing_position_of_a_swapped_pair():
    order = list(lottery.draw(IDS, SEED).order)
    order[4], order[9] = order[9], order[4]
    v = lottery.verify(IDS, SEED, order)
    assert not v.ok
    assert v.reasons[0] == f"第 5 位不同：结果为 {order[4]}，重新摇号为 {order[9]}"
    assert len(v.reasons) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda ids: [*ids[:50], "B0000001", *ids[51:]], id="one-replaced"),
        pytest.param(lambda ids: ids[:-1], id="one-removed"),
        pytest.param(lambda ids: [ids[1], ids[0], *ids[2:]], id="order-changed"),
    ],
)
def test_verify_detects_a_changed_list(change: Callable[[list[str]], list[str]]):
    published = lottery.draw(IDS, SEED)
    changed = change(IDS)
    # Against the published hash: the changed list is named even if the result was drawn from it.
    v = lottery.verify(changed, SEED, lottery.draw(changed, SEED).order, expected_list_hash=published.list_hash)
    assert not v.ok
    assert v.reasons == [
        f"候选名单的 SM3 哈希 {lottery.list_hash(changed)} 与公布的 {published.list_hash} 不同：名单在公布后被改动过"
    ]
    # Without it, the published result does not match a draw over the changed list.
    v = lottery.verify(changed, SEED, published.order)
    assert not v.ok
    assert any("位不同" in r or "位起" in r or "个编号" in r for r in v.reasons)


def test_verify_detects_missing_and_extra_ids():
    order = list(lottery.draw(IDS, SEED).order)
    v = lottery.verify(IDS, SEED, order[:-1])
    assert v.reasons[0] == "结果有 199 个编号，按候选名单重新摇号应有 200 个"
    assert f"第 200 位起结果缺少编号（第一个应为 {order[-1]}）" in v.reasons
    v = lottery.verify(IDS, SEED, [*order[:10], "Z9", *order[11:]])
    assert "结果中有 1 个编号不在候选名单中（如 Z9）" in v.reasons
    assert f"候选名单中有 1 个编号不在结果中（如 {order[10]}）" in v.reasons


def test_verify_detects_a_different_seed():
    d = lottery.draw(IDS, SEED)
    v = lottery.verify(IDS, "730517", d.order, expected_list_hash=d.list_hash)
    assert not v.ok and v.reasons[0].startswith("第 ")
    assert v.result_hash != d.result_hash and v.submitted_result_hash == d.result_hash


def test_verify_refuses_a_malformed_expected_hash():
    with pytest.raises(lottery.LotteryError) as e:
        lottery.verify(IDS, SEED, IDS, expected_list_hash="abc")
    assert e.value.field == "expected_list_hash"


# --- no bias ---------------------------------------------------------------------------------------------


def chi_square_p(counts: list[list[int]], df: int) -> float:
    total = sum(map(sum, counts))
    cells = sum(len(row) for row in counts)
    expected = total / cells
    stat = sum((c - expected) ** 2 / expected for row in counts for c in row)
    return float(chi2.sf(stat, df))


def position_matrix(
    shuffle: Callable[[list[str], str], list[str] | tuple[str, ...]], n: int, draws: int
) -> list[list[int]]:
    ids = [f"u{k}" for k in range(n)]
    counts = [[0] * n for _ in range(n)]
    for t in range(draws):
        for pos, x in enumerate(shuffle(ids, f"t{t}")):
            counts[int(x[1:])][pos] += 1
    return counts


def library_shuffle(ids: list[str], seed: str) -> tuple[str, ...]:
    return lottery.draw(ids, seed).order


def sattolo_shuffle(ids: list[str], seed: str) -> list[str]:
    """The classic off-by-one (j = r % i): only cyclic permutations, nothing stays in place."""
    a, stream = list(ids), ref_stream(ref_key(ids, seed))
    for i in range(len(a) - 1, 0, -1):
        j = next(stream) % i
        a[i], a[j] = a[j], a[i]
    return a


def small_modulus_shuffle(ids: list[str], seed: str) -> list[str]:
    """No rejection, and only 4 random bits per step: 16 % (i+1) values are favoured."""
    a, stream = list(ids), ref_stream(ref_key(ids, seed))
    for i in range(len(a) - 1, 0, -1):
        j = (next(stream) & 0xF) % (i + 1)
        a[i], a[j] = a[j], a[i]
    return a


N_DRAWS = 16_000


def test_every_id_is_equally_likely_at_every_position():
    counts = position_matrix(library_shuffle, 8, N_DRAWS)
    assert all(sum(row) == N_DRAWS for row in counts)
    assert chi_square_p(counts, df=(8 - 1) ** 2) > 0.001


def test_the_first_position_is_uniform_over_a_larger_list():
    ids = [f"u{k}" for k in range(50)]
    first = [0] * 50
    for t in range(20_000):
        first[int(lottery.draw(ids, f"t{t}").order[0][1:])] += 1
    assert chi_square_p([first], df=50 - 1) > 0.001


@pytest.mark.parametrize("biased", [sattolo_shuffle, small_modulus_shuffle])
def test_the_uniformity_check_catches_a_biased_shuffle(biased: Callable[[list[str], str], list[str]]):
    counts = position_matrix(biased, 8, N_DRAWS)
    assert chi_square_p(counts, df=(8 - 1) ** 2) < 1e-6


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "line", "reason"),
    [
        (["a1", "", "a3"], 2, "编号为空"),
        (["a1", "a2", "a3", "a2"], 4, "编号 a2 重复，与第 2 行相同"),
        (["a1", "x" * 65], 2, "编号长 65 个字符，超过 64 个字符的上限"),
        (["a1", "a 2"], 2, "编号含空白字符（第 2 个字符 U+0020）"),
        (["a\u30002"], 1, "编号含空白字符（第 2 个字符 U+3000）"),
        (["a1", "a\t2"], 2, "编号含空白字符（第 2 个字符 U+0009）"),
        (["a1", "a2\x00"], 2, "编号含控制字符（第 3 个字符 U+0000）"),
        (["a\u200b1"], 1, "编号含控制字符（第 2 个字符 U+200B）"),
    ],
)
def test_bad_candidate_ids_name_the_line_and_reason(ids: list[str], line: int, reason: str):
    with pytest.raises(lottery.LotteryError) as e:
        lottery.draw(ids, "1")
    assert (e.value.field, e.value.line, e.value.reason) == ("candidates", line, reason)
    assert str(e.value) == f"候选名单（candidates）第 {line} 行：{reason}"


def test_an_id_of_64_characters_and_chinese_ids_are_fine():
    assert len(lottery.draw(["x" * 64, "张三", "李四"], "1").order) == 3


@pytest.mark.parametrize(
    ("seed", "reason"),
    [
        ("", "种子为空"),
        (" \t\n", "种子为空"),
        ("12\x0734", "种子含控制字符（第 3 个字符 U+0007）"),
        ("9" * 257, "种子长 257 个字符，超过 256 个字符的上限"),
    ],
)
def test_bad_seeds(seed: str, reason: str):
    with pytest.raises(lottery.LotteryError) as e:
        lottery.draw(GOLDEN_IDS, seed)
    assert (e.value.field, e.value.line, e.value.reason) == ("seed", None, reason)
    assert str(e.value).startswith("种子（seed）：")


def test_an_empty_list_cannot_be_drawn():
    with pytest.raises(lottery.LotteryError, match="候选名单为空"):
        lottery.draw([], "1")


def test_read_ids_handles_bom_crlf_and_trailing_blank_lines(tmp_path: Path):
    p = tmp_path / "c.txt"
    p.write_bytes("\ufeffc001\r\nc002\r\n张三\r\n\r\n  \n".encode())
    assert lottery.read_ids(p) == ["c001", "c002", "张三"]
    assert lottery.read_ids(str(p)) == lottery.read_ids(p.read_bytes()) == ["c001", "c002", "张三"]
    assert lottery.read_ids(["\ufeffc001\r\n", "c002\n", "张三"]) == ["c001", "c002", "张三"]
    p.write_bytes(b"c001\nc002")  # no final newline
    assert lottery.read_ids(p) == ["c001", "c002"]


@pytest.mark.parametrize("blank", ["", "   ", "\r"])
def test_read_ids_refuses_a_blank_line_in_the_middle(tmp_path: Path, blank: str):
    p = tmp_path / "c.txt"
    p.write_text(f"c001\nc002\n{blank}\nc004\n", encoding="utf-8", newline="")
    with pytest.raises(lottery.LotteryError) as e:
        lottery.read_ids(p)
    assert (e.value.line, e.value.reason) == (3, "空行：最后一个编号之前不能有空行")


def test_read_ids_names_the_line_of_a_bad_id_or_bad_utf8(tmp_path: Path):
    p = tmp_path / "c.txt"
    p.write_text("c001\nc002\nc001\n", encoding="utf-8")
    with pytest.raises(lottery.LotteryError, match="第 3 行：编号 c001 重复，与第 1 行相同"):
        lottery.read_ids(p)
    assert lottery.read_ids(p, field="result", check=False) == ["c001", "c002", "c001"]
    p.write_bytes(b"c001\nc\xff02\n")
    with pytest.raises(lottery.LotteryError, match="第 2 行：不是 UTF-8 文本"):
        lottery.read_ids(p)


def test_write_ids_round_trips(tmp_path: Path):
    p = tmp_path / "r.txt"
    lottery.write_ids(p, GOLDEN_ORDER)
    assert p.read_bytes() == ("\n".join(GOLDEN_ORDER) + "\n").encode()
    assert tuple(lottery.read_ids(p)) == GOLDEN_ORDER
    assert [q.name for q in tmp_path.iterdir()] == ["r.txt"]  # no temporary file left behind


# --- CLI -------------------------------------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(main, ["lottery", *args])
    return r.exit_code, r.output


@pytest.fixture
def candidates(tmp_path: Path) -> Path:
    p = tmp_path / "candidates.txt"
    p.write_text("\n".join(GOLDEN_IDS) + "\n", encoding="utf-8")
    return p


def _json(out: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(out[out.index("{") : out.rindex("}") + 1])
    return data


def test_cli_draw_writes_the_order_and_prints_the_summary(candidates: Path, tmp_path: Path):
    out = tmp_path / "result.txt"
    code, output = cli("draw", "--candidates", str(candidates), "--seed", GOLDEN_SEED, "--out", str(out))
    assert code == 0, output
    assert out.read_text(encoding="utf-8") == "\n".join(GOLDEN_ORDER) + "\n"
    assert _json(output) == {
        "algorithm": "anju-lottery-v1",
        "candidates": 10,
        "list_hash": GOLDEN_LIST_HASH,
        "seed": GOLDEN_SEED,
        "result_hash": GOLDEN_RESULT_HASH,
    }
    code, output = cli(
        "draw",
        "--candidates",
        str(candidates),
        "--seed",
        GOLDEN_SEED,
        "--out",
        str(out),
        "--expect-hash",
        GOLDEN_LIST_HASH,
    )
    assert code == 0, output


def test_cli_draw_refuses_a_list_that_differs_from_the_published_hash(candidates: Path, tmp_path: Path):
    out = tmp_path / "result.txt"
    code, output = cli(
        "draw", "--candidates", str(candidates), "--seed", GOLDEN_SEED, "--out", str(out), "--expect-hash", "0" * 64
    )
    assert code == 1
    assert GOLDEN_LIST_HASH in output and "拒绝摇号" in output
    assert not out.exists()


def test_cli_verify(candidates: Path, tmp_path: Path):
    result = tmp_path / "result.txt"
    result.write_text("\n".join(GOLDEN_ORDER) + "\n", encoding="utf-8")
    args = ["verify", "--candidates", str(candidates), "--seed", GOLDEN_SEED, "--result", str(result)]
    code, output = cli(*args)
    assert code == 0, output
    report = _json(output)
    assert report["ok"] is True and report["reasons"] == []
    assert (report["list_hash"], report["result_hash"]) == (GOLDEN_LIST_HASH, GOLDEN_RESULT_HASH)

    tampered = [GOLDEN_ORDER[1], GOLDEN_ORDER[0], *GOLDEN_ORDER[2:]]
    result.write_text("\n".join(tampered) + "\n", encoding="utf-8")
    code, output = cli(*args)
    assert code == 1
    assert _json(output)["ok"] is False
    assert f"不一致：第 1 位不同：结果为 {GOLDEN_ORDER[1]}，重新摇号为 {GOLDEN_ORDER[0]}" in output


def test_cli_verify_with_the_published_hash_of_a_changed_list(candidates: Path, tmp_path: Path):
    changed = [*GOLDEN_IDS[:3], "c999", *GOLDEN_IDS[4:]]
    candidates.write_text("\n".join(changed) + "\n", encoding="utf-8")
    result = tmp_path / "result.txt"
    result.write_text("\n".join(lottery.draw(changed, GOLDEN_SEED).order) + "\n", encoding="utf-8")
    code, output = cli(
        "verify", "--candidates", str(candidates), "--seed", GOLDEN_SEED, "--result", str(result),
        "--expect-hash", GOLDEN_LIST_HASH,
    )  # fmt: skip
    assert code == 1
    assert "不一致" in output and GOLDEN_LIST_HASH in output and lottery.list_hash(changed) in output


def test_cli_bad_candidate_file_names_option_line_and_reason_and_writes_nothing(tmp_path: Path):
    bad = tmp_path / "candidates.txt"
    bad.write_text("c001\nc002\n\nc004\n", encoding="utf-8")
    out = tmp_path / "result.txt"
    code, output = cli("draw", "--candidates", str(bad), "--seed", "1", "--out", str(out))
    assert code == 2
    assert "--candidates" in output and "第 3 行" in output and "空行" in output
    assert not out.exists()
    bad.write_text("c001\nc002\nc001\n", encoding="utf-8")
    code, output = cli("draw", "--candidates", str(bad), "--seed", "1", "--out", str(out))
    assert code == 2 and "第 3 行" in output and "与第 1 行相同" in output
    assert not out.exists()
    bad.write_text("c001\n", encoding="utf-8")
    code, output = cli("draw", "--candidates", str(bad), "--seed", "\x01", "--out", str(out))
    assert code == 2 and "--seed" in output
    assert not out.exists()
