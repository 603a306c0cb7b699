"""`forecast review`: the month-end revenue review, written as HTML, Markdown, Excel or CSV."""
from __future__ import annotations

import click
import numpy as np

from forecast.cli.common import (
    examples,
    friendly,
    input_options,
    load_input,
    parse_window_option,
    shows_steps,
    unit_option,
    user_files,
)
from forecast.config import load_config
from forecast.errors import InputDataError
from forecast.io.paths import check_output
from forecast.planning.budget import read_targets
from forecast.planning.review import DEFAULT_LABEL, review
from forecast.progress import step


@click.command("review", epilog=examples(
    "forecast review data/revenue_monthly.csv --month 2024-05 --target 考核目标=158000 --target 认购目标=160000 "
    "--unit 万元 -o review.html",
    "forecast review data/revenue_monthly.csv --month 2024-05 --targets targets.csv --lang en -o review.md",
    "forecast review data/units_monthly.csv --id-col unit --month 2024-05 --targets unit_targets.csv -o review.xlsx"))
@input_options
@click.option("--month", required=True, help="The month under review, written like the file's dates (e.g. 2024-05); "
              "data after it are not used.")
@click.option("--target", "target_texts", multiple=True, metavar="[LABEL=]AMOUNT",
              help="The total's annual target, e.g. 467500; repeat with labels for several, e.g. "
              "--target 考核目标=46750 --target 认购目标=47135.")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False),
              help="CSV or .xlsx with columns series,target: targets of the total, groups, line items or units.")
@click.option("--id-col", help="The column naming each business unit: the review sums them and ranks them.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the headline, flags and headings.")
@click.option("--output", "-o", required=True, help="The review: .html (prints to A4), .md, .xlsx or .csv.")
@click.option("--phase", type=click.Choice(["seasonal", "even"]), default="seasonal", show_default=True,
              help="Split targets over the year by the forecast's seasonal profile, or evenly.")
@click.option("--strategy", help="auto, direct, split, components, or a grouping from the config.")
@click.option("--window", help="Fit on the last N periods (default: all history; 'choose': 24, 36 or all, per series).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config (overrides per component).")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@unit_option
@shows_steps
@friendly
def review_cmd(input, sheet, db, query, freq, encoding, month, target_texts, targets_path, id_col, lang, output, phase,
               strategy, window, config_path, jobs, unit):
    """The month-end review: headline, line items, targets, bridges, flags and units."""
    from forecast.output.review_report import FORMATS, write_review

    check_output("--output", output, kinds=FORMATS, protected=user_files(input=input, config_path=config_path,
                                                                          targets_path=targets_path, db=db))
    if output == "-":
        raise click.UsageError("a review is written to a file: give --output review.html (or .md, .xlsx, .csv)")
    if not target_texts and targets_path is None:
        raise click.UsageError("give a target: --target AMOUNT, --target LABEL=AMOUNT (repeatable) or --targets FILE")
    targets = parse_targets(target_texts, read_targets(targets_path) if targets_path else {}, targets_path)
    config = load_config(config_path)
    options = dict(phase=phase, config=config, strategy=strategy, window=parse_window_option(window), jobs=jobs,
                   targets_source=targets_path or "--target")
    if id_col is not None:
        from forecast.io.files import read_table
        from forecast.planning.review_units import review_by_unit

        if input is None or db is not None:
            raise click.UsageError("--id-col reviews the units of an INPUT file; give one")
        raw = read_table(input, sheet=sheet, encoding=encoding)
        step("reviewing")
        result = review_by_unit(raw, id_col, month, targets=targets, unit=unit or raw.unit or config.unit, **options)
    else:
        data = load_input(input, sheet, db, query, freq, encoding, unit=unit, config=config)
        step("reviewing")
        result = review(data, month, targets=targets, **options)
    step("writing")
    written = write_review(result, output, lang=lang)
    click.echo(f"wrote the review to {', '.join(map(str, written[:1]))}"
               f"{f' (and {len(written) - 1} more beside it)' if len(written) > 1 else ''}", err=True)
    from forecast.output.review_text import headline
    click.echo(headline(result, lang), err=True)
    for line in result.notes:
        click.echo(f"note: {line}", err=True)


def parse_targets(texts: tuple[str, ...], from_file: dict[str, float], path) -> dict[str, dict[str, float]]:
    """{label: {series: amount}} from `--target [LABEL=]AMOUNT` and a targets file (whose targets
    join the first label's). A target that is not an amount is a data error (exit 1)."""
    by_label: dict[str, dict[str, float]] = {}
    for text in texts:
        label, _, value = str(text).rpartition("=")
        label = label.strip() or DEFAULT_LABEL
        if label in by_label:
            raise InputDataError(f"--target {text}: a second target labelled {label!r}; give each label once")
        by_label[label] = {"total": _amount(value, text)}
    if from_file:
        first = next(iter(by_label), DEFAULT_LABEL)
        amounts = by_label.setdefault(first, {})
        if "total" in amounts and "total" in from_file:
            raise click.UsageError(f"the total's target is given twice (--target and {path}); give it once")
        amounts.update(from_file)
    return by_label


def _amount(value: str, text: str) -> float:
    try:
        amount = float(value.replace(",", "").replace("_", "").strip())
    except ValueError:
        raise InputDataError(f"--target {text}: {value.strip()!r} is not an amount; write e.g. --target 467500 or "
                             "--target 考核目标=46750") from None
    if not np.isfinite(amount) or amount <= 0:
        raise InputDataError(f"--target {text}: targets must be positive amounts")
    return amount


