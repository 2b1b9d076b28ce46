"""Verifiable housing lottery (摇号), algorithm ``anju-lottery-v1``.

This module imports only the standard library, so it can be copied out of Anju alone and run by
anyone who wants to check a draw. SM3 (GB/T 32905-2016) comes from OpenSSL through
``hashlib.new("sm3")``.

The algorithm, exactly:

1. **Candidate list** (候选名单). A sequence of candidate ids in the frozen order published before the
   draw. Every id is a non-empty string of at most 64 characters (Unicode code points) with no
   whitespace (``str.isspace``) and no control, format or surrogate character (Unicode general
   category Cc, Cf or Cs); ids are unique within the list.
2. **List hash.** The canonical serialisation of a list is each id's UTF-8 bytes followed by
   ``b"\\n"``, concatenated. ``list_hash = SM3(serialisation)``, published as 64 lowercase hex digits.
3. **Seed** (种子). A string, e.g. six digits drawn in public or a public randomness beacon value. It is
   normalised to Unicode NFC and stripped of surrounding whitespace (``str.strip``); the result must be
   non-empty, at most 256 characters and contain no character of category Cc, Cf or Cs.
4. **Key.** ``key = SM3(b"anju-lottery-v1\\x00" + list_hash_bytes + seed_utf8)`` where
   ``list_hash_bytes`` is the 32-byte digest of step 2 and ``seed_utf8`` the normalised seed's UTF-8.
5. **Random stream.** ``block_i = SM3(key + i.to_bytes(8, "big"))`` for ``i = 0, 1, 2, …``; the stream
   is ``block_0 + block_1 + …``, read 8 bytes at a time as big-endian unsigned 64-bit integers
   (four per block, in order).
6. **Shuffle** (Fisher–Yates, from the end). Start from the frozen order ``a[0..n-1]``. For ``i`` from
   ``n-1`` down to ``1``: take the next integer ``r`` from the stream; while
   ``r >= 2**64 - (2**64 % (i+1))`` discard it and take the next one (rejection sampling: no modulo
   bias); then ``j = r % (i+1)`` and swap ``a[i]`` and ``a[j]``.
7. **Result.** The shuffled list is the order of choosing: position 1 (``a[0]``) chooses first.
   ``result_hash`` is the SM3 of the result's canonical serialisation (as in step 2).

Golden vector (the reference for re-implementations; also in ``docs/assistance.md`` and pinned by
``tests/unit/test_lottery.py``): the ids ``c001`` … ``c010`` in that order and the seed ``"385729"`` give

- ``list_hash   = e0b30fdfb7205416956d5010f07bf55f1301268d30502e370807ebb6630f4fe5``
- order ``c007 c006 c005 c009 c010 c002 c003 c004 c001 c008``
- ``result_hash = cb2635b8928b42c01bcc6edb1dab1b9359cadc5cccc11f0508addce097167009``

Public functions: :func:`list_hash`, :func:`draw`, :func:`verify`, :func:`read_ids`, :func:`write_ids`.
Bad input raises :class:`LotteryError` (a ``ValueError``) naming the field, the reason and, for lists,
the 1-based line.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ALGORITHM",
    "MAX_ID_CHARS",
    "MAX_SEED_CHARS",
    "Draw",
    "LotteryError",
    "Verification",
    "draw",
    "list_hash",
    "normalise_seed",
    "read_ids",
    "verify",
    "write_ids",
]

ALGORITHM = "anju-lottery-v1"
MAX_ID_CHARS = 64
MAX_SEED_CHARS = 256

_DOMAIN = ALGORITHM.encode("ascii") + b"\x00"
_TWO64 = 1 << 64
#: Blocks of the random stream hashed per chunk (4 integers each).
_CHUNK_BLOCKS = 4096
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

#: How the fields are named in messages.
_FIELD_NAMES = {
    "candidates": "候选名单",
    "result": "摇号结果",
    "seed": "种子",
    "expected_list_hash": "公布的名单哈希",
}


class LotteryError(ValueError):
    """Bad input: ``field`` names what was wrong, ``reason`` says why, ``line`` (1-based) where in a list."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.line = line
        name = _FIELD_NAMES.get(field, field)
        where = f"第 {line} 行：" if line is not None else "："
        super().__init__(f"{name}（{field}）{where}{reason}")


@dataclass(frozen=True)
class Draw:
    """The outcome of a draw: everything to publish."""

    algorithm: str
    list_hash: str
    seed: str
    order: tuple[str, ...]
    result_hash: str


