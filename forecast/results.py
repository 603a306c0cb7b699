"""What the Python API returns: each result's `.table` is the contract's table with real pandas
dates, and each has a one-line `repr` and a small HTML view for notebooks.

The library's own results (`ForecastResult`, `BudgetResult`, `BacktestResult`) stay inside as
`.result`, with everything the command line writes.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from forecast.calendar import period_starts
from forecast.output.plot import budget_figure, plot_budget, plot_result, plot_series_result
from forecast.output.report import write_backtest
from forecast.revenue import RevenueData

HTML_ROWS = 12


def with_dates(table: pd.DataFrame, columns=("date", "origin")) -> pd.DataFrame:
    """`table` with its period labels turned into the first day of each period (Timestamps), and
    without the internal `ordinal` column."""
    out = table.drop(columns=[c for c in ("ordinal",) if c in table.columns])
    for column in columns:
        if column in out.columns and not pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = period_starts(out[column]).to_numpy()
    return out.reset_index(drop=True)


def _html(title: str, facts: list[str], tables: dict[str, pd.DataFrame]) -> str:
    parts = [f"<div><strong>{html.escape(title)}</strong>"]
    if facts:
        parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>")
    for name, table in tables.items():
        more = f" (first {HTML_ROWS} of {len(table)} rows)" if len(table) > HTML_ROWS else ""
        parts.append(f"<p>{html.escape(name)}{more}</p>")
        parts.append(table.head(HTML_ROWS).to_html(index=False, float_format=lambda v: f"{v:,.2f}", border=0))
    return "".join(parts) + "</div>"


def _span(table: pd.DataFrame) -> str:
    dates = table["date"]
    return f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "no periods"


@dataclass(frozen=True, repr=False)
class Forecast:
    """`forecast.run`'s result: `.table` (date, series, mean, lower_*, upper_*, model), the
    strategy used, each modelled series' choice (`.models`) and the notes of the run."""

    table: pd.DataFrame
    strategy: str
    models: pd.DataFrame  # series, group, model, candidates: what was chosen and why
    notes: tuple
    result: object = field(repr=False)  # forecast.combine.ForecastResult
    data: RevenueData = field(repr=False)  # the data it was fitted on
    actual: RevenueData = field(repr=False)  # the whole input (actuals after train_end, if any)

    def plot(self, series=None, *, ax=None):
        """Fan charts: one series on `ax`, or one panel per series (default: total and groups)."""
        if ax is not None:
            if series is None or not isinstance(series, str):
                raise TypeError("with ax= give one series by name, e.g. series='total'")
            return plot_series_result(self.data, self.result, series, actual_data=self.actual, ax=ax)
        return plot_result(self.data, self.result, actual_data=self.actual,
                           series=[series] if isinstance(series, str) else series)

    def __repr__(self) -> str:
        n = self.table["series"].nunique()
        return (f"<Forecast {self.strategy}: {n} series, {len(self.table) // max(n, 1)} periods "
                f"{_span(self.table)}; .table, .models, .plot()>")

    def _repr_html_(self) -> str:
        return _html(repr(self)[1:-1], list(self.notes), {"table": self.table})


@dataclass(frozen=True, repr=False)
class Classes:
    """`forecast.classify`'s result: `.table` (component, group, trend_strength, seasonal_strength, period)."""

    table: pd.DataFrame
    items: tuple = ()  # forecast.classification.Classification, one per line item

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        counts = self.table["group"].value_counts()
        return (f"<Classes: {counts.get('fixed', 0)} fixed, {counts.get('fluctuating', 0)} fluctuating line items; "
                ".table>")

    def _repr_html_(self) -> str:
        return _html(repr(self)[1:-1], [], {"table": self.table})


