"""HTML_CodeSniffer's H43 check of a page's tables, written out: the header cells a data cell names must
be exactly those that apply to it, wherever a table's headers nest."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    header: bool
    attrs: dict[str, str]
    rowspan: int
    colspan: int


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if "id" in named:
            self.ids.append(named["id"])
        if tag == "table":
            self.tables.append(Table())
        elif tag == "tr":
            self.tables[-1].rows.append([])
        elif tag in ("th", "td"):
            span = (int(named.get("rowspan", "1")), int(named.get("colspan", "1")))
            self.tables[-1].rows[-1].append(Cell(tag == "th", named, *span))


def _grid(table: Table) -> dict[tuple[int, int], Cell]:
    """Each slot of the table (row, column) and the cell covering it, spans laid out as a browser does."""
    grid: dict[tuple[int, int], Cell] = {}
    for row_index, row in enumerate(table.rows):
        column = 0
        for cell in row:
            while (row_index, column) in grid:
                column += 1
            for down in range(cell.rowspan):
                for across in range(cell.colspan):
                    grid[row_index + down, column + across] = cell
            column += cell.colspan
    return grid


def explicit_header_problems(html: str) -> list[str]:
    """H43's check: in a table whose headers nest (a header spanning rows or columns, or a row group),
    every header cell has an id, unique in the page, and every data cell's `headers` names exactly the
    header cells that apply to it: the row headers to its left and the column headers above it."""
    parser = _Tables()
    parser.feed(html)
    problems = [f"id {i!r} is used twice" for i in sorted(set(parser.ids)) if parser.ids.count(i) > 1]
    for number, table in enumerate(parser.tables, start=1):
        cells = [cell for row in table.rows for cell in row]
        nested = any(
            c.header and (c.rowspan > 1 or c.colspan > 1 or c.attrs.get("scope", "").endswith("group"))
            for c in cells
        )
        problems += [
            f"table {number}: a header cell has no scope"
            for c in cells
            if c.header and "scope" not in c.attrs
        ]
        if not nested:
            continue
        problems += [
            f"table {number}: a header cell has no id" for c in cells if c.header and "id" not in c.attrs
        ]
        grid = _grid(table)
        for (row, column), cell in grid.items():
            if cell.header or grid.get((row, column - 1)) is cell or grid.get((row - 1, column)) is cell:
                continue  # a header, or a slot of a spanning cell counted at its first slot
            applying = {
                other.attrs.get("id", "?")
                for (other_row, other_column), other in grid.items()
                if other.header
                and (
                    (
                        other_row == row
                        and other_column < column
                        and other.attrs.get("scope", "").startswith("row")
                    )
                    or (
                        other_column == column
                        and other_row < row
                        and other.attrs.get("scope", "").startswith("col")
                    )
                )
            }
            named = set(cell.attrs.get("headers", "").split())
            if named != applying:
                problems.append(
                    f"table {number}, row {row + 1}: headers {sorted(named)}, should be {sorted(applying)}"
                )
    return problems
