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
_AMOUNT_CHARS = re.compile(r"^[\d.,]+$")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = _CURRENCY.sub("", text).strip()
    return _GROUPING_SPACES.sub("", text).replace("−", "-")


def _decimal_evidence(cell) -> str | None:
    """The decimal mark a cell proves ('.' or ','), or None when it cannot tell (1,234 or 1.234)."""
    text = _clean(cell).strip("()+-")
    marks = [c for c in text if c in ".,"]
    if not marks or not _AMOUNT_CHARS.match(text):
        return None
    last = marks[-1]
    head, tail = text.rsplit(last, 1)
    if marks.count(last) > 1:  # 1.234.567: a repeated mark groups thousands
        return "," if last == "." else "."
    if len(marks) > 1 or len(tail) != 3 or len(head.replace(",", "").replace(".", "")) > 3 or head in ("", "0"):
        return last
    return None


def decimal_mark(cells, delimiter: str = ",") -> str:
    """The file's decimal mark, from the cells that prove it (12,5 or 1.234,56 for a comma; 12.5
    or 1,234.56 for a point), by majority. When no cell proves it (every mark groups three
    digits, as in 1,234), a semicolon file has decimal commas (European Excel), others points.
    """
    votes = [e for cell in cells if isinstance(cell, str) and (e := _decimal_evidence(cell))]
    if votes:
        return "," if votes.count(",") > votes.count(".") else "."
    ambiguous = any(isinstance(c, str) and re.search(r"\d[.,]\d", c) for c in cells)
    return "," if ambiguous and delimiter == ";" else "."


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
