"""Plots: history, forecast with 80/95% bands, and actuals where the data has them.
Every function takes `ax=None` and returns the Figure."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def plot_forecast(history: pd.Series, forecast: pd.DataFrame, *, actual: pd.Series | None = None,
                  title: str = "", ax=None, show_last: int | None = 48):
    """Fan chart of one series.

    history, actual: values indexed by period label (str), in time order.
    forecast: rows of the contract table for one series (date, mean, lower_*/upper_*).
    """
    fig = ax.figure if ax is not None else plt.figure(figsize=(10, 4.5))
    ax = ax or fig.add_subplot(111)
    if show_last:
        history = history.iloc[-show_last:]
    labels = list(history.index) + [d for d in forecast["date"] if d not in set(history.index)]
    pos = {d: i for i, d in enumerate(labels)}
    ax.plot([pos[d] for d in history.index], history.to_numpy(), color="black", lw=1.4, label="history")
    x = np.array([pos[d] for d in forecast["date"]])
    levels = sorted(int(c.split("_")[1]) for c in forecast.columns if c.startswith("lower_"))
    shades = {80: 0.45, 95: 0.22}
    for level in reversed(levels):
        ax.fill_between(x, forecast[f"lower_{level}"], forecast[f"upper_{level}"], color="tab:blue",
                        alpha=shades.get(level, 0.3), lw=0, label=f"{level}% interval")
    ax.plot(x, forecast["mean"], color="tab:blue", lw=1.8, label="forecast")
    if actual is not None and len(actual):
        shown = actual[actual.index.isin(pos)]
        ax.plot([pos[d] for d in shown.index], shown.to_numpy(), color="tab:red", lw=1.4, marker="o", ms=3,
                label="actual")
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_title(title)
    ax.set_ylabel("revenue")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_result(data, result, *, actual_data=None, series: list[str] | None = None):
    """One panel per series (default: total and both groups) from a ForecastResult."""
    from .combine import aggregate_series

    series = series or ["total", "group:fixed", "group:fluctuating"]
    groups = {c.component: c.group for c in result.classifications}
    history = aggregate_series(data, groups)
    actual_hist = aggregate_series(actual_data, groups) if actual_data is not None else None
    fig, axes = plt.subplots(len(series), 1, figsize=(10, 3.6 * len(series)), squeeze=False)
    labels = [data.label(o) for o in range(data.first, data.last + 1)]
    for ax, name in zip(axes[:, 0], series):
        h = pd.Series(history[name], index=labels)
        act = None
        if actual_hist is not None:
            ords = range(actual_data.first, actual_data.last + 1)
            act = pd.Series(actual_hist[name], index=[actual_data.label(o) for o in ords]).iloc[len(labels):]
        rows = result.table[result.table["series"] == name]
        plot_forecast(h, rows, actual=act, title=f"{name}: {rows['model'].iloc[0]}", ax=ax)
    fig.tight_layout()
    return fig


def save_figure(fig, path) -> None:
    from pathlib import Path

    from .io import atomic_write

    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format=Path(path).suffix.lstrip(".") or "png"))
    plt.close(fig)
