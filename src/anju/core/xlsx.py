"""Reading the first sheet of an .xlsx file as a stream, within limits.

An .xlsx file is a zip of XML: 1.6 KB can declare and fill a cell at XFD1048576 (a reader that builds
the sheet's grid then asks for 512 GiB), and a few MB inflate to hundreds of MB of XML. So nothing is
parsed before the zip's members are checked — their declared total size, and the compression ratio of
every large member (Python's zipfile never inflates a member beyond its declared size: it stops there
and the CRC check fails). The sheet's declared dimension (``<dimension ref="A1:Z1000"/>``) is checked
as soon as it is read, before the first row; then the rows are read one at a time, each row's number,
cells and width checked as they come, since a dimension may be absent or wrong.

The XML is read with expat callbacks (no element tree is built), so memory holds one row, the shared
strings and nothing else, whatever the file. Every refusal is a :class:`FileRejected` naming the limit
and its setting; nothing is written.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.parsers import expat

from anju.core.settings import Settings
from anju.core.sheet import FileRejected, SheetData

#: Members smaller than this are not held to the compression ratio (they inflate to little anyway).
RATIO_FLOOR = 1 << 20
#: Excel's own limit of the characters in one cell.
CELL_MAX_CHARS = 32_767
#: The relationships, sheets and styles a workbook may list (Excel allows 64,000 styles).
PARTS_MAX = 100_000
_CHUNK = 1 << 16
#: What a damaged workbook raises while it is read.
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    expat.ExpatError,
    KeyError,
    ValueError,
    IndexError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)
_OFFICE_DOCUMENT = "/officeDocument"


@dataclass(frozen=True)
class XlsxLimits:
    """How large an .xlsx sheet may be (``ANJU_IMPORT_XLSX_*``)."""

    max_rows: int = 1_000_000
    max_columns: int = 256
    max_cells: int = 10_000_000
    max_unzipped_bytes: int = 256 * 1024 * 1024
    max_ratio: int = 100

    @classmethod
    def of(cls, settings: Settings) -> XlsxLimits:
        return cls(
            settings.import_xlsx_max_rows,
            settings.import_xlsx_max_columns,
            settings.import_xlsx_max_cells,
            settings.import_xlsx_max_unzipped_bytes,
            settings.import_xlsx_max_ratio,
        )


def _broken(e: BaseException) -> FileRejected:
    return FileRejected(f"不是有效的 Excel (.xlsx) 文件：{type(e).__name__}")


def check_zip(zf: zipfile.ZipFile, limits: XlsxLimits) -> None:
    """Refuse a zip whose members would inflate beyond the limits, before any of them is read."""
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise FileRejected(
            f"文件解压后共 {total} 字节，超过上限 {limits.max_unzipped_bytes} 字节"
            "（ANJU_IMPORT_XLSX_MAX_UNZIPPED_BYTES）；请拆分文件或另存为 CSV 后导入"
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise FileRejected(
                f"文件中有成员的压缩比为 {ratio}:1，超过上限 {limits.max_ratio}:1"
                "（ANJU_IMPORT_XLSX_MAX_RATIO），不像正常的 Excel 文件；请另存为 CSV 后导入"
            )


_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    """A tag's or attribute's name without its prefix ("x:row" → "row"); namespaces are not processed."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rpartition(":")[2]
        if len(_LOCAL) < 10_000:
            _LOCAL[tag] = name
    return name


def _column(ref: str) -> int:
    """The column number of a cell reference ("AB12" → 28); 0 when it has no letters."""
    n = 0
    for ch in ref:
        if not "A" <= ch <= "Z":
            break
        n = n * 26 + ord(ch) - 64
        if n > 16_384:
            raise ValueError("column beyond XFD")
    return n


def _row_of(ref: str) -> int:
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(digits) if digits.isdigit() else 0


class _Target:
    """An expat handler of one XML part: start, end and text callbacks, no tree built."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise NotImplementedError

    def end(self, tag: str) -> None:
        raise NotImplementedError

    def data(self, text: str) -> None:
        pass


def _no_dtd(*_: Any) -> None:
    raise FileRejected("不是有效的 Excel (.xlsx) 文件：XML 中含有 DTD")


def _feed(zf: zipfile.ZipFile, name: str, target: _Target) -> Iterator[None]:
    """Feed a member to an expat parser calling ``target``, chunk by chunk; yields after every chunk. A
    DTD is refused (no entity is ever expanded)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target.data
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    with zf.open(name) as src:
        while chunk := src.read(_CHUNK):
            parser.Parse(chunk, False)
            yield
    parser.Parse(b"", True)


