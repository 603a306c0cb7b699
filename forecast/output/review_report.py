"""The review written out: `.html` (self-contained, prints to A4), `.md` (charts beside it as SVG),
`.xlsx` (one sheet per table, the headline on the first) and `.csv` (the per-series table; the
other tables beside it as STEM.NAME.csv)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.errors import InputDataError
from forecast.io.files import atomic_write, write_tables
from forecast.io.rounding import rounded
from forecast.output.report import Block, to_html, to_markdown
from forecast.output.review_text import MONTH_NAMES, flag_lines, headed, headline, unit_name

FORMATS = (".html", ".md", ".xlsx", ".csv")

SERIES_COLUMNS = ["series", "month_actual", "mom_pct", "yoy_pct", "ytd_actual", "ytd_yoy_pct", "share_pct",
                  "share_change_pp", "contribution_pct"]
YEAR_COLUMNS = ["series", "last_year_actual", "full_year_forecast", "full_year_lower_80", "full_year_upper_80",
                "full_year_yoy_pct"]
TARGET_COLUMNS = ["label", "series", "target", "attainment_pct", "time_progress_pct", "ahead_of_plan",
                  "full_year_forecast", "projected_attainment_pct", "gap_to_target", "prob_meet_target"]
UNIT_TARGET_COLUMNS = ["target", "attainment_pct", "ahead_of_plan", "full_year_forecast", "full_year_lower_80",
                       "full_year_upper_80", "prob_meet_target"]
CHECK_COLUMNS = ["series", "actual", "forecast", "lower_95", "upper_95", "error_pct", "beyond_95"]

TITLES = {
    "zh": {"title": "{year}年{month}月收入分析", "flags": "关注事项", "items": "分项收入", "year": "全年预计", "targets": "目标完成情况",
           "bridges": "收入变动桥", "ytd": "累计收入变动(上年同期至本年累计)", "full": "全年收入变动(上年实际至本年预计)",
           "check": "本月实际与上月预测", "units": "单位排名(欠进度单位在前)", "none": "本月无需关注事项。",
           "last_ytd": "上年同期", "ytd_now": "本年累计", "last_year": "上年全年", "forecast": "本年预计",
           "notes": "说明", "unit": "单位"},
    "en": {"title": "Revenue review, {month_name} {year}", "flags": "Flags", "items": "Line items",
           "year": "The full year", "targets": "Targets",
           "bridges": "Bridges", "ytd": "Year to date: last year's to this year's",
           "full": "Full year: last year's actual to this year's forecast",
           "check": "The month against the forecast made a month earlier",
           "units": "Business units (those behind plan first)", "none": "Nothing to flag this month.",
           "last_ytd": "last year to date", "ytd_now": "this year to date", "last_year": "last year",
           "forecast": "this year (forecast)", "notes": "Notes", "unit": "unit"},
}


def review_blocks(review, lang: str) -> list[Block]:
    """The review as blocks, in reading order (the HTML and the Markdown render the same)."""
    from forecast.output.plot import figure_svg  # matplotlib: for the formats with charts only
    from forecast.output.review_charts import plot_bridge, plot_month_check

    words = TITLES[lang]
    year, month = review.year, review.month_of_year
    blocks = [Block("h1", words["title"].format(year=year, month=month, month_name=MONTH_NAMES[month - 1])),
              Block("p", headline(review, lang))]
    unit = unit_name(review.unit, lang)
    if unit:
        blocks.append(Block("p", f"{words['unit']}: {unit}"))
    blocks.append(Block("h2", words["flags"]))
    lines = flag_lines(review, lang)
    blocks += [Block("p", f"• {line}") for line in lines] or [Block("p", words["none"])]
    blocks += [Block("h2", words["items"]), Block("table", words["items"], headed(review.table[SERIES_COLUMNS], lang)),
               Block("table", words["year"], headed(review.table[YEAR_COLUMNS], lang)),
               Block("h2", words["targets"]), Block("table", words["targets"],
                                                    headed(review.targets[TARGET_COLUMNS], lang))]
    blocks += [Block("h2", words["bridges"]),
               Block("figure", words["ytd"], svg=figure_svg(plot_bridge(
                   review.bridges["ytd"], start_label=f"{year - 1} {words['last_ytd']}",
                   end_label=f"{year} {words['ytd_now']}", unit=review.unit, lang=lang)),
                   name="bridge_ytd.svg"),
               Block("figure", words["full"], svg=figure_svg(plot_bridge(
                   review.bridges["full_year"], start_label=f"{year - 1} {words['last_year']}",
                   end_label=f"{year} {words['forecast']}", unit=review.unit, lang=lang)),
                   name="bridge_full_year.svg")]
    blocks += [Block("h2", words["check"]),
               Block("figure", words["check"], svg=figure_svg(plot_month_check(review.check, lang=lang)),
                     name="month_check.svg"),
               Block("table", words["check"], headed(review.check[CHECK_COLUMNS], lang))]
    if review.units is not None:
        units, key = review.units, review.units.columns[1]
        targeted = units[units["target"].notna()]
        blocks += [Block("h2", words["units"]), Block("table", words["units"], headed(units[[
            "rank", key, *SERIES_COLUMNS[1:]]], lang))]
        if len(targeted):
            blocks.append(Block("table", words["targets"], headed(targeted[["rank", key, *UNIT_TARGET_COLUMNS]], lang)))
    if review.notes:
        blocks += [Block("h2", words["notes"])] + [Block("p", note) for note in review.notes]
    return blocks


def write_review(review, path, *, lang: str = "zh") -> list[Path]:
    """Write the review in the format of `path`'s extension; returns the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputDataError(f"--output {path}: a review is written as {', '.join(FORMATS)}; give one of those")
    tables = {name: rounded(table, review.decimals) for name, table in review.tables().items()}
    if suffix == ".csv":
        return write_tables(tables, path)
    if suffix == ".xlsx":
        first = pd.DataFrame({"headline": [headline(review, lang)] + flag_lines(review, lang)})
        return write_tables({"headline": first, **tables}, path)
    blocks = review_blocks(review, lang)
    if suffix == ".html":
        atomic_write(path, lambda tmp: Path(tmp).write_text(to_html(blocks, "zh-CN" if lang == "zh" else "en"),
                                                           encoding="utf-8"))
        return [path]
    text, files = to_markdown(blocks, f"{path.stem}_files")
    written = []
    for name, data in files.items():
        target = path.parent / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda tmp, data=data: Path(tmp).write_bytes(data))
        written.append(target)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return [path, *written]

