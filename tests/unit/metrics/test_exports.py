"""CSV and XLSX files hold exactly the table, safely (no formulas from titles), in Berlin time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from hub.metrics.exports import csv_bytes, safe_text, xlsx_bytes
from hub.metrics.tables import Column, Table

BERLIN = ZoneInfo("Europe/Berlin")


def table() -> Table:
    return Table(
        "top",
        "Top announcements",
        [
            Column("title", "Announcement", "text"),
            Column("published_at", "Published", "datetime"),
            Column("day", "Day", "date"),
            Column("views", "Views"),
            Column("reach", "Reach"),
            Column("wait", "Median time to first answer", "duration"),
            Column("share", "Answered within 24 hours", "percent"),
        ],
        [
            {
                "title": "Sperrung Kortumstraße",
                "published_at": datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
                "day": date(2026, 7, 1),
                "views": 1234,
                "reach": None,
                "wait": 5400.0,
                "share": 0.75,
            },
            {"title": '=HYPERLINK("http://evil")', "views": 5},
        ],
    )


def test_csv_has_the_rows_with_berlin_times_and_no_formulas() -> None:
    text = csv_bytes(table(), BERLIN).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "Announcement",
        "Published",
        "Day",
        "Views",
        "Reach",
        "Median time to first answer (min)",
        "Answered within 24 hours",
    ]
    assert rows[1] == [
        "Sperrung Kortumstraße",
        "2026-07-01T10:00:00",  # 08:00 UTC is 10:00 in Berlin in summer
        "2026-07-01",
        "1234",
        "",  # not reported: empty, not 0
        "90.0",
        "0.75",
    ]
    assert rows[2][0] == '\'=HYPERLINK("http://evil")'


def test_xlsx_has_a_sheet_with_typed_cells() -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes([table(), table()], BERLIN)))
    assert workbook.sheetnames == ["Top announcements", "Top announcements (2)"]
    sheet = workbook["Top announcements"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Top announcements"
    assert values[1][3] == "Views"
    first = values[2]
    assert first[0] == "Sperrung Kortumstraße"
    assert first[1] == datetime(2026, 7, 1, 10, 0)
    assert first[3] == 1234 and first[4] is None
    assert first[5] == 90.0 and first[6] == 0.75
    assert sheet.cell(row=3, column=7).number_format == "0.0%"
    assert values[3][0].startswith("'=")  # text, never a formula


def test_safe_text_leaves_normal_text_alone() -> None:
    assert safe_text("Bochum Total") == "Bochum Total"
    assert safe_text("-5 Grad") == "'-5 Grad"
    assert safe_text("@stadt_bochum") == "'@stadt_bochum"
