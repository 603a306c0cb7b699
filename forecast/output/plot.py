"""Plots: history, forecast with 80/95% bands, and actuals where the data has them.
Every function takes `ax=None` and returns the Figure."""
from __future__ import annotations

import contextlib
import functools
import warnings

import matplotlib

matplotlib.use("Agg")
import io
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager

from forecast.combine import aggregate_series
from forecast.io.files import atomic_write
from forecast.output.axes import amount_axis, period_ticks, training_end

# Chinese line items and units (万元) need a CJK font: the first of these the machine has
# renders them (matplotlib falls back along the list glyph by glyph).
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Arial Unicode MS"]


@functools.lru_cache(maxsize=1)
def _style() -> dict:
    """DejaVu Sans, then the CJK fonts this machine has (matplotlib falls back along a list of
    concrete families, not along a generic one; a family it lacks would be logged every time)."""
    have = {f.name for f in font_manager.fontManager.ttflist}
    return {"font.family": ["DejaVu Sans", *[f for f in CJK_FONTS if f in have]], "axes.unicode_minus": False}


def with_cjk_fonts(fn):
    """Build the figure in the `_rendering` context (text is measured as the figure is laid out)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _rendering():
            return fn(*args, **kwargs)
    return wrapper


@contextlib.contextmanager
def _rendering():
    """Draw with the CJK fallback fonts; a machine without any draws boxes for Chinese
    characters rather than stopping or warning once per glyph."""
    with plt.rc_context(_style()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from (current )?font", category=UserWarning)
        yield



@with_cjk_fonts
def plot_forecast(history: pd.Series, forecast: pd.DataFrame, *, actual: pd.Series | None = None,
                  title: str = "", ax=None, show_last: int | None = 48, unit: str | None = None):
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
    if len(history):
        training_end(ax, pos[history.index[-1]] + 0.5, f"data to {history.index[-1]}")
    period_ticks(ax, range(len(labels)), labels)
    ax.set_title(title, loc="left", fontsize=11)
    amount_axis(ax, "revenue", unit)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


@with_cjk_fonts
def plot_result(data, result, *, actual_data=None, series: list[str] | None = None):
    """One panel per series (default: total and both groups) from a ForecastResult."""
    series = series or ["total", "group:fixed", "group:fluctuating"]
    known = set(result.table["series"])
    for name in series:
        if name not in known:
            raise KeyError(f"{name!r} is not in the forecast; choose from {', '.join(dict.fromkeys(result.table['series']))}")
    fig, axes = plt.subplots(len(series), 1, figsize=(10, 3.6 * len(series)), squeeze=False)
    for ax, name in zip(axes[:, 0], series):
        plot_series_result(data, result, name, actual_data=actual_data, ax=ax)
    fig.tight_layout()
    return fig


def plot_series_result(data, result, name: str, *, actual_data=None, ax=None):
    """The fan chart of one series of a ForecastResult, against the actuals after its end."""
    groups = {c.component: c.group for c in result.classifications}
    labels = [data.label(o) for o in range(data.first, data.last + 1)]
    history = pd.Series(aggregate_series(data, groups)[name], index=labels)
    actual = None
    if actual_data is not None:
        ords = range(actual_data.first, actual_data.last + 1)
        actual = pd.Series(aggregate_series(actual_data, groups)[name],
                           index=[actual_data.label(o) for o in ords]).iloc[len(labels):]
    rows = result.table[result.table["series"] == name]
    levels = "/".join(str(c.split("_")[1]) for c in rows.columns if c.startswith("lower_"))
    title = f"{name}: forecast {rows['date'].iloc[0]} to {rows['date'].iloc[-1]} with {levels}% intervals"
    return plot_forecast(history, rows, actual=actual, title=title, ax=ax, unit=data.unit)


def save_figure(fig, path) -> None:

    with _rendering():
        atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format=Path(path).suffix.lstrip(".") or "png"))
    plt.close(fig)


@with_cjk_fonts
def plot_backtest_origins(bt, strategy: str, window: str, *, series: str = "total", max_panels: int = 12):
    """Projected vs actual at each backtest origin: small multiples of fan charts over the
    actuals, with the year of history before each origin."""
    f = bt.forecasts
    f = f[(f["strategy"] == strategy) & (f["window"] == window) & (f["series"] == series)]
    origins = list(dict.fromkeys(f["origin"]))
    if len(origins) > max_panels:
        origins = [origins[i] for i in np.linspace(0, len(origins) - 1, max_panels).astype(int)]
    cols = min(3, len(origins))
    rows_n = -(-len(origins) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4.2 * cols, 2.9 * rows_n), squeeze=False)
    history = _history(bt, series)
    year = max(bt.data.freq.periods_per_year, 4)
    for ax, origin in zip(axes.ravel(), origins):
        rows = f[f["origin"] == origin]
        o = int(rows["origin_ordinal"].iloc[0])
        past = history.loc[o - year + 1:o]
        x = o + rows["step"].to_numpy()
        ax.plot(past.index, past.to_numpy(), color="black", lw=1.2)
        for level, alpha in ((95, 0.2), (80, 0.4)):
            if f"lower_{level}" in rows:
                ax.fill_between(x, rows[f"lower_{level}"], rows[f"upper_{level}"], color="tab:blue", alpha=alpha, lw=0)
        ax.plot(x, rows["mean"], color="tab:blue", lw=1.5)
        ax.plot(x, rows["actual"], color="tab:red", lw=1.2, marker="o", ms=2.5)
        ax.axvline(o + 0.5, color="grey", lw=0.8, ls=":")
        shown = np.arange(past.index[0], x[-1] + 1)
        period_ticks(ax, shown, [bt.data.label(int(p)) for p in shown])
        ax.set_title(f"forecast made with data to {origin}", fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(origins):]:
        ax.set_visible(False)
    unit = f"; amounts in {bt.data.unit}" if bt.data.unit else ""
    fig.suptitle(f"{series}: {strategy}, window {window} (black history, blue forecast with 80/95% bands, "
                 f"red actual{unit})", fontsize=9)
    fig.tight_layout()
    return fig


def _history(bt, series: str) -> pd.Series:
    """History of a series by ordinal (groups as classified on the whole file)."""
    values = aggregate_series(bt.data, bt.groups, bt.groupings)[series]
    return pd.Series(values, index=np.arange(bt.data.first, bt.data.last + 1))


@with_cjk_fonts
def plot_accuracy_by_step(metrics: pd.DataFrame, *, series: str = "total", ax=None):
    """MAPE of one series by step ahead, one line per strategy (and window)."""
    fig = ax.figure if ax is not None else plt.figure(figsize=(7, 3.8))
    ax = ax or fig.add_subplot(111)
    m = metrics[(metrics["series"] == series) & (metrics["step"] != "all")]
    several = m["window"].nunique() > 1
    for (strategy, window), rows in m.groupby(["strategy", "window"], sort=False):
        label = f"{strategy} (window {window})" if several else strategy
        ax.plot(rows["step"].astype(int), rows["mape"], marker="o", ms=3, label=label)
    ax.set_xlabel("periods ahead")
    ax.set_ylabel(f"MAPE of {series} (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@with_cjk_fonts
def plot_stacked_components(bt, origin: str, strategy: str, window: str, ax=None):
    """Line items' forecasts stacked up to the total, against the actual total."""
    fig = ax.figure if ax is not None else plt.figure(figsize=(8, 4.2))
    ax = ax or fig.add_subplot(111)
    f = bt.forecasts
    f = f[(f["origin"] == origin) & (f["strategy"] == strategy) & (f["window"] == window)]
    items = [c for c in dict.fromkeys(f["series"]) if c in bt.data.components]
    wide = f[f["series"].isin(items)].pivot(index="step", columns="series", values="mean")[items]
    ax.stackplot(wide.index, wide.T.to_numpy(), labels=items, alpha=0.8)
    total = f[f["series"] == "total"]
    ax.plot(total["step"], total["mean"], color="black", lw=1.5, label="total forecast")
    ax.plot(total["step"], total["actual"], color="tab:red", lw=1.5, marker="o", ms=3, label="total actual")
    period_ticks(ax, total["step"], total["date"])
    amount_axis(ax, "revenue", bt.data.unit)
    ax.set_title(f"total: line items stacked ({strategy}, window {window}, data to {origin})", fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="lower left", ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (for embedding in a report), then closed."""
    buf = io.BytesIO()
    with _rendering():
        fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def figure_svg(fig) -> str:
    """The figure as SVG text with its words as text (the browser draws them in its own fonts, so
    Chinese needs no font here and prints sharp), then closed."""
    buf = io.StringIO()
    with _rendering(), plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "forecast"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


@with_cjk_fonts
def plot_budget(result, *, series: str = "total", ax=None):
    """Cumulative actual and forecast fan through the year against the phased target, from a
    `budget.BudgetResult`. The gap to plan at the last actual, and the projected year end
    against the target, are marked in green (ahead) or red (behind)."""
    rows = result.phasing[result.phasing["series"] == series]
    if rows.empty:
        raise KeyError(f"no target for {series!r}")
    row = result.table[result.table["series"] == series].iloc[0]
    fig = ax.figure if ax is not None else plt.figure(figsize=(10, 4.8))
    ax = ax or fig.add_subplot(111)
    x = np.arange(len(rows))
    k = int(rows["actual"].notna().sum())
    target = float(row["target"])
    _cumulative_fan(ax, rows, k, np.zeros(len(rows)))
    if k:
        ax.plot(x[:k], rows["cumulative"].iloc[:k], color="black", lw=2, marker="o", ms=3, label="actual")
    # the plan on top of everything, so the forecast never hides it
    ax.plot(x, rows["cumulative_target"], color="tab:orange", ls="--", lw=2.2, zorder=5,
            label=f"target phased ({result.phase})")
    if k:
        _gap(ax, x[k - 1], float(rows["cumulative"].iloc[k - 1]), float(rows["cumulative_target"].iloc[k - 1]),
             "plan to date")
    _gap(ax, x[-1] + 0.25, float(row["full_year_forecast"]), target, "year end")
    period_ticks(ax, x, list(rows["date"]))
    side = "ahead of" if row["ahead_of_plan"] >= 0 else "behind"
    ax.set_title(f"{series} {result.year}, data to {result.as_of}: {side} plan by {abs(row['ahead_of_plan']):,.0f}; "
                 f"projected {row['full_year_forecast']:,.0f} = {row['attainment_pct']:.1f}% of target "
                 f"{target:,.0f}, P(meet target) {row['prob_meet_target']:.0%}", fontsize=10, loc="left")
    amount_axis(ax, "cumulative revenue", result.unit)
    ax.set_xlim(-0.5, x[-1] + 1.5)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def _cumulative_fan(ax, rows: pd.DataFrame, k: int, offset: np.ndarray) -> None:
    """The cumulative forecast and its bands minus `offset`, from the last of the `k` actuals on
    (so the forecast visibly continues the year to date)."""
    start = max(k - 1, 0)
    fx, fan, less = np.arange(start, len(rows)), rows.iloc[start:], offset[start:]
    levels = sorted(int(c.rsplit("_", 1)[1]) for c in rows.columns if c.startswith("cumulative_lower_"))
    shades = {80: 0.35, 95: 0.18}
    for level in reversed(levels):
        ax.fill_between(fx, fan[f"cumulative_lower_{level}"] - less, fan[f"cumulative_upper_{level}"] - less,
                        color="tab:blue", alpha=shades.get(level, 0.3), lw=0, label=f"{level}% interval")
    if k < len(rows):
        ax.plot(fx, fan["cumulative"] - less, color="tab:blue", lw=1.8, label="forecast")


def _gap(ax, x: float, value: float, plan: float, what: str) -> None:
    """A vertical bar from the plan to the value, green when ahead and red when behind, labelled."""
    colour = "tab:green" if value >= plan else "tab:red"
    ax.plot([x, x], [plan, value], color=colour, lw=4, alpha=0.8, solid_capstyle="butt", zorder=6)
    ax.annotate(f"{what}: {value - plan:+,.0f}", (x, (plan + value) / 2), xytext=(-6, 0), textcoords="offset points",
                ha="right", va="center", fontsize=8, color=colour, zorder=7)


@with_cjk_fonts
def plot_plan_gap(result, *, series: str = "total", ax=None):
    """Ahead (+) or behind (-) plan through the year: cumulative actual, then forecast with its
    bands, minus the cumulative phased target. The last point is the projected full year minus
    the target."""
    rows = result.phasing[result.phasing["series"] == series]
    fig = ax.figure if ax is not None else plt.figure(figsize=(10, 3.2))
    ax = ax or fig.add_subplot(111)
    x = np.arange(len(rows))
    plan = rows["cumulative_target"].to_numpy()
    k = int(rows["actual"].notna().sum())
    _cumulative_fan(ax, rows, k, plan)
    if k:
        gap = rows["cumulative"].iloc[:k].to_numpy() - plan[:k]
        ax.bar(x[:k], gap, color=np.where(gap >= 0, "tab:green", "tab:red"), alpha=0.7, width=0.6,
               label="actual - plan")
    ax.axhline(0, color="tab:orange", ls="--", lw=2)
    period_ticks(ax, x, list(rows["date"]))
    amount_axis(ax, "ahead (+) / behind (-) plan", result.unit)
    ax.set_xlim(-0.5, x[-1] + 1.5)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


@with_cjk_fonts
def budget_figure(result, *, series: str = "total"):
    """The budget chart: cumulative revenue against the target, and the gap to plan below it."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 8), height_ratios=[1, 1], sharex=True)
    plot_budget(result, series=series, ax=top)
    plot_plan_gap(result, series=series, ax=bottom)
    top.tick_params(labelbottom=False)
    fig.tight_layout()
    return fig


@with_cjk_fonts
def plot_vintages(forecasts: pd.DataFrame, actual: pd.Series, *, series: str = "total", level: int = 80,
                  show_last: int | None = 36, ax=None):
    """Each archived forecast of one series as a line with its band (oldest faint, newest dark),
    against the actual line: how the view of the year moved from vintage to vintage.

    forecasts: ledger rows of that series (run_id, train_end, date, mean, lower_L, upper_L and,
    where overrides were made, adjusted); actual: values indexed by date label, in time order.
    """
    fig = ax.figure if ax is not None else plt.figure(figsize=(10, 4.8))
    ax = ax or fig.add_subplot(111)
    runs = list(dict.fromkeys(forecasts["run_id"]))
    first_fc = min(forecasts["date"]) if len(forecasts) else None
    shown = actual
    if show_last and first_fc is not None:
        before = actual[actual.index < first_fc]
        shown = pd.concat([before.iloc[-show_last:], actual[actual.index >= first_fc]])
    labels = sorted(set(shown.index) | set(forecasts["date"]))
    pos = {d: i for i, d in enumerate(labels)}
    colours = plt.cm.viridis(np.linspace(0.15, 0.85, max(len(runs), 1)))
    for colour, run_id in zip(colours, runs):
        rows = forecasts[forecasts["run_id"] == run_id]
        x = [pos[d] for d in rows["date"]]
        if f"lower_{level}" in rows:
            ax.fill_between(x, rows[f"lower_{level}"], rows[f"upper_{level}"], color=colour, alpha=0.10, lw=0)
        ax.plot(x, rows["mean"], color=colour, lw=1.3, label=f"run {run_id} (to {rows['train_end'].iloc[0]})")
        if "adjusted" in rows and not np.allclose(rows["adjusted"], rows["mean"]):
            ax.plot(x, rows["adjusted"], color=colour, lw=1.3, ls="--")
    if len(shown):
        ax.plot([pos[d] for d in shown.index], shown.to_numpy(), color="black", lw=1.8, marker="o", ms=2.5,
                label="actual")
    period_ticks(ax, range(len(labels)), labels)
    ax.set_title(f"{series}: forecasts by vintage ({level}% bands; dashed = with overrides)", loc="left")
    amount_axis(ax, "revenue", None)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=7, ncol=2 if len(runs) > 6 else 1)
    fig.tight_layout()
    return fig
