"""Strategies as data: what each one models, and how the modelled series are shared out to the
levels it does not model. `split` and `direct` are the case study's two built-in groupings of the
line items (by class, and all together); a user's `[groupings.NAME]` is another. Adding a
strategy is one more case in `plan`.

Whatever the strategy, the result is coherent: line items sum to their group and the groups to
the total. A level a strategy does not model is derived from one it does: sums upward, forecast
proportions downward (each line item's share of its parent in the line items' own forecasts).
"""
from __future__ import annotations

from dataclasses import dataclass

from forecast.revenue import GROUPS

BUILT_IN = ("direct", "split", "components")  # what `forecast backtest` compares by default
STRATEGIES = (*BUILT_IN, "auto")
AUTO_CANDIDATES = ("components", "split", "direct")  # and the config's groupings; components first

TOTAL = "total"
GROUP_PREFIX = "group:"


def group_name(group: str) -> str:
    return GROUP_PREFIX + group


def grouping_series(grouping: str, group: str) -> str:
    """Name of one group of a user-defined grouping, e.g. `by_business:mobile`."""
    return f"{grouping}:{group}"


def present_groupings(groupings: dict, components) -> dict[str, dict[str, list[str]]]:
    """The config's groupings restricted to the line items present (a line item that starts
    later is simply absent at early backtest origins); empty groups dropped."""
    have = set(components)
    out = {}
    for name, parts in groupings.items():
        kept = {g: [c for c in members if c in have] for g, members in parts.items()}
        out[name] = {g: members for g, members in kept.items() if members}
    return out


@dataclass(frozen=True)
class Plan:
    """`base`: the series the strategy models; `shares`: (parent, children, top), in order, each
    modelled or already shared-out parent divided among its children by their own forecasts'
    proportions (the label says `top-down(top)`). Groups and the total that no share produces
    are summed up from below."""

    base: tuple[str, ...]
    shares: tuple[tuple[str, tuple[str, ...], str], ...] = ()


def plan(strategy: str, members: dict[str, list[str]], groupings: dict | None = None) -> Plan:
    """The plan of `strategy` for line items `members` (group -> its line items, in the order
    sums are taken); `groupings` are the config's (already restricted to the items present)."""
    items = tuple(c for g in GROUPS for c in members.get(g, []))
    groups = tuple(group_name(g) for g in GROUPS if members.get(g))
    by_group = tuple((group_name(g), tuple(members[g])) for g in GROUPS if members.get(g))
    if strategy in ("components", "auto"):
        return Plan(items)
    if strategy == "split":
        return Plan(groups, tuple((parent, children, parent) for parent, children in by_group))
    if strategy == "direct":
        return Plan((TOTAL,), ((TOTAL, groups, TOTAL),) + tuple((parent, children, TOTAL) for parent, children
                                                                in by_group))
    parts = (groupings or {}).get(strategy, {})
    named = tuple((grouping_series(strategy, g), tuple(children)) for g, children in parts.items())
    return Plan(tuple(name for name, _ in named), tuple((name, children, name) for name, children in named))
