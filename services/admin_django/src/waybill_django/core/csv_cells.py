"""Cells of CSV files people open in spreadsheets."""

from typing import Final

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value``, with a text that a spreadsheet would run as a formula made inert (OWASP: a leading ``'``)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
