"""Axes a manager reads at a glance: periods ticked on quarters and labelled by year, amounts
with thousands separators and the unit, and a line where the training data end."""
from __future__ import annotations

import matplotlib.ticker

from forecast.calendar import period_starts

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_YEARS_WITH_QUARTERS = 6  # beyond this many years, quarter ticks crowd the axis: years only


def period_ticks(ax, positions, labels) -> None:
    """Ticks at the first period of each quarter: the year under January (major ticks), the
    month (or quarter) under April, July and October (minor ticks). `labels` are period labels
    as the toolkit writes them (2024-03, 2024Q1, 2024-03-11), at x = `positions`."""
    positions, labels = list(positions), list(labels)
    if not labels:
        return
    try:
        dates = list(period_starts(labels))
    except ValueError:  # labels of no known form: every n-th as it is
        step = max(1, len(labels) // 12)
        ax.set_xticks(positions[::step], labels[::step], rotation=45, ha="right", fontsize=8)
        return
    quarterly = all(d.month in (1, 4, 7, 10) and d.day == 1 for d in dates) and len({d.month for d in dates}) > 1 \
        and all(b.month - a.month in (3, -9) for a, b in zip(dates, dates[1:]))
    starts = [i for i, d in enumerate(dates) if d.month in (1, 4, 7, 10) and (i == 0 or dates[i - 1].month != d.month)]
    years = [i for i in starts if dates[i].month == 1]
    span = dates[-1].year - dates[0].year + 1
    if len(set(d.year for d in dates)) == len(dates):  # yearly data
        step = max(1, len(dates) // 12)
        ax.set_xticks(positions[::step], [str(d.year) for d in dates[::step]], fontsize=8)
        return
    if span > MAX_YEARS_WITH_QUARTERS:
        every = max(1, len(years) // 12)
        years = years[::every]
        ax.set_xticks([positions[i] for i in years], [str(dates[i].year) for i in years], fontsize=8)
        return
    major = years or starts[:1] or [0]
    ax.set_xticks([positions[i] for i in major],
                  [str(dates[i].year) if dates[i].month == 1 else f"{_name(dates[i], quarterly)}\n{dates[i].year}"
                   for i in major], fontsize=8)
    minor = [i for i in starts if i not in major]
    ax.set_xticks([positions[i] for i in minor], [_name(dates[i], quarterly) for i in minor], minor=True, fontsize=7)
    ax.tick_params(axis="x", which="minor", length=3, colors="dimgrey")
    ax.tick_params(axis="x", which="major", length=6)


def _name(date, quarterly: bool) -> str:
    return f"Q{(date.month - 1) // 3 + 1}" if quarterly else MONTHS[date.month - 1]


def amount_axis(ax, label: str, unit: str | None) -> None:
    """The y axis of amounts: its label with the unit, e.g. "revenue (万元)", and thousands
    separators (decimals only when the amounts are small)."""
    ax.set_ylabel(f"{label} ({unit})" if unit else label)
    low, high = ax.get_ylim()
    decimals = 0 if high - low >= 20 else 2
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.{decimals}f}"))


def training_end(ax, x: float, label: str) -> None:
    """A dotted line between the last period fitted and the first forecast, labelled."""
    ax.axvline(x, color="grey", lw=1, ls=":", zorder=1)
    ax.annotate(label, (x, 1), xycoords=("data", "axes fraction"), xytext=(-3, -3), textcoords="offset points",
                ha="right", va="top", fontsize=7, color="dimgrey")
