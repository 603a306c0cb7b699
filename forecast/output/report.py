"""The backtest report for a budget committee: the same content rendered as one self-contained
HTML file (plots embedded as data URIs) and as Markdown (plots beside it in `report_files/`).

A report is a list of blocks (heading, paragraph, table, figure) built once from a
`BacktestResult`, then rendered by `to_markdown` and `to_html`.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.combine import TOTAL
from forecast.evaluate.backtest import CRITERIA, BacktestResult, wins
from forecast.io.files import atomic_write, write_table
from forecast.io.rounding import rounded
from forecast.output.plot import figure_png, plot_accuracy_by_step, plot_backtest_origins, plot_stacked_components
from forecast.select import CHOOSE


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | p | table | figure
    text: str = ""
    table: pd.DataFrame | None = None
    png: bytes = b""
    name: str = ""
    svg: str = ""  # a figure as SVG text (its words left to the browser's fonts); else png


def _pct(v) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.2f}%"


def _fmt_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy().rename_axis(columns=None)
    out.columns = [str(c).replace("_", " ") for c in out.columns]
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "" if not np.isfinite(v) else f"{v:,.3f}" if abs(v) < 10 else f"{v:,.2f}")
    return out


def build_report(bt: BacktestResult) -> list[Block]:
    """The report's blocks: the recommendation, then the evidence behind it, section by section."""
    data, rank = bt.data, bt.ranking
    best = rank.iloc[0]
    strategy, window = best["strategy"], best["window"]
    n_origins = len(bt.origins)
    blocks = [Block("h1", f"Backtest of {Path(data.source).name}")]
    blocks.append(Block("p", (
        f"{len(data.components)} line items{f' (amounts in {data.unit})' if data.unit else ''}, {data.freq.name}ly "
        f"from {data.label(data.first)} to "
        f"{data.label(data.last)}. {n_origins} rolling origins from {data.label(bt.origins[0])} to "
        f"{data.label(bt.origins[-1])}, each forecasting {bt.horizon} periods ahead after refitting every model on "
        f"the data up to the origin only (training window: {', '.join(map(str, dict.fromkeys(rank['window'])))} "
        f"periods). Strategies compared: {', '.join(bt.strategies)}. Ran in {bt.seconds:.0f} s.")))

    blocks.append(Block("h2", "Which strategy to use"))
    by = ("the total's MAPE over every period (--criterion monthly)" if bt.criterion == "monthly" else
          "the error of the annual total, what a budget lives on (--criterion annual)")
    blocks.append(Block("p", f"Strategies are ranked by {by}; ties by the other measure."))
    beaten = wins(bt.forecasts, (strategy, window))
    versus = "; ".join(f"it beat {s}{'' if rank['window'].nunique() == 1 else f' (window {w})'} at {k} of "
                       f"{n_origins} origins" for (s, w), k in beaten.items())
    fixed_window = window not in ("auto", CHOOSE)
    text = (f"Use **{strategy}**" + (f" with a training window of **{window}** periods" if fixed_window else "")
            + f": the total's MAPE was {_pct(best['total_mape'])} (accuracy {_pct(best['total_accuracy'])}) over "
            f"all origins and steps, and the annual total was off by {_pct(best['annual_mape'])} on average "
            f"(worst {_pct(best['annual_worst_pct'])}).")
    if versus:
        text += f" Origin by origin, {versus}."
    if len(rank) > 1:
        runner = rank.iloc[1]
        measure = CRITERIA[bt.criterion][0]
        gap = (runner[measure] - best[measure]) / best[measure] * 100
        if gap < 5:
            text += (f" The runner-up, {runner['strategy']} (window {runner['window']}), is within {gap:.1f}% of it: "
                     "the two are practically equal on this history.")
    other = "annual_mape" if bt.criterion == "monthly" else "total_mape"
    alternative = rank.sort_values(other, kind="stable").iloc[0]
    if (alternative["strategy"], alternative["window"]) != (strategy, window):
        measure = "annual total" if other == "annual_mape" else "monthly total"
        text += (f" By the error of the {measure} instead, {alternative['strategy']} (window {alternative['window']}) "
                 f"would rank first ({_pct(alternative[other])} against {_pct(best[other])}); rerun with "
                 f"--criterion {'annual' if other == 'annual_mape' else 'monthly'} to rank by it.")
    blocks.append(Block("p", text))
    shown = rank.rename(columns={"total_mape": "total MAPE %", "total_accuracy": "accuracy %",
                                 "total_mase": "MASE", "total_bias": "bias", "annual_mape": "annual MAPE %",
                                 "annual_worst_pct": "annual worst %"})
    blocks.append(Block("table", "Ranking on the total (MAPE over all origins and steps; bias = forecast - actual; "
                        "coverage = share of actuals inside the interval)", shown))

    for section in (_window_study, _annual_total, _per_series, _coverage, _origin_figures, _auto_choices):
        blocks += section(bt, strategy, window)
    return blocks


