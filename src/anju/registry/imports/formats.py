"""Reading a 楼盘表 file: format sniffing and CSV decoding (UTF-8, GB18030/GBK, UTF-16); .xlsx sheets are
read by :mod:`anju.core.xlsx`."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator

from anju.core import xlsx
from anju.core.sheet import FileRejected, SheetData
from anju.core.xlsx import XlsxLimits


def decode_csv(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise FileRejected(f"文件以 UTF-8 标记开头，但第 {e.start} 字节起不是有效的 UTF-8 内容") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileRejected("文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本") from None
    if b"\x00" in data[:65536]:
        raise FileRejected("文件含有二进制内容，不是文本格式的 CSV；请上传 CSV 或 .xlsx 文件")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected(
            "无法识别文件编码：支持 UTF-8（可带 BOM）、GBK/GB18030 和带 BOM 的 UTF-16；请另存为 UTF-8 后重新上传"
        ) from None
    # Mis-decoded bytes land in the private-use area; a genuine GBK file never does.
    if any("\ue000" <= ch <= "\uf8ff" for ch in text):
        raise FileRejected("文件编码不受支持（不是 UTF-8 也不是 GBK/GB18030）；请另存为 UTF-8 后重新上传")
    return text, "gb18030"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _csv_sheet(data: bytes) -> SheetData:
    text, encoding = decode_csv(data)
    bad = _CONTROL.search(text)
    if bad:
        raise FileRejected(f"文件含有控制字符（位置 {bad.start()}），不是有效的 CSV 文本；可能是二进制文件")
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","

    def reader() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        except csv.Error as e:
            raise FileRejected(f"CSV 格式错误：{e}") from None

    it = reader()
    header = next(it, None)
    if header is None or not any(h.strip() for h in header):
        raise FileRejected("文件是空的或没有表头行", 1)

    def rows() -> Iterator[tuple[int, list[str]]]:
        r = reader()
        next(r, None)
        for n, cells in enumerate(r, start=2):
            if "".join(cells).strip():
                yield n, cells

    return SheetData("csv", encoding, header, rows)


def read_sheet(data: bytes, filename: str, limits: XlsxLimits | None = None) -> SheetData:
    """Sniff the format from the content (the file name only breaks ties) and open the first sheet; an
    .xlsx file is checked against ``limits`` before it is read."""
    name = filename.lower()
    if not data.strip():
        raise FileRejected("文件是空的")
    if data.startswith(b"PK\x03\x04"):
        return xlsx.read_xlsx(data, limits or XlsxLimits())
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("不支持旧版 Excel (.xls) 文件；请在 Excel 中另存为 .xlsx 或 CSV")
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRejected("文件扩展名是 .xlsx，但内容不是 Excel 文件")
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise FileRejected("文件是二进制文件（PDF、图片或压缩包），不是 CSV 或 .xlsx")
    return _csv_sheet(data)
