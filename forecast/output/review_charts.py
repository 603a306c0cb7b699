"""The review's charts: bridges (waterfalls) of the total by line item, and each series' month
against the interval forecast a month earlier. Each takes `ax=None` and returns the Figure."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.output.axes import amount_axis
from forecast.output.plot import with_cjk_fonts
from forecast.output.review_text import amount, series_name, unit_name

UP, DOWN, ENDS = "#2e7d32", "#c62828", "#455a64"


@with_cjk_fonts
def plot_bridge(bridge: pd.DataFrame, *, start_label: str, end_label: str, title: str = "", unit: str | None = None,
                lang: str = "en", ax=None):
    """Waterfall from the first row's amount (step `start`) through each item's change to the
    last's (`end`): rises green, falls red, each bar labelled with its amount."""
    fig = ax.figure if ax is not None else plt.figure(figsize=(9, 4.2))
    ax = ax or fig.add_subplot(111)
    start, end = bridge.iloc[0]["amount"], bridge.iloc[-1]["amount"]
    steps = bridge[bridge["step"] == "item"]
    names = [start_label] + [series_name(s, lang) for s in steps["series"]] + [end_label]
    level, bottoms, heights, colours = start, [0.0], [start], [ENDS]
    for change in steps["amount"]:
        bottoms.append(level if change >= 0 else level + change)
        heights.append(abs(change))
        colours.append(UP if change >= 0 else DOWN)
        level += change
    bottoms.append(0.0)
    heights.append(end)
    colours.append(ENDS)
    x = np.arange(len(names))
    ax.bar(x, heights, bottom=bottoms, color=colours, width=0.62)
    for i in range(len(names) - 1):  # connectors at the running level
        top = bottoms[i] + heights[i] if colours[i] != DOWN else bottoms[i]
        ax.plot([i + 0.31, i + 0.69], [top, top], color="grey", lw=0.7)
    changes = [start, *steps["amount"], end]
    for i, value in enumerate(changes):
        sign = "+" if 0 < i < len(changes) - 1 and value >= 0 else ""
        ax.annotate(f"{sign}{amount(value, lang)}", (i, bottoms[i] + heights[i]), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    # the ends dwarf the changes: start the axis near the lowest running level
    low = min(min(b for b in bottoms[1:-1]) if len(bottoms) > 2 else start, start, end)
    high = max(b + h for b, h in zip(bottoms, heights))
    ax.set_ylim(low - (high - low) * 0.35, high + (high - low) * 0.12)
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    amount_axis(ax, "收入" if lang == "zh" else "revenue", unit_name(unit, lang))
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


@with_cjk_fonts
def plot_month_check(check: pd.DataFrame, *, title: str = "", lang: str = "en", ax=None):
    """Each series' actual against the forecast made a month earlier, in % of that forecast:
    the 95% and 80% intervals as bars, the actual as a dot (red outside the 95% interval)."""
    fig = ax.figure if ax is not None else plt.figure(figsize=(9, 0.45 * len(check) + 1.4))
    ax = ax or fig.add_subplot(111)
    y = np.arange(len(check))[::-1]
    mean = check["forecast"].to_numpy(float)

    def rel(column):
        return (check[column].to_numpy(float) / mean - 1.0) * 100.0

    ax.hlines(y, rel("lower_95"), rel("upper_95"), color="#90caf9", lw=7, label="95%")
    ax.hlines(y, rel("lower_80"), rel("upper_80"), color="#1e88e5", lw=7, label="80%")
    outside = check["outside_95"].to_numpy(bool)
    actual = rel("actual")
    ax.scatter(actual[~outside], y[~outside], color="black", zorder=3, s=22,
               label="实际" if lang == "zh" else "actual")
    ax.scatter(actual[outside], y[outside], color=DOWN, zorder=3, s=30, marker="D",
               label="超出95%区间" if lang == "zh" else "outside 95%")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, [series_name(s, lang) for s in check["series"]], fontsize=8)
    ax.set_xlabel("与上月预测的偏差 (%)" if lang == "zh" else "difference from the forecast made a month earlier (%)")
    ax.legend(fontsize=7, loc="lower right", ncols=4)
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