def _window_study(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """Total MAPE by training window and strategy, when several windows were tried."""
    blocks: list[Block] = []
    rank = bt.ranking
    if rank["window"].nunique() > 1:
        study = rank.pivot(index="window", columns="strategy", values="total_mape")
        study = study.reindex(sorted(study.index, key=lambda w: (w == "auto", w == "all", int(w) if w.isdigit() else 0)))
        best_w = study.min(axis=1).idxmin()
        blocks.append(Block("h2", "Training window study"))
        blocks.append(Block("p", f"Total MAPE (%) by training window. The best window on this history is **{best_w}** "
                            "periods (the case study found about two years suits telecom revenue)."))
        blocks.append(Block("table", "Total MAPE % by window and strategy", study.reset_index()))
    return blocks

def _annual_total(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """The error of each origin's first-year sum, what a budget lives on."""
    blocks: list[Block] = []
    blocks.append(Block("h2", "The annual total"))
    annual = bt.annual_metrics[bt.annual_metrics["series"] == TOTAL]
    periods = int(annual["periods"].iloc[0])
    blocks.append(Block("p", f"Error of the sum over the first {periods} periods after each origin (what a budget "
                        "lives on). Its intervals come from joint sample paths across months and line items."))
    blocks.append(Block("table", "Annual total", annual.drop(columns=["series"])))
    return blocks

def _per_series(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """MAPE per line item and group, and of the total by step ahead."""
    blocks: list[Block] = []
    blocks.append(Block("h2", "Accuracy per line item"))
    m = bt.metrics[(bt.metrics["step"] == "all") & (bt.metrics["window"] == window)]
    per = m.pivot(index="series", columns="strategy", values="mape")
    order = list(dict.fromkeys(bt.forecasts["series"]))
    per = per.reindex([s for s in order if s in per.index])
    blocks.append(Block("p", f"MAPE (%) over all origins and steps, window {window}. Under `components` each line "
                        "item has its own model; under the other strategies line items are shared out from the "
                        "level that was modelled."))
    blocks.append(Block("table", "MAPE % per series", per.reset_index()))

    blocks.append(Block("h2", "Accuracy by step ahead"))
    steps = bt.metrics[(bt.metrics["series"] == TOTAL) & (bt.metrics["step"] != "all") & (bt.metrics["window"] == window)]
    by_step = steps.pivot(index="step", columns="strategy", values="mape")
    blocks.append(Block("table", "Total MAPE % by periods ahead", by_step.reset_index()))
    blocks.append(Block("figure", "Total MAPE by step ahead", png=figure_png(plot_accuracy_by_step(
        bt.metrics[bt.metrics["window"] == window])), name="accuracy_by_step.png"))
    return blocks

def _coverage(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """Interval coverage and Winkler scores of the total and the groups."""
    blocks: list[Block] = []
    m = bt.metrics[(bt.metrics["step"] == "all") & (bt.metrics["window"] == window)]
    blocks.append(Block("h2", "Interval coverage"))
    levels = bt.levels
    cov = m[["strategy", "series", *[f"coverage_{lv}" for lv in levels], *[f"winkler_{lv}" for lv in levels]]]
    cov = cov[cov["series"].isin([TOTAL, "group:fixed", "group:fluctuating"])]
    blocks.append(Block("p", "Share of actuals inside the 80% and 95% intervals (should be near 0.80 and 0.95) and "
                        "the Winkler score (interval width plus a penalty for misses; lower is better)."))
    blocks.append(Block("table", "Coverage", cov))
    return blocks

def _origin_figures(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """Projected vs actual at each origin, and the line items stacked to the total."""
    blocks: list[Block] = []
    data = bt.data
    blocks.append(Block("h2", "Projected vs actual at each origin"))
    for series in (TOTAL, "group:fixed", "group:fluctuating"):
        fig = plot_backtest_origins(bt, strategy, window, series=series)
        blocks.append(Block("figure", f"{series}: projected vs actual ({strategy})", png=figure_png(fig),
                            name=f"origins_{series.replace(':', '_')}.png"))
    for other in [s for s in bt.strategies if s != strategy]:
        fig = plot_backtest_origins(bt, other, window, series=TOTAL)
        blocks.append(Block("figure", f"total: projected vs actual ({other})", png=figure_png(fig),
                            name=f"origins_total_{other}.png"))
    last = data.label(bt.origins[-1])
    fig = plot_stacked_components(bt, last, "components" if "components" in bt.strategies else strategy, window)
    blocks.append(Block("figure", f"Line items stacked against the total, origin {last}", png=figure_png(fig),
                        name="components_stacked.png"))
    return blocks

def _auto_choices(bt: BacktestResult, strategy: str, window: str) -> list[Block]:
    """What `auto` chose at each origin."""
    blocks: list[Block] = []
    if bt.chosen:
        picks = pd.Series([s for s in bt.chosen.values()]).value_counts()
        blocks.append(Block("h2", "What `auto` chose"))
        blocks.append(Block("p", "At each origin `auto` ran its own backtest inside the data up to the origin: "
                            + ", ".join(f"{s} {k} time{'s' if k > 1 else ''}" for s, k in picks.items()) + "."))
    return blocks

def to_markdown(blocks: list[Block], files_dir: str = "report_files") -> tuple[str, dict[str, bytes]]:
    """Markdown text and the figure files it links to (relative paths under `files_dir`)."""
    lines, files = [], {}
    for b in blocks:
        if b.kind == "h1":
            lines += [f"# {b.text}", ""]
        elif b.kind == "h2":
            lines += [f"## {b.text}", ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "table":
            lines += [f"*{b.text}*", "", _fmt_table(b.table).to_markdown(index=False), ""]
        elif b.kind == "figure":
            files[f"{files_dir}/{b.name}"] = b.svg.encode("utf-8") if b.svg else b.png
            lines += [f"![{b.text}]({files_dir}/{b.name})", ""]
    return "\n".join(lines), files


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,"Noto Sans CJK SC","WenQuanYi Micro Hei",
"Microsoft YaHei","PingFang SC",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}caption{text-align:left;font-style:italic;padding:.3em 0}
img{max-width:100%;border:1px solid #eee;margin:.4em 0 1em}figure{margin:0}
figcaption{font-size:.85em;color:#555}.scroll{overflow-x:auto}figure svg{max-width:100%;height:auto}
@page{size:A4;margin:12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt}h2{break-after:avoid}
table,figure,p{break-inside:avoid}.scroll{overflow:visible}table{font-size:7.5pt}th,td{padding:.15em .35em}
img,figure svg{max-width:100%;height:auto}}
"""


def to_html(blocks: list[Block], lang: str = "en") -> str:
    """One self-contained page: styles inline (with a print stylesheet for A4), figures as
    inline SVG or base64 data URIs."""
    title = next((b.text for b in blocks if b.kind == "h1"), "Backtest report")
    body = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{html.escape(b.text)}</{b.kind}>")
        elif b.kind == "p":
            text = html.escape(b.text)
            parts = text.split("**")
            text = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
            body.append(f"<p>{text}</p>")
        elif b.kind == "table":
            table = _fmt_table(b.table).to_html(index=False, border=0, escape=True)
            head, rest = table.split(">", 1)  # put the caption right after the opening <table ...>
            body.append(f'<div class="scroll">{head}><caption>{html.escape(b.text)}</caption>{rest}</div>')
        elif b.kind == "figure" and b.svg:
            body.append(f"<figure>{b.svg[b.svg.index('<svg'):]}<figcaption>{html.escape(b.text)}</figcaption></figure>")
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(b.text)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{html.escape(b.text)}</figcaption></figure>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


TABLE_FILES = ("forecasts.csv", "metrics.csv", "annual.csv", "annual_metrics.csv", "ranking.csv")
BACKTEST_FILES = (*TABLE_FILES, "report.html", "report.md")


def write_backtest(bt: BacktestResult, out_dir, *, report: bool = True) -> list[Path]:
    """Write forecasts.csv, metrics.csv, annual.csv, annual_metrics.csv, ranking.csv and (with
    `report`) report.html, report.md and report_files/ into `out_dir`, each atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    forecasts = bt.forecasts.drop(columns=["model", "ordinal", "origin_ordinal"]).assign(model=bt.forecasts["model"])
    for name, table in zip(TABLE_FILES, (forecasts, bt.metrics, bt.annual, bt.annual_metrics, bt.ranking)):
        write_table(rounded(table, bt.data.decimals), out / name)
        written.append(out / name)
    if report:
        blocks = build_report(bt)
        md, files = to_markdown(blocks)
        for rel, png in files.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(out / rel, lambda tmp, png=png: Path(tmp).write_bytes(png))
        for name, text in (("report.md", md), ("report.html", to_html(blocks))):
            atomic_write(out / name, lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))
            written.append(out / name)
    return written
