"""CSV files that a spreadsheet opens safely: no formulas run, Chinese text intact."""
import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR can hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell that could run as a formula gets a leading apostrophe; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(rows: Iterable[Sequence]) -> bytes:
    """The rows as CSV in UTF-8 with a byte-order mark, so Excel reads Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