class _Attributes(_Target):
    """The attributes of the elements of some local names, in order (relationships, sheets, styles)."""

    def __init__(self, wanted: set[str]) -> None:
        self.wanted = wanted
        self.found: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.path: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name in self.wanted:
            if len(self.found) >= PARTS_MAX:
                raise FileRejected(f"不是有效的 Excel (.xlsx) 文件：元素 {name} 超过 {PARTS_MAX} 个")
            self.found.append((name, {_local(k): v for k, v in attrib.items()}, tuple(self.path)))
        self.path.append(name)

    def end(self, tag: str) -> None:
        self.path.pop()


def _attributes(zf: zipfile.ZipFile, name: str, *wanted: str) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    target = _Attributes(set(wanted))
    for _ in _feed(zf, name, target):
        pass
    return target.found


class _Strings(_Target):
    """The shared strings (``sharedStrings.xml``): each ``<si>``'s text, without phonetic runs."""

    def __init__(self, limit: int) -> None:
        self.strings: list[str] = []
        self.limit = limit
        self.buf: list[str] | None = None
        self.collect = False
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        if name == "si":
            self.buf = []
        elif name == "t" and not self.phonetic:
            self.collect = self.buf is not None
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.collect and self.buf is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "t":
            self.collect = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si" and self.buf is not None:
            if len(self.strings) >= self.limit:
                raise FileRejected(f"共享字符串超过 {self.limit} 个的上限（ANJU_IMPORT_XLSX_MAX_CELLS）")
            self.strings.append("".join(self.buf))
            self.buf = None


class _Sheet(_Target):
    """The rows of a worksheet, as they are parsed: ``rows`` collects the finished ones."""

    def __init__(self, book: _Book, limits: XlsxLimits) -> None:
        self.book = book
        self.limits = limits
        self.rows: list[tuple[int, list[Any]]] = []
        self.row_n = 0
        self.col = 0
        self.cells: list[tuple[int, Any]] = []
        self.width = 0
        self.total = 0
        self.kind = "n"
        self.style: str | None = None
        self.buf: list[str] = []
        self.chars = 0
        self.collect = False
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "v":
            self.collect = True
        elif name == "c":
            ref = attrib.get("r")
            self.col = (_column(ref) or self.col + 1) if ref else self.col + 1
            if self.col > self.limits.max_columns or len(self.cells) >= self.limits.max_columns:
                raise FileRejected(
                    f"该行第 {max(self.col, len(self.cells) + 1)} 列有内容，超过上限 "
                    f"{self.limits.max_columns} 列（ANJU_IMPORT_XLSX_MAX_COLUMNS）",
                    self.row_n,
                )
            self.kind, self.style, self.buf, self.chars = attrib.get("t", "n"), attrib.get("s"), [], 0
        elif name == "t" and not self.phonetic:
            self.collect = True
        elif name == "rPh":
            self.phonetic += 1
        elif name == "row":
            r = attrib.get("r", "")
            self.row_n = int(r) if r.isdigit() else self.row_n + 1
            if self.row_n > self.limits.max_rows:
                raise FileRejected(
                    f"工作表超过 {self.limits.max_rows} 行的上限（ANJU_IMPORT_XLSX_MAX_ROWS）", self.row_n
                )
            self.col = self.width = 0
            self.cells = []
        elif name == "dimension":
            self._dimension(attrib.get("ref", ""))

    def data(self, text: str) -> None:
        if self.collect:
            self.chars += len(text)
            if self.chars > CELL_MAX_CHARS:
                raise FileRejected(f"单元格内容超过 {CELL_MAX_CHARS} 个字符（Excel 的上限）", self.row_n)
            self.buf.append(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name in ("v", "t"):
            self.collect = False
        elif name == "c":
            kind, raw = self.kind, "".join(self.buf)
            value = raw if kind in ("inlineStr", "str") else self.book.value(kind, self.style, raw)
            self.cells.append((self.col, value))
            self.width = max(self.width, self.col)
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "row":
            width = self.width
            self.total += width
            if self.total > self.limits.max_cells:
                raise FileRejected(
                    f"工作表超过 {self.limits.max_cells} 个单元格的上限（ANJU_IMPORT_XLSX_MAX_CELLS）", self.row_n
                )
            values: list[Any] = [None] * width
            for c, v in self.cells:
                values[c - 1] = v
            self.rows.append((self.row_n, values))

    def _dimension(self, ref: str) -> None:
        """Refuse a sheet whose declared dimension exceeds the limits (before any row is read)."""
        last = ref.rpartition(":")[2]
        rows, cols = _row_of(last), _column(last)
        if not rows or not cols:
            return  # no usable dimension: the rows are checked as they are read
        limits, where = self.limits, f"（工作表声明的范围为 {ref}）"
        if rows > limits.max_rows:
            raise FileRejected(f"工作表有 {rows} 行，超过上限 {limits.max_rows} 行（ANJU_IMPORT_XLSX_MAX_ROWS）{where}")
        if cols > limits.max_columns:
            raise FileRejected(
                f"工作表有 {cols} 列，超过上限 {limits.max_columns} 列（ANJU_IMPORT_XLSX_MAX_COLUMNS）{where}"
            )
        if rows * cols > limits.max_cells:
            raise FileRejected(
                f"工作表有 {rows * cols} 个单元格，超过上限 {limits.max_cells} 个（ANJU_IMPORT_XLSX_MAX_CELLS）{where}"
            )


class _Book:
    """What reading a sheet needs from its workbook: where the first sheet is, the shared strings, which
    styles are dates, the date system."""

    def __init__(self, zf: zipfile.ZipFile, limits: XlsxLimits) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        self.from_excel = from_excel
        names = set(zf.namelist())
        book = next(
            (
                a["Target"]
                for _, a, _ in _attributes(zf, "_rels/.rels", "Relationship")
                if a.get("Type", "").endswith(_OFFICE_DOCUMENT)
            ),
            "xl/workbook.xml",
        ).lstrip("/")
        folder, base = posixpath.split(book)
        rels = {
            a["Id"]: (a.get("Type", ""), self._part(folder, a.get("Target", "")))
            for _, a, _ in _attributes(zf, f"{folder}/_rels/{base}.rels", "Relationship")
        }
        found = _attributes(zf, book, "sheet", "workbookPr")
        first = next(a for n, a, _ in found if n == "sheet")
        self.sheet = rels[first["id"]][1]
        pr = next((a for n, a, _ in found if n == "workbookPr"), {})
        self.epoch = CALENDAR_MAC_1904 if pr.get("date1904") in ("1", "true") else CALENDAR_WINDOWS_1900
        self.strings: list[str] = []
        self.dates: set[int] = set()
        self.durations: set[int] = set()
        for kind, part in rels.values():
            if kind.endswith("/sharedStrings") and part in names:
                target = _Strings(limits.max_cells)
                for _ in _feed(zf, part, target):
                    pass
                self.strings = target.strings
            elif kind.endswith("/styles") and part in names:
                styles = _attributes(zf, part, "numFmt", "xf")
                formats = {
                    **BUILTIN_FORMATS,
                    **{int(a["numFmtId"]): a.get("formatCode", "") for n, a, _ in styles if n == "numFmt"},
                }
                xfs = [int(a.get("numFmtId", "0")) for n, a, path in styles if n == "xf" and path[-1:] == ("cellXfs",)]
                for i, fmt_id in enumerate(xfs):
                    code = formats.get(fmt_id, "")
                    if is_date_format(code):
                        self.dates.add(i)
                        if is_timedelta_format(code):
                            self.durations.add(i)

    @staticmethod
    def _part(folder: str, target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))

    def value(self, kind: str, style: str | None, raw: str) -> Any:
        """A cell's value (other than an inline string): shared strings, numbers, dates, booleans; errors and
        ISO dates as their text."""
        if raw == "":
            return None
        if kind == "s":
            return self.strings[int(raw)]
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind != "n":
            return raw  # str (a formula's text), e (an error such as #N/A), d (an ISO date)
        number: float | int = float(raw) if any(ch in raw for ch in ".eEnN") else int(raw)
        if style and int(style) in self.dates:
            try:
                return self.from_excel(number, self.epoch, timedelta=int(style) in self.durations)
            except (OverflowError, ValueError):
                pass
        return number