@dataclass(frozen=True)
class Verification:
    """The answer of :func:`verify`: ``ok`` when the result is the draw's, otherwise ``reasons`` say why.

    ``list_hash`` is the hash of the candidate list given, ``result_hash`` the hash of the correct result
    (the re-run draw) and ``submitted_result_hash`` the hash of the result given.
    """

    ok: bool
    reasons: list[str] = field(default_factory=list)
    algorithm: str = ALGORITHM
    list_hash: str = ""
    seed: str = ""
    result_hash: str = ""
    submitted_result_hash: str = ""


def _sm3(data: bytes = b"") -> hashlib._Hash:
    try:
        return hashlib.new("sm3", data)
    except ValueError:  # pragma: no cover - depends on the OpenSSL build
        raise RuntimeError("this Python's OpenSSL does not provide SM3 (hashlib.new('sm3'))") from None


def _serialise(ids: Iterable[str]) -> bytes:
    parts = list(ids)
    if not parts:
        return b""
    return ("\n".join(parts) + "\n").encode("utf-8", "surrogatepass")


def _bad_char(s: str) -> str | None:
    """Why ``s`` is not a valid id because of one of its characters, or None."""
    for k, ch in enumerate(s, start=1):
        if ch.isspace():
            return f"编号含空白字符（第 {k} 个字符 U+{ord(ch):04X}）"
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            return f"编号含控制字符（第 {k} 个字符 U+{ord(ch):04X}）"
    return None


def _check_ids(ids: Iterable[str], field: str = "candidates") -> list[str]:
    """The ids as a list, or :class:`LotteryError` for the first bad line (fast when all are good)."""
    out = list(ids)
    if not out:
        return out
    joined = "".join(out)  # TypeError unless every id is a str
    if (
        min(map(len, out)) > 0
        and max(map(len, out)) <= MAX_ID_CHARS
        and joined.isprintable()
        and " " not in joined
        and len(set(out)) == len(out)
    ):
        return out
    # Something is wrong (or an id holds a printable-excluded but allowed character): find the first line.
    first: dict[str, int] = {}
    for line, x in enumerate(out, start=1):
        if not x:
            raise LotteryError(field, "编号为空", line)
        if len(x) > MAX_ID_CHARS:
            raise LotteryError(field, f"编号长 {len(x)} 个字符，超过 {MAX_ID_CHARS} 个字符的上限", line)
        if not x.isprintable() or " " in x:
            bad = _bad_char(x)
            if bad is not None:
                raise LotteryError(field, bad, line)
        seen = first.setdefault(x, line)
        if seen != line:
            raise LotteryError(field, f"编号 {x} 重复，与第 {seen} 行相同", line)
    return out


def normalise_seed(seed: str) -> str:
    """The seed as the algorithm uses it: NFC, surrounding whitespace removed; checked."""
    if not isinstance(seed, str):
        raise TypeError(f"the seed must be str, not {type(seed).__name__}")
    s = unicodedata.normalize("NFC", seed).strip()
    if not s:
        raise LotteryError("seed", "种子为空")
    if len(s) > MAX_SEED_CHARS:
        raise LotteryError("seed", f"种子长 {len(s)} 个字符，超过 {MAX_SEED_CHARS} 个字符的上限")
    for k, ch in enumerate(s, start=1):
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise LotteryError("seed", f"种子含控制字符（第 {k} 个字符 U+{ord(ch):04X}）")
    return s


def _list_digest(ids: list[str]) -> bytes:
    return _sm3(_serialise(ids)).digest()


def list_hash(ids: Iterable[str]) -> str:
    """SM3 of the list's canonical serialisation (each id's UTF-8 + ``\\n``), lowercase hex. Checks the ids."""
    return _list_digest(_check_ids(ids)).hex()


def _key(list_digest: bytes, seed: str) -> bytes:
    return _sm3(_DOMAIN + list_digest + seed.encode("utf-8")).digest()


