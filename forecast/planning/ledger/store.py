"""The ledger database: where it is, opening it (and migrating an older one), and the
transactions that write to it. Every write is one transaction, so a run killed while it saves
leaves nothing behind, and writers from many processes queue rather than collide."""
from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
from dataclasses import dataclass
from io import StringIO

import numpy as np
import pandas as pd
import sqlalchemy as sa

from forecast.errors import ConfigError, InputDataError
from forecast.extras import missing_extra
from forecast.planning.ledger.location import ledger_location, ledger_url, sqlite_engine
from forecast.planning.ledger.record import RunRecord
from forecast.planning.ledger.schema import current_revision, head_revision, lock, upgrade_schema
from forecast.planning.ledger.scoring import annual_errors, by_lead, lead_errors, with_adjusted


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True)
class ActualsLoad:
    """What loading a file of actuals did."""

    new: int
    revised: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.new} new, {self.revised} revised, {self.unchanged} unchanged"


def _database_errors(action: str):
    """A database failure (server gone, disk full, permissions) as one line naming the ledger;
    the transaction was rolled back, so nothing of the action was stored."""
    def wrap(method):
        @functools.wraps(method)
        def inner(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sa.exc.SQLAlchemyError as exc:
                raise ConfigError(f"ledger {self.shown}: could not {action} ({_first_line(exc)}); nothing was "
                                  "changed. Check the server, the disk and the permissions, then run it again") from None
        return inner
    return wrap


class Ledger:
    """Every issued forecast, the actuals that arrived later, and the overrides made to them.

        ledger = Ledger("ledger.sqlite")          # or "postgresql://user@host/db"
        run_id = ledger.save(record_run("run", data, result, options={...}))
        ledger.load_actuals(later_data)
        ledger.accuracy()["accuracy"]
    """

    def __init__(self, location: str | None = None):
        self.location = ledger_location(location)
        url = ledger_url(self.location)
        self.shown = url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)
        self.dialect = url.get_backend_name()
        try:
            if self.dialect == "sqlite":
                self.engine = sqlite_engine(url)
            else:
                self.engine = sa.create_engine(url, pool_pre_ping=True)
            self.reader = self.engine.execution_options(read_only=True)
            self._migrate()
        except ImportError as exc:
            raise missing_extra(exc, f"the ledger {self.shown}") from None
        except sa.exc.SQLAlchemyError as exc:
            raise ConfigError(f"ledger {self.shown}: cannot open it ({_first_line(exc)}); "
                              "check the path or URL, the server and the permissions") from None
        self.meta = sa.MetaData()
        self.meta.reflect(self.reader)
        self.t = self.meta.tables

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring the schema to this version's head (processes opening a new ledger together
        create it once: the upgrade runs in one transaction under the writers' lock)."""
        if self.schema_version() != head_revision():
            upgrade_schema(self.engine, shown=self.shown)

    def schema_version(self) -> str | None:
        with self.reader.connect() as conn:
            return current_revision(conn)

    # ---- writing ------------------------------------------------------------------------
    @_database_errors("save the run")
    def save(self, record: RunRecord) -> int:
        """Store one run in one transaction; returns its run_id."""
        t = self.t
        with self.engine.begin() as conn:
            run_id = conn.execute(t["runs"].insert().values(
                created=now(), user_name=current_user(), **record.run)).inserted_primary_key[0]
            tag = lambda rows: [{"run_id": run_id, **row} for row in rows]  # noqa: E731
            conn.execute(t["run_series"].insert(), tag(record.series))
            conn.execute(t["forecasts"].insert(), tag(record.forecasts))
            if record.intervals:
                conn.execute(t["intervals"].insert(), tag(record.intervals))
            if record.tables:
                conn.execute(t["run_tables"].insert(), tag(
                    {"name": name, "content": table.to_json(orient="split", index=False, double_precision=15)}
                    for name, table in record.tables.items()))
        return int(run_id)

    @_database_errors("load the actuals")
    def load_actuals(self, frame: pd.DataFrame, source: str) -> ActualsLoad:
        """Load line-item actuals (columns series, freq, period_start, date, value). A value equal
        to the latest revision is skipped; a different one becomes a new revision."""
        t = self.t["actuals"]
        with self.engine.begin() as conn:
            lock(conn)
            latest = _latest(conn, t, set(frame["series"]))
            known = {(r.series, r.freq, r.period_start): (r.revision, r.value) for r in latest.itertuples()}
            rows, new, revised = [], 0, 0
            stamp, user = now(), current_user()
            for r in frame.itertuples():
                key = (r.series, r.freq, r.period_start)
                revision, value = known.get(key, (0, None))
                if value is not None and _same(value, r.value):
                    continue
                new, revised = new + (value is None), revised + (value is not None)
                rows.append({"series": r.series, "freq": r.freq, "period_start": r.period_start, "date": r.date,
                             "revision": revision + 1, "value": float(r.value), "loaded": stamp,
                             "user_name": user, "source": source})
            if rows:
                conn.execute(t.insert(), rows)
        return ActualsLoad(new, revised, len(frame) - new - revised)

    @_database_errors("record the override")
    def override(self, run_id: int, series: str, date: str, value: float, comment: str) -> int:
        """Record an adjusted value beside a run's statistical forecast; returns the lead."""
        forecasts = self.forecasts(run_id)
        if series not in set(forecasts["series"]):
            raise InputDataError(f"run {run_id} has no series {series!r}; choose from "
                                 f"{', '.join(dict.fromkeys(forecasts['series']))}")
        rows = forecasts[(forecasts["series"] == series) & (forecasts["date"] == date)]
        if rows.empty:
            dates = forecasts.loc[forecasts["series"] == series, "date"]
            raise InputDataError(f"run {run_id} has no forecast of {series} for {date!r}; its dates are "
                                 f"{dates.iloc[0]} to {dates.iloc[-1]}, written like {dates.iloc[0]!r}")
        if not np.isfinite(value):
            raise InputDataError(f"--value {value}: give a finite amount")
        lead = int(rows["lead"].iloc[0])
        with self.engine.begin() as conn:
            conn.execute(self.t["overrides"].insert().values(
                run_id=run_id, series=series, lead=lead, value=float(value), comment=comment,
                user_name=current_user(), created=now()))
        return lead

    # ---- reading ------------------------------------------------------------------------
    @_database_errors("read the runs")
    def runs(self) -> pd.DataFrame:
        t = self.t
        overrides = (sa.select(t["overrides"].c.run_id, sa.func.count().label("overrides"))
                     .group_by(t["overrides"].c.run_id).subquery())
        query = (sa.select(t["runs"], sa.func.coalesce(overrides.c.overrides, 0).label("overrides"))
                 .outerjoin(overrides, overrides.c.run_id == t["runs"].c.run_id).order_by(t["runs"].c.run_id))
        with self.reader.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all())
        if frame.empty:
            return pd.DataFrame(columns=RUN_COLUMNS)
        frame["created"] = [_iso(v) for v in frame["created"]]
        return frame[RUN_COLUMNS]

    def run(self, run_id: int) -> dict:
        with self.reader.connect() as conn:
            row = conn.execute(sa.select(self.t["runs"]).where(self.t["runs"].c.run_id == run_id)).mappings().first()
        if row is None:
            raise InputDataError(f"run {run_id} is not in the ledger {self.shown}; `forecast ledger list` shows the runs")
        return dict(row)

    @_database_errors("read the forecasts")
    def forecasts(self, run_id: int | None = None) -> pd.DataFrame:
        """Forecast rows (run_id, series, lead, date, period_start, mean) with model and intervals."""
        t = self.t
        if run_id is not None:
            self.run(run_id)
        where = (lambda table: table.c.run_id == run_id) if run_id is not None else (lambda table: sa.true())
        with self.reader.connect() as conn:
            rows = pd.DataFrame(conn.execute(
                sa.select(t["forecasts"], t["run_series"].c.model)
                .join(t["run_series"], sa.and_(t["run_series"].c.run_id == t["forecasts"].c.run_id,
                                               t["run_series"].c.series == t["forecasts"].c.series))
                .where(where(t["forecasts"]))
                .order_by(t["forecasts"].c.run_id, t["run_series"].c.position, t["forecasts"].c.lead)).mappings().all(),
                columns=["run_id", "series", "lead", "date", "period_start", "mean", "model"])
            bands = pd.DataFrame(conn.execute(sa.select(t["intervals"]).where(where(t["intervals"]))).mappings().all(),
                                 columns=["run_id", "series", "lead", "level", "lower", "upper"])
        for level in sorted(set(bands["level"])):
            part = bands[bands["level"] == level].rename(columns={"lower": f"lower_{level}", "upper": f"upper_{level}"})
            rows = rows.merge(part.drop(columns="level"), on=["run_id", "series", "lead"], how="left")
        return rows

    def series_members(self) -> dict[tuple[int, str], list[str]]:
        """(run_id, series) -> the line items whose actuals add up to it."""
        t = self.t["run_series"]
        with self.reader.connect() as conn:
            return {(r.run_id, r.series): json.loads(r.members)
                    for r in conn.execute(sa.select(t.c.run_id, t.c.series, t.c.members))}

    def models(self, run_id: int) -> pd.DataFrame:
        t = self.t["run_series"]
        with self.reader.connect() as conn:
            return pd.DataFrame(conn.execute(sa.select(t.c.series, t.c.model, t.c.window, t.c.params)
                                             .where(t.c.run_id == run_id).order_by(t.c.position)).mappings().all())

    def tables(self, run_id: int) -> dict[str, pd.DataFrame]:
        """Extra tables stored with a run (a budget's budget, phasing and next-year tables)."""
        t = self.t["run_tables"]
        with self.reader.connect() as conn:
            rows = conn.execute(sa.select(t.c.name, t.c.content).where(t.c.run_id == run_id)).all()

        return {name: pd.read_json(StringIO(content), orient="split") for name, content in rows}

    def overrides(self, run_id: int | None = None) -> pd.DataFrame:
        t = self.t["overrides"]
        query = sa.select(t).order_by(t.c.override_id)
        if run_id is not None:
            query = query.where(t.c.run_id == run_id)
        with self.reader.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(),
                                 columns=["override_id", "run_id", "series", "lead", "value", "comment",
                                          "user_name", "created"])
        frame["created"] = [_iso(v) for v in frame["created"]]
        return frame

    def actuals(self, *, revisions: bool = False) -> pd.DataFrame:
        """The latest revision of every actual, or with `revisions` all of them."""
        t = self.t["actuals"]
        with self.reader.connect() as conn:
            if revisions:
                frame = pd.DataFrame(conn.execute(sa.select(t).order_by(t.c.actual_id)).mappings().all(),
                                     columns=[c.name for c in t.columns])
                frame["loaded"] = [_iso(v) for v in frame["loaded"]]
                return frame
            return _latest(conn, t)

    # ---- reports ------------------------------------------------------------------------
    def show(self, run_id: int) -> pd.DataFrame:
        """A run's stored forecast table (the contract columns), with `lead` and, where
        overrides were made, `adjusted`, `override`, `override_comment`, `override_by`."""
        rows = with_adjusted(self.forecasts(run_id), self.overrides(run_id), self.series_members())
        bounds = [c for c in rows.columns if c.startswith(("lower_", "upper_"))]
        bounds.sort(key=lambda c: (int(c.split("_")[1]), c.startswith("upper")))
        columns = ["date", "series", "mean", *bounds, "model", "lead"]
        if rows["override"].notna().any():
            columns += ["adjusted", "override", "override_comment", "override_by"]
        return rows[columns].reset_index(drop=True)

    @_database_errors("read the ledger")
    def accuracy(self, series: list[str] | None = None) -> dict[str, pd.DataFrame]:
        """`accuracy` (every archived forecast against its actual, by lead), `by_lead` (over
        runs) and `annual` (year-end projections)."""
        with self.reader.connect() as conn:
            runs = pd.DataFrame(conn.execute(sa.select(self.t["runs"])).mappings().all(),
                                columns=[c.name for c in self.t["runs"].columns])
        members = self.series_members()
        forecasts = with_adjusted(self.forecasts(), self.overrides(), members)
        if series:
            unknown = sorted(set(series) - set(forecasts["series"]))
            if unknown:
                raise InputDataError(f"--series {', '.join(unknown)}: no archived forecast of it; the ledger has "
                                     f"{', '.join(dict.fromkeys(forecasts['series']))}")
            forecasts = forecasts[forecasts["series"].isin(series)]
        actuals = self.actuals()
        errors = lead_errors(runs, forecasts, actuals, members)
        return {"accuracy": errors, "by_lead": by_lead(errors),
                "annual": annual_errors(runs, forecasts, actuals, members)}

    @_database_errors("read the ledger")
    def vintages(self, series: str, run_ids: list[int] | None = None) -> tuple[pd.DataFrame, pd.Series]:
        """Every archived forecast of `series` (or of the runs given) with train_end and
        adjusted, and its actual line (latest revisions, summed as the newest run sums it)."""
        members = self.series_members()
        forecasts = self.forecasts()
        if series not in set(forecasts["series"]):
            known = ", ".join(dict.fromkeys(forecasts["series"])) or "nothing yet (save a run with --save)"
            raise InputDataError(f"--series {series!r}: the ledger {self.shown} has no forecast of it; it has {known}")
        forecasts = with_adjusted(forecasts, self.overrides(), members)
        rows = forecasts[forecasts["series"] == series]
        if run_ids:
            missing = sorted(set(run_ids) - set(rows["run_id"]))
            if missing:
                raise InputDataError(f"--run {', '.join(map(str, missing))}: no forecast of {series} in that run")
            rows = rows[rows["run_id"].isin(run_ids)]
        runs = self.runs().set_index("run_id")
        rows = rows.assign(train_end=rows["run_id"].map(runs["train_end"]))
        newest = int(rows["run_id"].max())
        items, freq = members[(newest, series)], runs.loc[newest, "freq"]
        latest = self.actuals()
        latest = latest[(latest["freq"] == freq) & latest["series"].isin(items)]
        wide = latest.pivot_table(index=["period_start", "date"], columns="series", values="value", aggfunc="first")
        wide = wide.reindex(columns=items).dropna()
        actual = pd.Series(wide.sum(axis=1).to_numpy(), index=wide.index.get_level_values("date"), name=series)
        return rows.reset_index(drop=True), actual


RUN_COLUMNS = ["run_id", "created", "command", "train_end", "strategy", "note", "user_name", "version", "source",
               "horizon", "freq", "fingerprint", "overrides"]


def _latest(conn, t, series: set | None = None) -> pd.DataFrame:
    top = (sa.select(t.c.series, t.c.freq, t.c.period_start, sa.func.max(t.c.revision).label("revision"))
           .group_by(t.c.series, t.c.freq, t.c.period_start))
    if series is not None:
        top = top.where(t.c.series.in_(sorted(series)))
    top = top.subquery()
    query = (sa.select(t.c.series, t.c.freq, t.c.period_start, t.c.date, t.c.revision, t.c.value)
             .join(top, sa.and_(t.c.series == top.c.series, t.c.freq == top.c.freq,
                                t.c.period_start == top.c.period_start, t.c.revision == top.c.revision)))
    return pd.DataFrame(conn.execute(query).mappings().all(),
                        columns=["series", "freq", "period_start", "date", "revision", "value"])


def _same(a: float, b: float) -> bool:
    """Equal as amounts: a CSV round trip may change the last binary digit, never a cent."""
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def _iso(value) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
