"""Text normalisation shared by the parser and the register side: width, script (traditional →
simplified), dashes and case; Chinese numerals before structural words (cn2an); mojibake repair;
the comparable forms of estate and road names."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import opencc

SPACE_RUN = re.compile(r"[\s\u3000,，、;；:：。·'\"“”‘’/|\\]+")
_ESTATE_TAIL_NOISE = re.compile(r"(?:小区)$")

# Dashes people put in shorthand (3—1—502); NFKC already maps the full-width ones.
_DASHES = {ord(c): "-" for c in "‐‑‒–—―−─"}


@cache
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified, character by character, from OpenCC's own dictionary."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            table[ord(trad)] = simp.split(" ")[0]
    return table


@cache
def _translated_chars() -> frozenset[str]:
    """Characters ``normalise_text`` translates: a set test is cheaper than translating every text."""
    return frozenset(chr(k) for k in _t2s_table()) | frozenset(chr(k) for k in _DASHES)


@cache
def _full_table() -> dict[int, str]:
    return _t2s_table() | _DASHES


_CN_NUM = "零〇○一二两三四五六七八九十百千"
_CN_ANY = re.compile(f"[{_CN_NUM}]")
# Numerals become digits only before a structural word (or after 第), so names keep their 一/二.
_CN_RUN = re.compile(f"(第?)([{_CN_NUM}]+)(?=号楼|号|幢|栋|座|单元|层|楼|室|房|户|期|弄|#)")

# Mojibake: a character for every byte 0x80–0xFF as Latin-1 and as Windows-1252 show it (the five
# bytes Windows-1252 leaves undefined show as the C1 control of the same value).
_MOJIBAKE_BYTE: dict[str, int] = {chr(b): b for b in range(0x80, 0x100)}
for _b in range(0x80, 0xA0):
    with contextlib.suppress(UnicodeDecodeError):
        _MOJIBAKE_BYTE[bytes([_b]).decode("cp1252")] = _b
_MOJIBAKE_RUN = re.compile("[" + "".join(re.escape(c) for c in _MOJIBAKE_BYTE) + "]{2,}")
_UTF8_LEAD = re.compile("[\xc2-\xf4]")
_GB2312_RUN = re.compile("(?:[\xb0-\xf7][\xa1-\xfe])+")  # GB2312 hanzi bytes shown as Latin-1


@lru_cache(maxsize=4096)
def _cn_to_int(s: str) -> int | None:
    """十二 → 12, 五〇二 → 502, 一千二百零三 → 1203 (cn2an); None when the run is no number (十十).

    cn2an is imported on the first numeral: importing it costs ≈ 0.4 s (it builds its transformer
    and proces' tables), which a process that never meets a Chinese numeral should not pay."""
    import cn2an

    try:
        n = cn2an.cn2an(s.replace("○", "〇"), "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return int(n) if n == int(n) and n >= 0 else None


def _cn_repl(m: re.Match[str]) -> str:
    n = _cn_to_int(m.group(2))
    return m.group(0) if n is None else str(n)


def cn_numerals(s: str) -> str:
    return _CN_RUN.sub(_cn_repl, s) if _CN_ANY.search(s) else s


class _Unrepairable(Exception):
    pass


def _repair_run(m: re.Match[str]) -> str:
    run = m.group(0)
    raw = bytes(_MOJIBAKE_BYTE[c] for c in run)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GBK hanzi shown as Latin-1: two bytes each, few of them in UTF-8's continuation range (in UTF-8
    # Chinese two bytes in three are); a run looking like cut UTF-8 is not decoded as GBK.
    if _GB2312_RUN.fullmatch(run) and 2 * sum(0x80 <= b <= 0xBF for b in raw) < len(raw):
        with contextlib.suppress(UnicodeDecodeError):  # a few code points of the range are unassigned
            return raw.decode("gbk")
    if _UTF8_LEAD.search(run):
        raise _Unrepairable(run)
    return run


ESCAPED_RUN = re.compile("[\udc80-\udcff\u0080-\u07ff]*[\ud800-\udfff][\udc80-\udcff\u0080-\u07ff]*")


def unescape_gbk(m: re.Match[str]) -> str:
    """A run with escaped bytes, back to its bytes and decoded as GBK (UnicodeError if it is not)."""
    return m.group(0).encode("utf-8", "surrogateescape").decode("gbk")


def repair_mojibake(text: str) -> tuple[str, bool] | None:
    """Undo mojibake run by run: UTF-8 (or GBK) bytes shown as Latin-1/Windows-1252 ("å\x8d\x97äº¬"
    for 南京), twice over if it was done twice. Returns the text and whether it changed, or ``None``
    when a run looks like mojibake but decodes as neither."""
    s = text
    try:
        for _ in range(3):
            repaired = _MOJIBAKE_RUN.sub(_repair_run, s)
            if repaired == s:
                break
            s = repaired
    except _Unrepairable:
        return None
    return s, s != text


def normalise_text(text: str) -> str:
    """Width, script, dash and case normalisation shared by the parser and the register side."""
    s = unicodedata.normalize("NFKC", text)
    if not _translated_chars().isdisjoint(s):
        s = s.translate(_full_table())
    return s.upper()


def normalise_name(name: str | None) -> str | None:
    """Comparable form of an estate or road name: normalised text, numerals as digits, no spaces."""
    if not name:
        return None
    s = cn_numerals(SPACE_RUN.sub("", normalise_text(name)))
    return s or None


def estate_key(name: str | None) -> str | None:
    """An estate name without a trailing generic 小区 (金陵花园小区 and 金陵花园 are one estate)."""
    s = normalise_name(name)
    if s is None:
        return None
    stripped = _ESTATE_TAIL_NOISE.sub("", s)
    return stripped if len(stripped) >= 2 else s
