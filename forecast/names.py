"""Names as users write them: the column headings the contract knows under other names, the
words that mark a total, and line-item names that only look different.

Every comparison goes through `folded`: Unicode NFKC (full-width letters and digits become
half-width), surrounding spaces dropped, case folded. Two line items whose folded names are equal
are almost always one item typed twice, so they are an error, not two series.
"""
from __future__ import annotations

import unicodedata

# Headings read as the contract's columns (compared folded). Only where the contract's own name
# is absent; "收入"/"revenue" alone mean `value` only in a long table (beside a component column).
DATE_ALIASES = frozenset({"date", "日期", "月份", "年月", "期间", "账期", "时间", "统计月份", "月度", "period", "month",
                          "ds"})
COMPONENT_ALIASES = frozenset({"component", "项目", "收入项目", "科目", "业务", "line item", "item"})
VALUE_ALIASES = frozenset({"value", "金额", "收入", "数值", "amount", "revenue", "y"})
GROUP_ALIASES = frozenset({"group", "类别", "分类"})

# A line item, a column or a row with one of these names is a total of the others.
TOTAL_WORDS = frozenset({"合计", "总计", "总收入", "收入合计", "总额", "total", "sum", "all", "grand total",
                         "total revenue"})


SUBTOTAL_WORDS = ("小计", "subtotal", "sub-total", "sub total")


def is_subtotal(name) -> bool:
    """A subtotal sums the line items listed just before it (固定收入小计, Subtotal fixed)."""
    text = folded(name)
    return any(word in text for word in SUBTOTAL_WORDS)


def folded(name) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().casefold()


def canonical_header(name) -> str | None:
    """The contract column a heading stands for (`date`, `component`, `value`, `group`), or None."""
    text = folded(name)
    for canonical, aliases in (("date", DATE_ALIASES), ("component", COMPONENT_ALIASES),
                               ("value", VALUE_ALIASES), ("group", GROUP_ALIASES)):
        if text in aliases:
            return canonical
    return None


def is_total(name) -> bool:
    return folded(name) in TOTAL_WORDS


def rename_headers(columns: list) -> list[str]:
    """Headings stripped, and the contract's names put where an alias stands for them: `date`
    always; `component`, `value` and `group` only when both component and value are found (a
    long table), since in a wide table such a heading may be a line item."""
    names = [str(c).strip() for c in columns]
    found = {}
    for i, name in enumerate(names):
        canonical = canonical_header(name)
        if canonical and canonical not in found:
            found[canonical] = i
    long = "component" in found and "value" in found
    for canonical, i in found.items():
        if canonical == "date" or long:
            names[i] = canonical
    return names


def clashing(names) -> list[list[str]]:
    """Groups of distinct names that differ only in case, width or surrounding spaces."""
    by_fold: dict[str, list[str]] = {}
    for name in dict.fromkeys(str(n) for n in names):
        by_fold.setdefault(folded(name), []).append(name)
    return [group for group in by_fold.values() if len(group) > 1]
