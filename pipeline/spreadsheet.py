"""CSV cells that spreadsheet programs will not run as formulas.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula, and a formula can fetch URLs or run
commands. Transcript text, manifest metadata and memos are typed by other people, so every
text cell qualflow writes to a CSV goes through ``safe_cell``: such a cell gets a leading
``'``, which spreadsheets show as text and do not display.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run; other values as they are."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def cell_text(value: str) -> str:
    """What ``safe_cell`` was given, for reading a CSV qualflow wrote (``'s-Hertogenbosch`` stays)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS and value[1:2] else value
