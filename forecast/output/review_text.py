"""The review's words, in the operators' Chinese (zh) or in English (en): the headline sentence,
the flags, and the tables' headings (docs/review.md has the glossary)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.combine import TOTAL

LANGS = ("zh", "en")

SERIES_NAMES = {"zh": {TOTAL: "合计", "group:fixed": "固定收入", "group:fluctuating": "波动收入"},
                "en": {TOTAL: "total", "group:fixed": "fixed", "group:fluctuating": "fluctuating"}}
CLASS_NAMES = {"zh": {"fixed": "固定类", "fluctuating": "波动类"}, "en": {"fixed": "fixed", "fluctuating": "fluctuating"}}
LABELS_EN = {"target": "target", "目标": "target", "考核目标": "assessed target", "认购目标": "subscribed target",
             "预算目标": "budget target", "全年目标": "annual target"}
UNITS_EN = {"万元": "10k CNY", "元": "CNY", "亿元": "100M CNY", "千元": "1k CNY"}

HEADINGS = {
    "series": ("项目", "series"), "month_actual": ("本月收入", "month"), "mom_pct": ("环比%", "MoM %"),
    "yoy_pct": ("同比%", "YoY %"), "ytd_actual": ("累计收入", "year to date"), "ytd_yoy_pct": ("累计同比%", "YTD YoY %"),
    "share_pct": ("占收比%", "share %"), "share_change_pp": ("占收比变化(百分点)", "share change (pp)"),
    "contribution_pct": ("同比贡献(百分点)", "contribution (pp)"), "target": ("目标", "target"),
    "attainment_pct": ("完成率%", "attainment %"), "ahead_of_plan": ("超(+)/欠(-)计划进度", "ahead of plan"),
    "full_year_forecast": ("全年预计", "full-year forecast"), "full_year_lower_80": ("80%下限", "80% low"),
    "full_year_upper_80": ("80%上限", "80% high"), "gap_to_target": ("预计与目标差额", "gap to target"),
    "prob_meet_target": ("完成目标概率%", "P(meet) %"), "label": ("目标口径", "target"),
    "time_progress_pct": ("时间进度%", "time progress %"), "projected_attainment_pct": ("预计完成率%", "projected attainment %"),
    "actual": ("本月实际", "actual"), "forecast": ("上月预测", "forecast a month earlier"),
    "lower_95": ("95%下限", "95% low"), "upper_95": ("95%上限", "95% high"), "error_pct": ("偏差%", "error %"),
    "beyond_95": ("超出95%区间", "beyond the 95% interval"), "rank": ("排名", "rank"),
    "last_year_actual": ("上年全年", "last year"), "full_year_yoy_pct": ("全年预计同比%", "full-year YoY %"),
}


def series_name(name: str, lang: str) -> str:
    return SERIES_NAMES[lang].get(name, name)


def label_name(label: str, lang: str) -> str:
    if lang == "zh":
        return "目标" if label == "target" else label
    return LABELS_EN.get(label, label)


def unit_name(unit: str | None, lang: str) -> str:
    if not unit:
        return ""
    return unit if lang == "zh" else UNITS_EN.get(unit, unit)


def amount(value: float, lang: str = "en") -> str:
    """Operators write whole amounts (19981万元); small ones keep two decimals."""
    if value is None or not np.isfinite(value):
        return "n/a"
    digits = 0 if abs(value) >= 100 else 2
    return f"{value:.{digits}f}" if lang == "zh" else f"{value:,.{digits}f}"


def pct(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{abs(value):.2f}%"


def _change(value: float, lang: str, up: tuple[str, str] = ("增长", "下降")) -> str:
    if value is None or not np.isfinite(value):
        return "无可比数据" if lang == "zh" else "n/a"
    if lang == "zh":
        return f"{up[0] if value >= 0 else up[1]}{pct(value)}"
    return f"{'up' if value >= 0 else 'down'} {pct(value)}"


def headline(review, lang: str) -> str:
    """The review's opening paragraph, as the operators write it."""
    h = review.headline
    t, targets, unit = h["total"], h["targets"], unit_name(h["unit"], lang)
    month = review.month_of_year
    if lang == "zh":
        return _headline_zh(review, t, targets, unit, month)
    return _headline_en(review, t, targets, unit, month)


