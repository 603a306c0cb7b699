"""The exports a finance team really has, run through the CLI: each must give the same forecast
as the clean file, or be refused with one line and leave every file as it was.

Builds ~40 variants of the bundled sample (encodings, separators, amounts, period labels, report
layouts with titles, units, totals and subtotals, workbooks) and ~20 broken files and harmful
database queries, runs `forecast run` on each in a fresh process, and writes the table to
docs/input_corpus.md.

    python scripts/input_corpus.py            # about 3 minutes on 2 cores
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "revenue_monthly.csv"
ZH = ["宽带", "月租及新业务", "其他数据", "本地通话", "长途", "移动数据"]


def month_label(form):
    def label(text):
        year, month = int(text[:4]), int(text[5:7])
        day = dt.date(year, month, 1)
        return {"zh": f"{year}年{month}月", "zh0": f"{year}年{month:02d}月份", "abbr": day.strftime("%b-%y"),
                "name": day.strftime("%B %Y"), "compact": f"{year}{month:02d}", "slash": f"{year}/{month}",
                "dot": f"{year}.{month:02d}", "first": f"{year}-{month:02d}-01",
                "end": (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")}[form]
    return label


def variants(folder: Path) -> list[tuple[str, str]]:
    """(file, what it is) for every export that must read as the clean sample."""
    src = pd.read_csv(SAMPLE)
    items = list(dict.fromkeys(src["component"]))
    wide = src.pivot(index="date", columns="component", values="value")[items]
    zh = dict(zip(items, ZH))
    eu = wide.map(lambda v: f"{v:,}".replace(",", "X").replace(".", ",").replace("X", "."))
    out = []

    def write(name, what, text, encoding="utf-8"):
        (folder / name).write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        out.append((name, what))

    def relabel(form, frame=wide):
        copy = frame.copy()
        copy.index = copy.index.map(month_label(form))
        return copy

    write("long.csv", "long CSV (the reference)", src.to_csv(index=False))
    write("wide.csv", "wide CSV", wide.reset_index().to_csv(index=False))
    for form in ("zh", "zh0", "abbr", "name", "compact", "slash", "dot", "first", "end"):
        write(f"month_{form}.csv", f"months written {month_label(form)('2024-01-01')}",
              relabel(form).reset_index(names="date").to_csv(index=False))
    write("bom.csv", "UTF-8 with BOM, Chinese headings", wide.rename(columns=zh).reset_index(names="月份")
          .to_csv(index=False), "utf-8-sig")
    write("gbk.csv", "GBK (Chinese Excel), 2024年1月 labels", relabel("zh").rename(columns=zh)
          .reset_index(names="月份").to_csv(index=False), "gbk")
    write("gb18030_long.csv", "GB18030 long, headings 日期/项目/金额",
          src.rename(columns={"date": "日期", "component": "项目", "value": "金额"}).to_csv(index=False), "gb18030")
    write("utf16.txt", "Excel 'Unicode text' (UTF-16, tabs)", wide.reset_index().to_csv(index=False, sep="\t"),
          "utf-16")
    write("semicolon.csv", "semicolons, decimal commas, thousands points", eu.reset_index().to_csv(index=False, sep=";"))
    write("utf16_eu.txt", "UTF-16 tabs with decimal commas", eu.reset_index().to_csv(index=False, sep="\t"), "utf-16")
    write("pipe.csv", "pipe-separated", src.to_csv(index=False, sep="|"))
    write("crlf.csv", "Windows line ends", src.to_csv(index=False).replace("\n", "\r\n"))
    write("quoted.csv", "quoted amounts with thousands separators",
          wide.map(lambda v: f"{v:,}").reset_index().to_csv(index=False, quoting=1))
    signs = ["¥", "￥", "$", "€", "£"]
    write("currency.csv", "currency signs", src.assign(value=[f"{signs[i % 5]}{v:,}" for i, v in
                                                              enumerate(src["value"])]).to_csv(index=False))
    write("spaces.csv", "names and amounts padded with spaces",
          src.assign(component=" " + src["component"] + "  ", value=src["value"].map(lambda v: f" {v} "))
          .to_csv(index=False))
    write("shuffled.csv", "rows in random order", src.sample(frac=1, random_state=1).to_csv(index=False))
    write("trailing.csv", "trailing empty columns",
          "\n".join(line + ",," for line in wide.reset_index().to_csv(index=False).splitlines()) + "\n")
    write("blank_lines.csv", "blank lines between rows", src.to_csv(index=False).replace("\n2019-01", "\n\n2019-01", 1))
    total = wide.assign(合计=wide.sum(axis=1).round(2))
    write("total_column.csv", "a 合计 column", total.reset_index().to_csv(index=False))
    write("TOTAL.csv", "a TOTAL column", wide.assign(TOTAL=wide.sum(axis=1)).reset_index().to_csv(index=False))
    long_total = src.groupby("date", as_index=False)["value"].sum().assign(component="总计")
    write("long_total.csv", "a 总计 line item in a long file",
          pd.concat([src, long_total[["date", "component", "value"]]]).to_csv(index=False))
    with_row = wide.copy()
    with_row.loc["合计"] = wide.sum(axis=0).round(3)
    write("total_row.csv", "a 合计 row under the months", with_row.reset_index(names="月份").to_csv(index=False))
    sub = wide[items[:3]].assign(固定收入小计=wide[items[:3]].sum(axis=1)).join(wide[items[3:]])
    sub = sub.assign(波动收入小计=wide[items[3:]].sum(axis=1), 合计=wide.sum(axis=1))
    write("subtotals.csv", "小计 subtotals and a 合计", sub.reset_index(names="月份").to_csv(index=False), "gbk")
    report = relabel("zh").rename(columns=zh).assign(合计=wide.sum(axis=1).round(2).to_numpy())
    write("report.csv", "title, 单位：万元 row, 合计 column, note below (GBK)",
          "XX市分公司分业务收入表\n单位：万元\n" + report.reset_index(names="月份").to_csv(index=False)
          + "注：数据来源 财务系统\n", "gbk")
    across = wide.T
    across.columns = [month_label("zh")(c) for c in across.columns]
    write("across.csv", "line items down, months across, a 合计 column",
          across.assign(合计=across.sum(axis=1)).reset_index(names="项目").to_csv(index=False))
    with pd.ExcelWriter(folder / "book.xlsx") as book:
        pd.DataFrame({"说明": ["收入底稿"]}).to_excel(book, sheet_name="封面", index=False)
        relabel("zh").rename(columns=zh).reset_index(names="月份").to_excel(book, sheet_name="数据", index=False,
                                                                          startrow=2)
        book.sheets["数据"]["A1"] = "收入明细"
        book.sheets["数据"]["A2"] = "单位：万元"
    out.append(("book.xlsx", "workbook: data on the second sheet under a title and unit row"))
    src.to_excel(folder / "long.xlsx", index=False)
    out.append(("long.xlsx", "workbook, long"))
    dated = wide.copy()
    dated.index = pd.to_datetime(dated.index)
    dated.reset_index(names="date").to_excel(folder / "dates.xlsx", index=False)
    out.append(("dates.xlsx", "workbook with real date cells"))
    wide.astype(str).reset_index().to_excel(folder / "text_numbers.xlsx", index=False)
    out.append(("text_numbers.xlsx", "workbook with amounts stored as text"))
    return out


BROKEN = [
    ("empty.csv", b"", "an empty file"),
    ("header_only.csv", b"date,component,value\n", "a header and no rows"),
    ("binary.csv", bytes(range(256)) * 8, "binary junk"),
    ("renamed.xlsx", b"date,component,value\n2024-01,a,1\n", "a CSV renamed .xlsx"),
    ("broken.xlsx", b"PK\x03\x04" + b"\0" * 64, "a damaged workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 64, "the old .xls format"),
    ("two_columns.csv", b"date,a,a\n2024-01,1,2\n2024-02,1,2\n2024-03,1,2\n", "two columns headed alike"),
    ("unheaded.csv", b"date,a,,b\n2024-01,1,5,2\n2024-02,1,5,2\n2024-03,1,5,2\n", "a column without heading"),
    ("ragged.csv", b"date,a,b\n2024-01,1,2,9\n2024-02,1,2\n2024-03,1,2\n", "a row longer than the header"),
    ("na.csv", b"date,a,b\n2024-01,1,#N/A\n2024-02,1,2\n2024-03,1,2\n", "#N/A in an amount"),
    ("bad_total.csv", b"date,a,b,total\n2024-01,1,2,9\n2024-02,1,2,3\n2024-03,1,2,3\n", "a total that does not add up"),
    ("case.csv", "date,Ａ,a\n2024-01,1,2\n2024-02,1,2\n2024-03,1,2\n".encode(), "names differing only in width"),
    ("gap.csv", b"date,a\n2024-01,1\n2024-02,1\n2024-04,1\n", "a missing month"),
    ("dup.csv", b"date,component,value\n2024-01,a,1\n2024-01,a,2\n2024-02,a,1\n", "a period given twice"),
    ("short.csv", b"date,a\n2024-01,1\n2024-02,1\n", "two months of history"),
]

QUERIES = ["DROP TABLE revenue", "CREATE TABLE t AS SELECT * FROM revenue", "INSERT INTO revenue VALUES ('x','y',1)",
           "UPDATE revenue SET value = 0", "DELETE FROM revenue", "ATTACH DATABASE 'x.db' AS x",
           "PRAGMA user_version = 7", "SELECT 1; DROP TABLE revenue", "SELECT * FROM missing_table"]


def fingerprint(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def run(args, cwd) -> tuple[int, str, float]:
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "forecast", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True)
    return proc.returncode, proc.stderr, time.perf_counter() - began


def forecast_of(path: Path, names: dict) -> pd.DataFrame:
    table = pd.read_csv(path)
    table["series"] = table["series"].map(lambda s: names.get(s, s))
    table = table.assign(step=table.groupby("series").cumcount()).set_index(["series", "step"]).sort_index()
    return table[["mean", "lower_80", "upper_80", "lower_95", "upper_95"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "input_corpus.md"))
    args = parser.parse_args()
    back = dict(zip(ZH, pd.read_csv(SAMPLE)["component"].drop_duplicates()))
    rows, refused = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = variants(folder)
        reference = None
        for name, what in files:
            code, err, seconds = run(["run", name, "-H", 12, "--train-end", "2023-12", "-o", f"{name}.fc.csv"], folder)
            if code != 0:
                rows.append((what, name, f"refused: {err.strip().splitlines()[-1]}", seconds))
                continue
            table = forecast_of(folder / f"{name}.fc.csv", back)
            reference = table if reference is None else reference
            same = table.index.equals(reference.index) and (table.to_numpy() == reference.to_numpy()).all()
            notes = [line.split(": ", 2)[-1] for line in err.splitlines() if line.startswith("note:")]
            rows.append((what, name, "identical" + (f" (note: {notes[0]})" if notes else "") if same else "DIFFERENT",
                         seconds))
        bad = folder / "bad"
        bad.mkdir()
        for name, content, what in BROKEN:
            (bad / name).write_bytes(content)
        (bad / "fc.csv").write_text("an earlier forecast\n")
        (bad / "good.csv").write_bytes(SAMPLE.read_bytes())
        with sqlite3.connect(bad / "revenue.db") as con:
            pd.read_csv(SAMPLE).to_sql("revenue", con, index=False)
        before = fingerprint(bad)
        cases = [(what, ["run", name, "-H", 3, "-o", "fc.csv"]) for name, _, what in BROKEN]
        cases += [(f"--query {q!r}", ["run", "--db", "sqlite:///revenue.db", "--query", q, "-H", 3, "-o", "fc.csv"])
                  for q in QUERIES]
        cases += [("--output naming the input", ["run", "good.csv", "-H", 3, "-o", "good.csv"]),
                  ("--output naming the database read", ["run", "--db", "sqlite:///revenue.db", "--query",
                                                         "SELECT * FROM revenue", "-H", 3, "-o", "revenue.db"]),
                  ("--output naming a folder", ["run", "good.csv", "-H", 3, "-o", "."]),
                  ("--output with an unknown extension", ["run", "good.csv", "-H", 3, "-o", "fc.txt"]),
                  ("--plot with an unknown extension", ["run", "good.csv", "-H", 3, "--plot", "fc.bmpx"]),
                  ("--output in a missing folder", ["run", "good.csv", "-H", 3, "-o", "no/fc.csv"]),
                  ("--horizon of 100 years", ["run", "good.csv", "-H", 1200]),
                  ("--horizon beyond any bound", ["run", "good.csv", "-H", 10 ** 9]),
                  ("--train-end after the data", ["run", "good.csv", "-H", 3, "--train-end", "2030-01"]),
                  ("--encoding that is no encoding", ["run", "good.csv", "-H", 3, "--encoding", "klingon"]),
                  ("--sheet on a CSV", ["run", "good.csv", "-H", 3, "--sheet", "Data"]),
                  ("backtest --id-col with --config", ["backtest", "good.csv", "-H", 3, "-o", "bt", "--id-col", "unit",
                                                      "--config", "x.toml"]),
                  ("backtest --engine without --id-col", ["backtest", "good.csv", "-H", 3, "-o", "bt", "--engine",
                                                          "dask"])]
        for what, case in cases:
            code, err, seconds = run(case, bad)
            lines = err.strip().splitlines()
            one_line = len([line for line in lines if line.startswith("Error:")]) == 1 and "Traceback" not in err
            refused.append((what, code, one_line, lines[-1] if lines else "", seconds))
        unchanged = fingerprint(bad) == before
    identical = sum(r[2].startswith("identical") for r in rows)
    lines = ["# Real finance exports, read or refused", "",
             f"Generated by `python scripts/input_corpus.py` on {dt.date.today().isoformat()}: every file below is the "
             "bundled sample written the way a finance team's exports write it, run through `forecast run FILE -H 12 "
             "--train-end 2023-12` in a fresh process and compared number by number with the clean long CSV.", "",
             f"**{identical} of {len(rows)} exports give the identical forecast.**", "",
             "| export | file | result | seconds |", "|---|---|---|---|"]
    lines += [f"| {what} | `{name}` | {result} | {seconds:.1f} |" for what, name, result, seconds in rows]
    ok = sum(code in (1, 2) and one for _, code, one, _, _ in refused)
    lines += ["", "## Refused with one line", "",
              f"**{ok} of {len(refused)} broken files, harmful queries and impossible requests exit 1 or 2 with one "
              f"line and no traceback; every file in the folder (the inputs, an earlier fc.csv, the SQLite "
              f"database) is byte-identical afterwards: {'yes' if unchanged else 'NO'}.**", "",
              "| case | exit | message |", "|---|---|---|"]
    lines += [f"| {what} | {code} | {message.replace('|', '/')} |" for what, code, _, message, _ in refused]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{identical}/{len(rows)} identical; {ok}/{len(refused)} refused with one line; files unchanged: "
          f"{unchanged}; wrote {args.out}")


if __name__ == "__main__":
    main()
