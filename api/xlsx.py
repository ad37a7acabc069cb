"""/compare/matrix as an Excel workbook: the city × type table, and every instrument with its quote
and a link to its source span.

Excel-friendly: the header row is frozen (and the city column on the first sheet), columns have
widths, amounts are numbers (yuan), lists are joined with "; ". The header cells are the names of
the JSON answer's columns, so a sheet's row and the JSON row read alike.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from graph.compare import COMPARE_CSV_COLUMNS

# /compare's columns, less what a sheet of instruments only does not need (every row funds; the
# amount in 万元 and the year are the amount and the date again)
INSTRUMENT_COLUMNS = [c for c in COMPARE_CSV_COLUMNS if c not in ("funds", "note", "amount_wan", "measure", "year")]
_WIDE = {"quote": 60, "terms": 28, "policy_title": 36, "recipient": 24, "lead_agencies": 24,
         "responsible_agencies": 30, "source": 40, "note": 40}


def excel_value(value: Any) -> Any:
    """Numbers and text as they are, lists joined, yes/no for booleans, empty for None."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _sheet(sheet: Any, columns: Sequence[str], rows: Sequence[Mapping[str, Any]], freeze: str) -> None:
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([excel_value(row.get(c)) for c in columns])
    sheet.freeze_panes = freeze
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDE.get(column, max(10, min(len(column) + 2, 30)))


def matrix_workbook(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    instruments: Sequence[Mapping[str, Any]],
    base_url: str,
) -> bytes:
    """Sheet "matrix": `rows` (the matrix's JSON rows) under `columns`; sheet "instruments": every
    instrument (the /compare rows) with its source as an absolute link from `base_url`."""
    book = Workbook()
    matrix = book.active
    matrix.title = "matrix"
    _sheet(matrix, columns, rows, "B2")
    sheet = book.create_sheet("instruments")
    linked = [{**row, "source": base_url.rstrip("/") + row["source"]} for row in instruments]
    _sheet(sheet, INSTRUMENT_COLUMNS, linked, "A2")
    source_column = INSTRUMENT_COLUMNS.index("source") + 1
    for line in sheet.iter_rows(min_row=2, min_col=source_column, max_col=source_column):
        for cell in line:
            if cell.value:
                cell.hyperlink = cell.value
                cell.style = "Hyperlink"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