@dataclass(frozen=True, repr=False)
class Backtest:
    """`forecast.backtest`'s result: `.table` (forecasts.csv: every origin's forecast beside its
    actual, with real dates in `origin` and `date`), `.metrics` (metrics.csv: strategy, series,
    step, n, mape, ...), `.ranking` and `.best`."""

    table: pd.DataFrame
    metrics: pd.DataFrame
    ranking: pd.DataFrame
    criterion: str
    result: object = field(repr=False)  # forecast.evaluate.backtest.BacktestResult, or None over keys
    errors: pd.DataFrame | None = None  # keys that could not be backtested (with id_col)

    @property
    def best(self) -> dict:
        return self.ranking.iloc[0].to_dict() if len(self.ranking) else {}

    def write(self, folder, *, report: bool = True) -> list:
        """forecasts.csv, metrics.csv and the report in `folder`, as `forecast backtest` writes them."""
        if self.result is None:
            raise ValueError("a backtest over keys (id_col) has no report; write .table and .metrics yourself")
        return write_backtest(self.result, folder, report=report, criterion=self.criterion)

    def __repr__(self) -> str:
        best = self.best
        head = (f"best {best['strategy']} (window {best['window']}) by {self.criterion} MAPE"
                if "strategy" in best and "window" in best else f"{len(self.metrics)} metric rows")
        return f"<Backtest: {head}; .table (forecasts), .metrics, .ranking>"

    def _repr_html_(self) -> str:
        return _html(repr(self)[1:-1], [], {"ranking": self.ranking, "metrics": self.metrics})


@dataclass(frozen=True, repr=False)
class Budget:
    """`forecast.budget`'s result: `.table` (one row per series with a target, the contract's
    columns), `.phasing` (period by period), `.next_year` (at a year end) and `.prob_meet`."""

    table: pd.DataFrame
    phasing: pd.DataFrame
    next_year: pd.DataFrame | None
    notes: tuple
    result: object = field(repr=False)  # forecast.planning.budget.BudgetResult (None over a hierarchy)
    year: int = 0

    def _single(self, what: str):
        if self.result is None:
            raise ValueError(f"{what} is for a revenue table's budget; over a hierarchy read .table")
        return self.result

    def prob_meet(self, series: str, target):
        """Probability that `series` reaches `target` (a number or an array) this year, without a refit."""
        return self._single("prob_meet").prob_meet(series, target)

    def plot(self, series: str = "total", *, ax=None):
        """Cumulative revenue against the phased target (on `ax`), or the two-panel budget chart."""
        result = self._single("plot")
        return plot_budget(result, series=series, ax=ax) if ax is not None else budget_figure(result, series=series)

    def __repr__(self) -> str:
        total = self.table[self.table["series"] == "total"]
        head = ""
        if len(total):
            row = total.iloc[0]
            head = (f": total projected {row['full_year_forecast']:,.0f}, {row['attainment_pct']:.1f}% of target, "
                    f"P(meet) {row['prob_meet_target']:.0%}")
        as_of = self.table["as_of"].iloc[0] if len(self.table) else "?"
        return f"<Budget {self.year} as of {as_of}{head}; .table, .phasing, .plot()>"

    def _repr_html_(self) -> str:
        return _html(repr(self)[1:-1], list(self.notes), {"table": self.table})


@dataclass(frozen=True, repr=False)
class Batch:
    """`forecast.batch`'s result: `.table` (the key column, series, date, mean, bounds, model;
    with a hierarchy also level and the hierarchy columns) and `.errors` (keys left out, why)."""

    table: pd.DataFrame
    errors: pd.DataFrame
    seconds: float
    method: str | None = None  # the reconciliation used, with a hierarchy

    def __repr__(self) -> str:
        keyed = self.table.columns[0]
        how = f", reconciled {self.method}" if self.method else ""
        what = "nodes" if self.method else "keys"
        return (f"<Batch: {self.table[keyed].nunique()} {what} forecast, {len(self.errors)} failed{how} "
                f"({self.seconds:.1f} s); .table, .errors>")

    def _repr_html_(self) -> str:
        return _html(repr(self)[1:-1], [], {"table": self.table, "errors": self.errors})