def _rows(zf: zipfile.ZipFile, book: _Book, limits: XlsxLimits) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, values) of every row of the first sheet, read as it inflates."""
    sheet = _Sheet(book, limits)
    feed = _feed(zf, book.sheet, sheet)
    while True:
        try:
            more = next(feed, False) is None
        except _BROKEN as e:
            raise _broken(e) from None
        yield from sheet.rows
        sheet.rows.clear()
        if not more:
            return


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def read_xlsx(data: bytes, limits: XlsxLimits) -> SheetData:
    """Open the first sheet of an .xlsx file within ``limits``; its rows are read as a stream, each time
    :meth:`SheetData.rows` is iterated."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        check_zip(zf, limits)
        book = _Book(zf, limits)
    except _BROKEN as e:
        raise _broken(e) from None
    except StopIteration:
        raise FileRejected("不是有效的 Excel (.xlsx) 文件：工作簿中没有工作表") from None
    header: list[str] | None = None
    header_row = 0
    for n, values in _rows(zf, book, limits):
        texts = [cell_text(c) for c in values]
        if "".join(texts).strip():
            header, header_row = texts, n
            break
    if header is None:
        raise FileRejected("工作表是空的或没有表头行（读取第一个工作表）", 1)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for n, values in _rows(zf, book, limits):
            if n <= header_row:
                continue
            texts = [c if type(c) is str else cell_text(c) for c in values]
            if "".join(texts).strip():
                yield n, texts

    return SheetData("xlsx", None, header, rows)
