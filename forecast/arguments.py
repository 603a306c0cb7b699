"""Checks of the Python API's arguments: a wrong type is a TypeError, a wrong value a
ValueError, raised before any work and naming the argument and what to give instead.

The command line parses text into these values; from Python the values arrive as they are, so
`window="24"` (what a CLI user would type) must be refused, not read as something else.
"""
from __future__ import annotations

import datetime as dt
import numbers
import os
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from forecast.config import CHOOSE, MAX_HORIZON, Config, config_from_dict, load_config
from forecast.planning.budget import read_targets


def whole_number(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """An int (numpy's too) of at least `minimum`; not a bool, a float or a string."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        hint = f"; write {name}={value.strip()}" if isinstance(value, str) and value.strip().isdigit() else ""
        raise TypeError(f"{name} must be a whole number (int), not {type(value).__name__} {value!r}{hint}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ValueError(f"{name}={value} is out of range; give a whole number {bound}")
    return int(value)


def optional_whole_number(name: str, value, *, minimum: int = 1) -> int | None:
    return None if value is None else whole_number(name, value, minimum=minimum)


def horizon(value) -> int:
    return whole_number("horizon", value, maximum=MAX_HORIZON)


def window(value, *, allow_auto: bool = True):
    """`"auto"` (the default: the config's window, else all history), `"choose"` (24, 36 or all
    periods, chosen per series), `None` or `"all"` (all history), or an int of at least 3."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("all", CHOOSE) or (text == "auto" and allow_auto):
            return None if text == "all" else text
        if text.isdigit():
            raise TypeError(f"window must be an int, 'all' or '{CHOOSE}', not the string {value!r}; "
                            f"write window={text}")
        raise ValueError(f"window={value!r} is not known; give a number of periods such as 24, 'all' or '{CHOOSE}'")
    return whole_number("window", value, minimum=3)


def windows(value) -> tuple:
    """One window or several to compare (a list or tuple)."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("windows is empty; give e.g. [12, 24, 'all']")
        return tuple(window(v) for v in value)
    return (window(value),)


def levels(value) -> tuple[int, ...] | None:
    """Interval levels in percent: an int or a sequence of ints between 1 and 99."""
    if value is None:
        return None
    items = [value] if isinstance(value, numbers.Number) or isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise TypeError(f"levels must be an int or a sequence of ints such as (80, 95), not {type(value).__name__}")
    out = tuple(sorted({whole_number("levels", v, maximum=99) for v in items}))
    if not out:
        raise ValueError("levels is empty; give e.g. (80, 95)")
    return out


def text(name: str, value, choices: Iterable[str] | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__} {value!r}")
    choices = tuple(choices or ())
    if choices and value not in choices:
        raise ValueError(f"{name}={value!r} is not known; give one of {', '.join(choices)}")
    return value


def names(name: str, value) -> tuple[str, ...]:
    """A comma list or a sequence of names."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, Iterable):
        items = [text(name, v) for v in value]
    else:
        raise TypeError(f"{name} must be a list of names or a comma list, not {type(value).__name__}")
    if not items:
        raise ValueError(f"{name} is empty")
    return tuple(items)


def period(name: str, value) -> str | None:
    """A period as text the data's calendar reads: '2023-12', a date, a Timestamp or a Period."""
    if value is None:
        return None
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(value)  # a year, 202312
    raise TypeError(f"{name} must be a period such as '2023-12', a date or a pandas Period, not "
                    f"{type(value).__name__} {value!r}")


def amount(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number such as 158000, not {type(value).__name__} {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r}: a target must be a positive amount")
    return float(value)


def targets(target, targets_arg) -> dict[str, float]:
    """`target` (the total's amount) and/or `targets` (series -> amount, or a file path)."""
    out: dict[str, float] = {}
    if targets_arg is not None:
        if isinstance(targets_arg, (str, os.PathLike)):
            out = read_targets(targets_arg)
        elif isinstance(targets_arg, Mapping):
            out = {text("targets key", k): amount(f"targets[{k!r}]", v) for k, v in targets_arg.items()}
        elif isinstance(targets_arg, pd.DataFrame) and {"series", "target"} <= set(targets_arg.columns):
            out = {text("targets series", s): amount(f"target of {s!r}", v)
                   for s, v in zip(targets_arg["series"], targets_arg["target"])}
        else:
            raise TypeError("targets must be a dict {series: amount}, a DataFrame with series and target, or a path")
    if target is not None:
        if "total" in out:
            raise ValueError("the total's target is given twice (target= and targets=); give it once")
        out["total"] = amount("target", target)
    if not out:
        raise ValueError("give the annual target: target=AMOUNT (the total) or targets={series: amount}")
    return out


def config(value) -> Config:
    """None (the defaults), a Config, a dict shaped like the TOML file, or the file's path."""
    if value is None:
        return Config()
    if isinstance(value, Config):
        return value
    if isinstance(value, Mapping):
        return config_from_dict(dict(value), "config")
    if isinstance(value, (str, os.PathLike)):
        return load_config(value)
    raise TypeError(f"config must be a path, a dict or a forecast.Config, not {type(value).__name__}")
