"""Amounts as finance exports write them: thousands separators, currency signs, accounting
negatives `(12.50)`, full-width digits, decimal commas, and a lone dash for zero.

The decimal mark is decided once per file (`decimal_mark`), never per cell, so that `1,234` means
the same number on every row.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

_CURRENCY = re.compile(r"(?i)^(?:rmb|cny|usd|eur|gbp)|(?:rmb|cny|usd|eur|gbp|元|万元|亿元)$|[¥$€£]")
_GROUPING_SPACES = re.compile(r"[\s\u00a0\u2009\u202f'’_]")
_DASHES = {"-", "–", "—", "−"}
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})*,\d+$|^[+-]?\d+,\d+$")
_POINT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})*\.\d+$")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = _CURRENCY.sub("", text).strip()
    return _GROUPING_SPACES.sub("", text).replace("−", "-")


def decimal_mark(cells, delimiter: str = ",") -> str:
    """`','` when the file writes decimal commas (1.234,56 or 12,5), else `'.'`.

    A comma followed by exactly three digits (1,234) is a thousands separator unless the file
    is semicolon-separated with no point-decimal cell anywhere: that is how European Excel
    writes its CSVs.
    """
    comma = point = 0
    for cell in cells:
        if not isinstance(cell, str):
            continue
        text = _clean(cell).strip("()")
        if _COMMA_DECIMAL.match(text) and not re.search(r",\d{3}$", text):
            comma += 1
        elif _POINT_DECIMAL.match(text) or ("." in text and "," not in text and _PLAIN.match(text)):
            point += 1
    if comma and not point:
        return ","
    if not comma and not point and delimiter == ";" and any(
            isinstance(c, str) and re.search(r"\d,\d", c) for c in cells):
        return ","
    return "."


def to_amount(value, decimal: str = ".") -> float:
    """One cell as a float; NaN when empty; ValueError when it is not an amount."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    text = _clean(str(value))
    if text == "":
        return np.nan
    if text in _DASHES:  # accounting formats show zero as a dash, and CSV exports keep it
        return 0.0
    sign = 1.0
    if text.startswith("(") and text.endswith(")"):
        sign, text = -1.0, text[1:-1]
    elif text.endswith("-") and text[:-1].replace(".", "").replace(",", "").isdigit():
        sign, text = -1.0, text[:-1]
    text = text.replace(".", "").replace(",", ".") if decimal == "," else text.replace(",", "")
    if not _PLAIN.match(text):
        raise ValueError(value)
    number = sign * float(text)
    if not np.isfinite(number):
        raise ValueError(value)
    return number