def _headline_zh(review, t, targets, unit, month) -> str:
    span = f"{month}月" if month == 1 else f"1-{month}月"
    parts = [f"{span}累计完成收入{amount(t['ytd_actual'], 'zh')}{unit}"]
    parts += [f"完成全年{label_name(label, 'zh')}({amount(r['target'], 'zh')}{unit})的{r['attainment_pct']:.2f}%"
              for label, r in targets.iterrows()]
    parts.append(f"时间进度{targets['time_progress_pct'].iloc[0]:.2f}%")
    parts.append(f"同比{_change(t['ytd_yoy_pct'], 'zh', ('增幅', '降幅'))}")
    one = len(targets) == 1
    for label, r in targets.iterrows():
        side = "超" if r["ahead_of_plan"] >= 0 else "欠"
        what = "计划进度" if one else f"{label_name(label, 'zh')}进度"
        parts.append(f"{side}{what}{amount(abs(r['ahead_of_plan']), 'zh')}{unit}")
    first = "，".join(parts) + "。"
    second = (f"{month}月收入{amount(t['month_actual'], 'zh')}{unit}，环比{_change(t['mom_pct'], 'zh')}，"
              f"同比{_change(t['yoy_pct'], 'zh')}。")
    odds = "，".join(f"完成{label_name(label, 'zh')}的概率为{r['prob_meet_target'] * 100:.0f}%"
                     for label, r in targets.iterrows())
    third = (f"预计全年收入{amount(t['full_year_forecast'], 'zh')}{unit}(80%区间{amount(t['full_year_lower_80'], 'zh')}"
             f"至{amount(t['full_year_upper_80'], 'zh')}{unit})，{odds}。")
    return first + second + third


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def _headline_en(review, t, targets, unit, month) -> str:
    span = MONTH_NAMES[month - 1] if month == 1 else f"January-{MONTH_NAMES[month - 1]}"
    unit_note = f" ({unit})" if unit else ""
    shares = " and ".join(f"{r['attainment_pct']:.2f}% of the annual {label_name(label, 'en')} "
                          f"({amount(r['target'])})" for label, r in targets.iterrows())
    plans = "; ".join(f"{amount(abs(r['ahead_of_plan']))} {'ahead of' if r['ahead_of_plan'] >= 0 else 'behind'} "
                      f"{'plan' if len(targets) == 1 else 'the ' + label_name(label, 'en') + ' plan'}"
                      for label, r in targets.iterrows())
    first = (f"{span} {review.year} revenue {amount(t['ytd_actual'])}{unit_note}: {shares}; time progress "
             f"{targets['time_progress_pct'].iloc[0]:.2f}%; {_change(t['ytd_yoy_pct'], 'en')} year on year; {plans}.")
    second = (f" {MONTH_NAMES[month - 1]}: {amount(t['month_actual'])}, {_change(t['mom_pct'], 'en')} month on month "
              f"and {_change(t['yoy_pct'], 'en')} year on year.")
    odds = ", ".join(f"the {label_name(label, 'en')}{' is' if i == 0 else ''} {r['prob_meet_target'] * 100:.0f}%"
                     for i, (label, r) in enumerate(targets.iterrows()))
    third = (f" The year is forecast to close at {amount(t['full_year_forecast'])} (80% interval "
             f"{amount(t['full_year_lower_80'])} to {amount(t['full_year_upper_80'])}); the chance of meeting {odds}.")
    return first + second + third


def flag_lines(review, lang: str) -> list[str]:
    """One sentence per flag."""
    unit = unit_name(review.unit, lang)
    check = review.check.set_index("series")
    lines = []
    for f in review.flags.itertuples():
        name = series_name(f.series, lang)
        if f.kind == "outside_95":
            c = check.loc[f.series]
            above = f.amount > 0
            if lang == "zh":
                lines.append(f"{name}：本月{amount(c['actual'], 'zh')}{unit}，{'高于' if above else '低于'}上月所作预测的95%区间"
                             f"({amount(c['lower_95'], 'zh')}至{amount(c['upper_95'], 'zh')})"
                             f"{amount(abs(f.amount), 'zh')}"
                             f"{unit}(预测值的{pct(f.pct)})")
            else:
                lines.append(f"{name}: {amount(c['actual'])} this month, {amount(abs(f.amount))} ({pct(f.pct)} of the "
                             f"forecast) {'above' if above else 'below'} the 95% interval forecast a month earlier "
                             f"({amount(c['lower_95'])} to {amount(c['upper_95'])})")
        elif f.kind == "behind_plan":
            label = label_name(f.label, lang)
            lines.append(f"{name}：欠{label}计划进度{amount(abs(f.amount), 'zh')}{unit}({pct(f.pct)})" if lang == "zh" else
                         f"{name}: {amount(abs(f.amount))} ({pct(f.pct)}) behind the {label} plan")
        elif f.kind == "class_changed":
            was, now = (CLASS_NAMES[lang][w] for w in f.detail.split(" -> "))
            lines.append(f"{name}：由去年的{was}变为{now}" if lang == "zh" else
                         f"{name}: {now} this year, {was} last year")
    if review.units is not None:
        for r in review.units[review.units["ahead_of_plan"].lt(0)].itertuples():
            key = getattr(r, review.units.columns[1])
            lines.append(f"{key}：欠计划进度{amount(abs(r.ahead_of_plan), 'zh')}{unit}" if lang == "zh" else
                         f"{key}: {amount(abs(r.ahead_of_plan))} behind plan")
    return lines


def headed(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A table with the series named and the columns headed in `lang` (percent of probabilities)."""
    out = table.copy()
    if "series" in out.columns:
        out["series"] = out["series"].map(lambda s: series_name(s, lang))
    if "label" in out.columns:
        out["label"] = out["label"].map(lambda s: label_name(s, lang))
    if "prob_meet_target" in out.columns:
        out["prob_meet_target"] = out["prob_meet_target"] * 100.0
    index = 0 if lang == "zh" else 1
    return out.rename(columns={c: HEADINGS[c][index] for c in out.columns if c in HEADINGS})
