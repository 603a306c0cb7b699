"""The TOML configuration: run defaults and per-component overrides. Unknown keys are errors,
so a typo never silently changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from forecast.errors import ConfigError
from forecast.io.files import read_toml
from forecast.models import FAMILIES
from forecast.revenue import GROUPS
from forecast.select import CHOOSE, Judgmental
from forecast.strategies import STRATEGIES

RUN_KEYS = {"strategy", "window", "levels", "seed", "paths", "spring_festival_window", "calendar", "jobs", "unit"}
COMPONENT_KEYS = {"group", "period", "model", "window", "per_day", "calendar", "judgmental", "growth"}


@dataclass(frozen=True)
class ComponentConfig:
    group: str | None = None
    period: int | None = None
    model: str = "auto"
    window: int | str | None = "auto"
    per_day: bool | None = None
    calendar: bool | None = None
    judgmental: Judgmental | None = None


@dataclass(frozen=True)
class Config:
    strategy: str = "components"
    window: int | str | None = "auto"
    levels: tuple[int, ...] = (80, 95)
    seed: int = 0
    paths: int = 2000
    spring_festival_window: tuple[int, int] = (-7, 7)
    calendar: bool = True
    jobs: int | None = None
    unit: str | None = None  # the amounts' unit for charts and reports (e.g. 万元), when the file has none
    components: dict = field(default_factory=dict)  # name -> ComponentConfig
    groupings: dict = field(default_factory=dict)  # name -> {group: [line items]}, user-defined splits
    source: str = "defaults"


def parse_window(value, where: str):
    """'auto' (the default: all history), 'choose' (24, 36 or all periods, chosen per series), 'all'
    (None) or a positive whole number of periods."""
    if value is None or (isinstance(value, str) and value.lower() == "all"):
        return None
    if isinstance(value, str) and value.lower() in ("auto", CHOOSE):
        return value.lower()
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: window {value!r} is not valid; give a number of periods, 'all' or "
                          f"'{CHOOSE}'") from None
    if n < 3 or str(n) != str(value).strip():
        raise ConfigError(f"{where}: window {value!r} is not valid; give a whole number of periods of at least 3, "
                          f"'all' or '{CHOOSE}'")
    return n


def parse_levels(levels, where: str) -> tuple[int, ...]:
    out = []
    for level in levels:
        try:
            value = float(level)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: level {level!r} is not a number; give percentages such as 80 and 95") from None
        if not 0 < value < 100 or value != int(value):
            raise ConfigError(f"{where}: level {level!r} must be a whole percentage between 1 and 99")
        out.append(int(value))
    return tuple(sorted(set(out)))


def config_from_dict(raw: dict, source: str) -> Config:
    unknown = set(raw) - {"forecast", "components", "groupings"}
    if unknown:
        raise ConfigError(f"{source}: unknown section {sorted(unknown)[0]!r}; sections are [forecast], "
                          "[components.NAME] and [groupings.NAME]")
    run = raw.get("forecast", {})
    _check_keys(run, RUN_KEYS, f"{source} [forecast]")
    kwargs = {}
    where = f"{source} [forecast]"
    if "strategy" in run:
        if run["strategy"] not in STRATEGIES:
            raise ConfigError(f"{where}: strategy {run['strategy']!r} is not one of {', '.join(STRATEGIES)}")
        kwargs["strategy"] = run["strategy"]
    if "window" in run:
        kwargs["window"] = parse_window(run["window"], where)
    if "levels" in run:
        kwargs["levels"] = parse_levels(run["levels"], where)
    for key in ("seed", "paths", "jobs"):
        if key in run:
            if not isinstance(run[key], int) or run[key] < (0 if key == "seed" else 1):
                raise ConfigError(f"{where}: {key} must be a whole number (got {run[key]!r})")
            kwargs[key] = run[key]
    if "unit" in run:
        if not isinstance(run["unit"], str) or not run["unit"].strip():
            raise ConfigError(f"{where}: unit must be text such as \"万元\" (got {run['unit']!r})")
        kwargs["unit"] = run["unit"].strip()
    if "calendar" in run:
        kwargs["calendar"] = _bool(run["calendar"], f"{where} calendar")
    if "spring_festival_window" in run:
        w = run["spring_festival_window"]
        if not (isinstance(w, list) and len(w) == 2 and all(isinstance(v, int) for v in w) and w[0] <= w[1]):
            raise ConfigError(f"{where}: spring_festival_window must be two whole numbers of days around the "
                              "festival, e.g. [-7, 7]")
        kwargs["spring_festival_window"] = (w[0], w[1])
    comps = {}
    for name, body in raw.get("components", {}).items():
        comps[name] = _component(name, body, f"{source} [components.{name}]")
    groupings = {name: _grouping(name, body, f"{source} [groupings.{name}]")
                 for name, body in raw.get("groupings", {}).items()}
    return Config(**kwargs, components=comps, groupings=groupings, source=source)


def _grouping(name: str, body, where: str) -> dict[str, tuple[str, ...]]:
    """A user-defined split of the line items, modelled as a strategy of its own (lesson 1: try
    several splits and keep the one that backtests best)."""
    if name in STRATEGIES or not name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError(f"{where}: the name must be letters, digits, _ or - and not one of "
                          f"{', '.join(STRATEGIES)}")
    if not isinstance(body, dict) or not body:
        raise ConfigError(f"{where}: give each group its line items, e.g. mobile = [\"mobile_data\"]")
    out = {}
    for group, items in body.items():
        if not (isinstance(items, list) and items and all(isinstance(i, str) for i in items)):
            raise ConfigError(f"{where}: {group} must be a list of line item names, e.g. "
                              f"{group} = [\"broadband\", \"other_data\"]")
        out[group] = tuple(items)
    return out


def _component(name: str, body, where: str) -> ComponentConfig:
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: must be a table of settings, e.g. [components.{name}] then model = \"ets\"")
    _check_keys(body, COMPONENT_KEYS, where)
    kw = {}
    if "group" in body:
        if body["group"] not in GROUPS:
            raise ConfigError(f"{where}: group {body['group']!r} is not 'fixed' or 'fluctuating'")
        kw["group"] = body["group"]
    if "period" in body:
        if not isinstance(body["period"], int) or body["period"] < 1:
            raise ConfigError(f"{where}: period must be a whole number of periods (1 = not seasonal)")
        kw["period"] = body["period"]
    if "model" in body:
        if body["model"] not in (*FAMILIES, "auto"):
            raise ConfigError(f"{where}: model {body['model']!r} is not one of auto, {', '.join(FAMILIES)}")
        kw["model"] = body["model"]
    if "window" in body:
        kw["window"] = parse_window(body["window"], where)
    for key in ("per_day", "calendar"):
        if key in body:
            kw[key] = _bool(body[key], f"{where} {key}")
    values, growth = body.get("judgmental"), body.get("growth")
    if values is not None and growth is not None:
        raise ConfigError(f"{where}: give either judgmental values or a growth rate, not both")
    if values is not None:
        if not (isinstance(values, list) and values and all(isinstance(v, (int, float)) for v in values)):
            raise ConfigError(f"{where}: judgmental must be a list of future values, e.g. [120.0, 125.5]")
        kw["judgmental"] = Judgmental(values=tuple(float(v) for v in values))
    if growth is not None:
        if not isinstance(growth, (int, float)) or not -1 < growth < 10:
            raise ConfigError(f"{where}: growth must be an annual rate such as 0.05 for +5%")
        kw["judgmental"] = Judgmental(growth=float(growth))
    return ComponentConfig(**kw)


def _bool(value, where):
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false (got {value!r})")
    return value


def _check_keys(table: dict, known: set, where: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known keys are {', '.join(sorted(known))}")


def load_config(path) -> Config:
    if path is None:
        return Config()
    try:
        raw = read_toml(path)
    except Exception as exc:  # InputDataError from io: a config problem here
        raise ConfigError(str(exc)) from None
    return config_from_dict(raw, str(path))


MAX_YEARS_AHEAD = 10  # a budget looks a year or two ahead; ten years bounds time and memory
MAX_HORIZON = 3660  # ten years of daily data: the --horizon option's own bound
PATH_MEMORY_LIMIT = 2 * 1024 ** 3  # bytes of joint sample paths one run may hold


def check_horizon(horizon: int, freq, *, series: int = 1, paths: int = 0) -> None:
    """Refuse a horizon beyond ten years of the data's frequency, or one whose joint sample
    paths (paths x horizon x series, 8 bytes each) would not fit in memory."""
    if horizon < 1:
        raise ConfigError(f"--horizon must be at least 1 (got {horizon})")
    limit = MAX_YEARS_AHEAD * freq.periods_per_year
    if horizon > limit:
        raise ConfigError(f"--horizon {horizon} is more than {MAX_YEARS_AHEAD} years ({limit} {freq.name}s), "
                          "the longest forecast made; give a shorter horizon")
    needed = paths * horizon * series * 8 * 2  # the paths and one working copy
    if needed > PATH_MEMORY_LIMIT:
        raise ConfigError(f"--horizon {horizon} with {series} series and {paths} sample paths needs "
                          f"{needed / 1024 ** 3:.1f} GiB, over the {PATH_MEMORY_LIMIT / 1024 ** 3:.0f} GiB limit; "
                          "give a shorter horizon or fewer paths ([forecast] paths in the config)")
