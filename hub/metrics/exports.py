"""CSV and XLSX files of the dashboard's tables (openpyxl writes the workbook).

A cell that starts like a formula (``=``, ``+``, ``-``, ``@``) is written as text with a leading
apostrophe, so an announcement titled "=HYPERLINK(...)" cannot run in a manager's spreadsheet.
Times are Berlin wall-clock times (spreadsheets know no zones), durations are minutes and
shares are fractions (formatted as percent in the workbook).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hub.metrics.tables import Column, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def safe_text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def header(column: Column) -> str:
    label = str(column.label)
    return f"{label} (min)" if column.kind == "duration" else label


def cell_value(value: Any, column: Column, zone: ZoneInfo) -> Any:
    """A table value as a spreadsheet holds it (see the module's docstring)."""
    if value is None:
        return None
    if column.kind == "duration":
        return round(float(value) / 60, 1)
    if column.kind == "percent":
        return round(float(value), 4)
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_bytes(table: Table, zone: ZoneInfo) -> bytes:
    """One table as CSV (UTF-8 with a byte-order mark, so Excel shows umlauts right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(header(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(cell_value(row.get(c.key), c, zone)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def xlsx_bytes(tables: Sequence[Table], zone: ZoneInfo) -> bytes:
    """One sheet per table, headers bold, numbers as numbers, dates as dates."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(str(table.title), table.key, used))
        title = WriteOnlyCell(sheet, value=safe_text(str(table.title)))
        title.font = bold
        sheet.append([title])
        sheet.append(_header_cells(sheet, table.columns, bold))
        for row in table.rows:
            sheet.append(_row_cells(sheet, row, table.columns, zone))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, key: str, used: set[str]) -> str:
    name = (title.translate(SHEET_FORBIDDEN).strip("'") or key)[:31]
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _header_cells(sheet: Any, columns: Iterable[Column], bold: Font) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_text(header(column)))
        cell.font = bold
        cells.append(cell)
    return cells


def _row_cells(
    sheet: Any, row: dict[str, Any], columns: Iterable[Column], zone: ZoneInfo
) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=cell_value(row.get(column.key), column, zone))
        if column.kind == "percent":
            cell.number_format = "0.0%"
        elif column.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        elif column.kind == "datetime":
            cell.number_format = "yyyy-mm-dd hh:mm"
        cells.append(cell)
    return cells