def _shuffle(a: list[str], key: bytes) -> None:
    """Step 6 in place, over the stream of step 5 (hashed a chunk of blocks at a time)."""
    i = len(a) - 1
    if i < 1:
        return
    copy = _sm3(key).copy
    two64 = _TWO64
    # Rejection needs r >= 2**64 - (2**64 % (i+1)) > 2**64 - (i+1) >= hi: below hi no modulo is needed.
    hi = two64 - len(a)
    counter = 0
    pending: tuple[int, ...] = ()
    while i >= 1:
        if not pending:
            blocks = min(_CHUNK_BLOCKS, i // 4 + 1)
            digests = []
            for c in range(counter, counter + blocks):
                h = copy()
                h.update(c.to_bytes(8, "big"))
                digests.append(h.digest())
            counter += blocks
            pending = struct.unpack(f">{4 * blocks}Q", b"".join(digests))
        # At most i integers are needed now; the rest stay pending, in stream order.
        take, pending = pending[:i], pending[i:]
        for r in take:
            if r >= hi and r >= two64 - two64 % (i + 1):
                continue
            j = r % (i + 1)
            a[i], a[j] = a[j], a[i]
            i -= 1


def draw(ids: Iterable[str], seed: str) -> Draw:
    """Run the draw over the frozen candidate list ``ids`` with ``seed``."""
    frozen = _check_ids(ids)
    if not frozen:
        raise LotteryError("candidates", "候选名单为空")
    s = normalise_seed(seed)
    digest = _list_digest(frozen)
    order = list(frozen)
    _shuffle(order, _key(digest, s))
    return Draw(ALGORITHM, digest.hex(), s, tuple(order), _sm3(_serialise(order)).hexdigest())


def _parse_hash(value: str) -> str:
    h = value.strip().lower()
    if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
        raise LotteryError("expected_list_hash", f"不是 64 位十六进制 SM3 哈希：{value[:80]!r}")
    return h


def verify(ids: Iterable[str], seed: str, result: Iterable[str], expected_list_hash: str | None = None) -> Verification:
    """Re-run the draw and compare it with ``result``; with ``expected_list_hash``, also check the list.

    Bad candidates or seed raise :class:`LotteryError`; a result that is not the draw's is not an error
    but ``ok=False`` with the reasons (in Chinese).
    """
    expected = _parse_hash(expected_list_hash) if expected_list_hash is not None else None
    got = list(result)
    "".join(got)  # TypeError unless every id is a str
    d = draw(ids, seed)
    reasons: list[str] = []
    if expected is not None and d.list_hash != expected:
        reasons.append(f"候选名单的 SM3 哈希 {d.list_hash} 与公布的 {expected} 不同：名单在公布后被改动过")
    want = d.order
    if tuple(got) != want:
        if len(got) != len(want):
            reasons.append(f"结果有 {len(got)} 个编号，按候选名单重新摇号应有 {len(want)} 个")
        for pos, (g, w) in enumerate(zip(got, want, strict=False), start=1):
            if g != w:
                reasons.append(f"第 {pos} 位不同：结果为 {g}，重新摇号为 {w}")
                break
        else:
            pos = min(len(got), len(want)) + 1
            if len(got) > len(want):
                reasons.append(f"第 {pos} 位起结果多出编号（第一个是 {got[len(want)]}）")
            else:
                reasons.append(f"第 {pos} 位起结果缺少编号（第一个应为 {want[len(got)]}）")
        got_set, want_set = set(got), set(want)
        extra = [x for x in got if x not in want_set]
        missing = [x for x in want if x not in got_set]
        if extra:
            reasons.append(f"结果中有 {len(extra)} 个编号不在候选名单中（如 {extra[0]}）")
        if missing:
            reasons.append(f"候选名单中有 {len(missing)} 个编号不在结果中（如 {missing[0]}）")
        if len(got_set) != len(got):
            reasons.append(f"结果中有 {len(got) - len(got_set)} 个重复的编号")
    return Verification(
        ok=not reasons,
        reasons=reasons,
        list_hash=d.list_hash,
        seed=d.seed,
        result_hash=d.result_hash,
        submitted_result_hash=_sm3(_serialise(got)).hexdigest(),
    )


def _strip_eol(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


def read_ids(
    source: str | os.PathLike[str] | bytes | Iterable[str], *, field: str = "candidates", check: bool = True
) -> list[str]:
    """Read a list of ids, one per line, from a file (a path), its bytes, or an iterable of lines.

    UTF-8 with an optional BOM; LF or CRLF line ends; blank lines at the end are ignored and a blank
    line before the last id is an error naming the line. With ``check`` (the default) the ids are checked
    as a candidate list; without it (a result to verify) only the file's form is.
    """
    if isinstance(source, str | os.PathLike | bytes):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LotteryError(field, "不是 UTF-8 文本", data.count(b"\n", 0, e.start) + 1) from None
        text = text.removeprefix("\ufeff")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
    else:
        lines = [_strip_eol(x) for x in source]
        if lines:
            lines[0] = lines[0].removeprefix("\ufeff")
    while lines and not lines[-1].strip():
        lines.pop()
    if "" in lines or any(map(str.isspace, lines)):
        line = next(k for k, x in enumerate(lines, start=1) if not x.strip())
        raise LotteryError(field, "空行：最后一个编号之前不能有空行", line)
    return _check_ids(lines, field) if check else lines


def write_ids(path: str | os.PathLike[str], ids: Iterable[str]) -> None:
    """Write one id per line (UTF-8, LF, no BOM); atomically (a temporary file renamed over ``path``)."""
    target = Path(path)
    data = _serialise(ids)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
