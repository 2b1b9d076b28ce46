"""CSV and xlsx bodies of the credit exports (``anju.core.csvout``; xlsx in openpyxl's write-only mode,
every text cell kept as text and defused like a CSV cell)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from anju.core import csvout

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, XLSX: {}}, "description": "CSV（UTF-8 带 BOM）或 xlsx，个人信息已脱敏"}
}


def xlsx_bytes(sheet: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(list(columns))
    for r in rows:
        cells: list[Any] = []
        for raw in r:
            v = csvout.cell(raw)
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export(fmt: str, name: str, sheet: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    if fmt == "xlsx":
        body, media = xlsx_bytes(sheet, columns, rows), XLSX
    else:
        body, media = csvout.to_bytes(columns, rows), CSV
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})
