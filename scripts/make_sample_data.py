"""Generate the bundled sample revenue data of a (fictional) city telecom branch.

Seeded and deterministic: `python scripts/make_sample_data.py` rewrites data/ exactly.
`--seed` and `--out-dir` make other cities of the same shape (used by scripts/eval_accuracy.py).

How the data are made (all values in 10k CNY):
- fixed charges (broadband, rental_new_services, other_data): a linear trend per month, with one
  or two tariff cuts (a permanent drop of 2-6% in a random month) and small multiplicative noise;
- usage charges (local_calls, long_distance, mobile_data): built day by day as a daily rate
  (a slow exponential trend x a month-of-year factor x a Spring Festival factor on the days from
  7 days before to 7 days after the festival), summed to dekads with multiplicative noise per dekad
  (partly common to the three items), then dekads summed to months. Month values therefore carry
  days-in-month effects and the moving festival; the dekad file and the monthly file agree exactly.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

START, END = dt.date(2017, 1, 1), dt.date(2024, 12, 31)
FESTIVAL = {2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05", 2020: "01-25",
            2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29"}

FIXED = {  # level at 2017-01, slope per month, noise sd, number of tariff cuts
    "broadband": (2400.0, 14.0, 0.012, 2),
    "rental_new_services": (1800.0, 6.0, 0.010, 1),
    "other_data": (600.0, 5.0, 0.025, 1),
}
USAGE = {  # daily rate at 2017-01, growth per month, festival factor, month-of-year factors
    "local_calls": (60.0, -0.006, -0.25,
                    [1.00, 0.97, 1.02, 1.00, 1.01, 0.99, 0.96, 0.97, 1.01, 1.03, 1.02, 1.04]),
    "long_distance": (30.0, -0.004, 0.30,
                      [1.04, 1.02, 0.98, 0.99, 1.00, 0.98, 1.03, 1.05, 0.99, 1.03, 0.96, 0.97]),
    "mobile_data": (35.0, 0.015, 0.15,
                    [0.98, 0.96, 0.99, 1.00, 1.00, 1.01, 1.05, 1.06, 1.00, 1.02, 0.98, 0.97]),
}
GROUP = {**{k: "fixed" for k in FIXED}, **{k: "fluctuating" for k in USAGE}}


def _months():
    return pd.period_range(START, END, freq="M")


def fixed_items(rng: np.random.Generator, scale: float = 1.0) -> pd.DataFrame:
    months = _months()
    t = np.arange(len(months))
    rows = {}
    for name, (level, slope, sd, cuts) in FIXED.items():
        level *= scale * rng.uniform(0.85, 1.15)
        slope *= scale * rng.uniform(0.7, 1.3)
        value = level + slope * t
        for month in rng.choice(np.arange(12, len(t)), size=cuts, replace=False):
            value[month:] *= 1 - rng.uniform(0.02, 0.06)
        rows[name] = value * np.exp(rng.normal(0, sd, len(t)))
    return pd.DataFrame(rows, index=months)


def usage_dekads(rng: np.random.Generator, scale: float = 1.0) -> pd.DataFrame:
    days = pd.date_range(START, END, freq="D")
    months_since = (days.year - START.year) * 12 + days.month - 1 + (days.day - 1) / 30.0
    in_festival = np.zeros(len(days), dtype=bool)
    for year, md in FESTIVAL.items():
        festival = pd.Timestamp(f"{year}-{md}")
        in_festival |= (days >= festival - pd.Timedelta(days=7)) & (days <= festival + pd.Timedelta(days=7))
    dekad_start = days.to_series().apply(lambda d: d.replace(day=1 if d.day <= 10 else 11 if d.day <= 20 else 21))
    common = None
    out = {}
    for name, (rate, growth, festival_effect, season) in USAGE.items():
        rate *= scale * rng.uniform(0.85, 1.15)
        growth *= rng.uniform(0.7, 1.3)
        season = 1 + (np.array(season) - 1) * rng.uniform(0.8, 1.2)
        daily = rate * np.exp(growth * months_since) * season[days.month - 1]
        daily = daily * (1 + festival_effect * rng.uniform(0.8, 1.2) * in_festival)
        dekads = pd.Series(daily, index=days).groupby(dekad_start.values).sum()
        if common is None:
            common = rng.normal(0, 0.012, len(dekads))
        noise = rng.normal(0, 0.025, len(dekads)) + common
        out[name] = dekads * np.exp(noise)
    return pd.DataFrame(out)


def make_city(seed: int, scale: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One city's monthly table (long) and its dekad table of call items (long)."""
    rng = np.random.default_rng(seed)
    fixed = fixed_items(rng, scale)
    dekads = usage_dekads(rng, scale)
    usage_monthly = dekads.groupby(dekads.index.to_period("M")).sum()
    monthly = pd.concat([fixed, usage_monthly], axis=1)
    monthly.index = monthly.index.strftime("%Y-%m")
    long = monthly.rename_axis("date").reset_index().melt("date", var_name="component")
    long["group"] = long["component"].map(GROUP)
    long["value"] = long["value"].round(2)
    calls = dekads[["local_calls", "long_distance"]]
    calls.index = calls.index.strftime("%Y-%m-%d")
    dekad_long = calls.rename_axis("date").reset_index().melt("date", var_name="component")
    dekad_long["value"] = dekad_long["value"].round(3)
    return long, dekad_long


def make_units(units: int, seed: int, per_county: int = 5, per_city: int = 4) -> pd.DataFrame:
    """`units` sub-branches, each one series (`unit, county, city, date, value`: a small city's
    total revenue), `per_county` to a county and `per_city` counties to a city. Units of one
    county share a common monthly shock (1.5%), as branches of one market do."""
    parts = []
    county_shock = {}
    for i in range(units):
        county, city = i // per_county, i // (per_county * per_city)
        rng = np.random.default_rng([seed, i])
        long, _ = make_city(int(rng.integers(1 << 31)), scale=float(rng.uniform(0.02, 0.1)))
        total = long.groupby("date", sort=True)["value"].sum()
        if county not in county_shock:
            county_shock[county] = np.random.default_rng([seed, 10**6 + county]).normal(0, 0.015, len(total))
        parts.append(pd.DataFrame({"unit": f"sub_{i + 1:04d}", "county": f"county_{county + 1:03d}",
                                   "city": f"city_{city + 1:02d}", "date": total.index,
                                   "value": (total.to_numpy() * np.exp(county_shock[county])).round(2)}))
    return pd.concat(parts, ignore_index=True)


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    parser.add_argument("--units", type=int, default=15, help="business units in units_monthly.csv")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    monthly, dekad = make_city(args.seed)
    write(monthly.drop(columns="group"), args.out_dir / "revenue_monthly.csv")
    write(dekad, args.out_dir / "calls_dekad.csv")
    if args.units:
        parts = []
        for i in range(args.units):
            unit_rng = np.random.default_rng([args.seed, i])
            unit, _ = make_city(int(unit_rng.integers(1 << 31)), scale=float(unit_rng.uniform(0.05, 0.3)))
            unit.insert(0, "unit", f"county_{i + 1:02d}")
            parts.append(unit.drop(columns="group"))
        write(pd.concat(parts), args.out_dir / "units_monthly.csv")
    write(make_units(60, args.seed), args.out_dir / "branches_monthly.csv")


if __name__ == "__main__":
    main()
