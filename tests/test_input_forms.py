"""The exports finance teams really have read to the same table as the clean sample: encodings,
separators, amounts, period labels, report layouts, workbooks, totals; and the ones that cannot
be read are refused with one line."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast import load
from forecast.calendar import parse_dates
from forecast.errors import InputDataError
from forecast.io.amounts import decimal_mark, to_amount
from tests.conftest import SAMPLE

MONTHS = 24  # enough for the tidy table to be checked; forecasting is not needed here


def clean():
    frame = pd.read_csv(SAMPLE)
    dates = sorted(frame["date"].unique())[:MONTHS]
    return frame[frame["date"].isin(dates)].reset_index(drop=True)


def wide(frame=None):
    frame = clean() if frame is None else frame
    return frame.pivot(index="date", columns="component", values="value")[list(dict.fromkeys(frame["component"]))]


def tidy_of(path, **kwargs):
    data = load(path, **kwargs)
    return data, data.frame.assign(date=[data.freq.date(o).strftime("%Y-%m") for o in data.frame["ordinal"]])


def assert_same_as_clean(path, **kwargs):
    data, got = tidy_of(path, **kwargs)
    expected = clean()
    got = got.set_index(["component", "date"])["value"].sort_index()
    want = expected.set_index(["component", "date"])["value"].sort_index()
    pd.testing.assert_series_equal(got, want, check_exact=True)
    return data


def month_label(form):
    def label(text):
        year, month = int(text[:4]), int(text[5:7])
        return {
            "slash": f"{year}/{month}", "dot": f"{year}.{month:02d}", "compact": f"{year}{month:02d}",
            "zh": f"{year}年{month}月", "zh0": f"{year}年{month:02d}月",
            "abbr": dt.date(year, month, 1).strftime("%b-%y"), "name": dt.date(year, month, 1).strftime("%B %Y"),
            "first": f"{year}-{month:02d}-01",
            "end": (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"),
        }[form]
    return label


@pytest.mark.parametrize("form", ["slash", "dot", "compact", "zh", "zh0", "abbr", "name", "first", "end"])
def test_month_labels_of_every_form_read_as_the_same_months(tmp_path, form):
    table = wide()
    table.index = table.index.map(month_label(form))
    path = tmp_path / "wide.csv"
    table.reset_index(names="date").to_csv(path, index=False)
    data = assert_same_as_clean(path)
    assert data.freq.name == "month"
    assert data.label(data.last) == ("2018-12-01" if form == "first" else "2018-12")  # standard forms out


def test_chinese_excel_export_gbk_title_unit_row_and_total_column(tmp_path):
    table = wide()
    table.index = table.index.map(month_label("zh"))
    table["合计"] = table.sum(axis=1).round(2)
    body = table.reset_index(names="月份").to_csv(index=False)
    text = "某市分公司收入明细表\n单位：万元\n" + body + "注：数据来自财务系统\n"
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("gbk"))
    data = assert_same_as_clean(path)
    assert data.unit == "万元"
    assert any("'合计' equals the sum of the line items" in n for n in data.notes)


@pytest.mark.parametrize("encoding, sep", [("utf-16", "\t"), ("utf-8-sig", ","), ("gb18030", ";"), ("utf-8", "|")])
def test_encodings_and_separators_need_no_option(tmp_path, encoding, sep):
    path = tmp_path / "t.csv"
    path.write_bytes(wide().reset_index().to_csv(index=False, sep=sep).encode(encoding))
    assert_same_as_clean(path)


def test_encoding_can_be_forced_and_a_wrong_one_is_one_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(clean().to_csv(index=False).encode("utf-16"))
    assert_same_as_clean(path, encoding="utf-16")
    with pytest.raises(InputDataError, match="cannot be read as ascii"):
        load(path, encoding="ascii")
    with pytest.raises(InputDataError, match="not an encoding"):
        load(path, encoding="klingon")


def test_semicolon_files_with_decimal_commas_and_thousands_points(tmp_path):
    text = wide().map(lambda v: f"{v:,}".replace(",", "X").replace(".", ",").replace("X", "."))
    path = tmp_path / "eu.csv"
    path.write_text(text.reset_index().to_csv(index=False, sep=";"))
    assert_same_as_clean(path)


def test_currency_signs_thousands_and_accounting_negatives(tmp_path):
    frame = clean()
    frame.loc[3, "value"] = -frame.loc[3, "value"]
    signs = ["¥", "￥", "$", "€", "£"]
    cells = [f"({signs[i % 5]}{-v:,})" if v < 0 else f"{signs[i % 5]}{v:,}" for i, v in enumerate(frame["value"])]
    path = tmp_path / "money.csv"
    frame.assign(value=cells).to_csv(path, index=False)
    got = tidy_of(path)[1]
    np.testing.assert_array_equal(got.set_index(["component", "date"]).loc[
        list(zip(frame["component"], frame["date"])), "value"].to_numpy(), frame["value"].to_numpy())


def test_amount_cells_by_hand():
    assert to_amount("(12.50)") == -12.5
    assert to_amount("¥1,234.50") == 1234.5
    assert to_amount("１２３") == 123.0
    assert to_amount(" - ") == 0.0
    assert to_amount("1.234,5", ",") == 1234.5
    assert to_amount("1 234,5", ",") == 1234.5
    assert np.isnan(to_amount(""))
    for bad in ("12%", "abc", "1..2"):
        with pytest.raises(ValueError):
            to_amount(bad)
    assert decimal_mark(["1.234,56", "12,5"], ";") == ","
    assert decimal_mark(["1,234.56", "12.5"], ",") == "."
    assert decimal_mark(["1,234", "2,000"], ",") == "."
    assert decimal_mark(["1,234", "2,000"], ";") == ","


def test_quarters_and_dekads_in_their_chinese_forms():
    q = parse_dates(["2024年第1季度", "2024年第2季度", "2024Q3", "2024年四季度"], source="t")
    assert q.freq.name == "quarter" and [q.freq.label(o, q.style) for o in q.ordinals][-1] == "2024Q4"
    d = parse_dates(["2024年1月上旬", "2024年1月中旬", "2024年1月下旬", "2024-02上旬"], source="t")
    assert d.freq.name == "dekad"
    assert [d.freq.label(o, d.style) for o in d.ordinals] == ["2024-01-01", "2024-01-11", "2024-01-21", "2024-02-01"]


def test_periods_across_and_a_total_row(tmp_path):
    table = wide()
    table.loc["合计"] = table.sum(axis=0)
    path = tmp_path / "rows.csv"
    table.reset_index(names="date").to_csv(path, index=False)
    data = assert_same_as_clean(path)
    assert any("total row" in n for n in data.notes)
    across = wide().T
    across["合计"] = across.sum(axis=1)
    path = tmp_path / "across.csv"
    across.reset_index(names="项目").to_csv(path, index=False)
    assert_same_as_clean(path)


def test_a_total_that_does_not_add_up_names_the_periods(tmp_path):
    table = wide()
    table["Total"] = table.sum(axis=1)
    table.iloc[4, -1] *= 1.02
    path = tmp_path / "t.csv"
    table.reset_index().to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"the total 'Total' does not equal .* 1 period\(s\): 2017-05"):
        load(path)


def test_names_are_stripped_and_near_duplicates_refused(tmp_path):
    frame = clean()
    path = tmp_path / "t.csv"
    frame.assign(component="  " + frame["component"] + " ").to_csv(path, index=False)
    assert_same_as_clean(path)
    frame.loc[frame["date"] > "2017-06", "component"] = frame["component"].str.upper()
    frame.to_csv(path, index=False)
    with pytest.raises(InputDataError, match="differ only in case"):
        load(path)


def test_workbook_with_the_data_on_a_later_sheet_below_a_title(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["本表为收入预算底稿"]}).to_excel(writer, sheet_name="说明", index=False)
        table = wide().reset_index(names="月份")
        table.to_excel(writer, sheet_name="收入", index=False, startrow=2)
        writer.sheets["收入"]["A1"] = "2017-2018年收入"
        writer.sheets["收入"]["A2"] = "单位：万元"
    data = assert_same_as_clean(path)
    assert data.unit == "万元" and "收入" in data.source


@pytest.mark.parametrize("content, needle", [
    (b"date,component,value\n2024-01,a,1\n", "rename it to .csv"),
    (b"PK\x03\x04garbage", "damaged"),
    (b"", "empty"),
])
def test_files_named_xlsx_that_are_not_workbooks(tmp_path, content, needle):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputDataError, match=needle):
        load(path)


def test_workbook_without_a_revenue_table_lists_its_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": ["x", "y"], "b": ["p", "q"]}).to_excel(writer, sheet_name="Notes", index=False)
    with pytest.raises(InputDataError, match="sheets: Notes"):
        load(path)


def test_subtotals_are_checked_and_left_out(tmp_path):
    table = wide()
    items = list(table.columns)
    shaped = table[items[:3]].assign(固定收入小计=table[items[:3]].sum(axis=1))
    shaped = shaped.join(table[items[3:]]).assign(波动收入小计=table[items[3:]].sum(axis=1))
    path = tmp_path / "sub.csv"
    shaped.reset_index(names="月份").to_csv(path, index=False)
    data = assert_same_as_clean(path)
    assert sum("subtotal" in n for n in data.notes) == 2
    shaped["固定收入小计"] += 50
    shaped.reset_index(names="月份").to_csv(path, index=False)
    with pytest.raises(InputDataError, match="subtotal '固定收入小计' does not equal"):
        load(path)


@pytest.mark.parametrize("text, needle", [
    ("date,a,a\n2024-01,1,2\n2024-02,1,2\n2024-03,1,2\n", "columns 2 and 3 are both headed 'a'"),
    ("date,a,,b\n2024-01,1,5,2\n2024-02,1,5,2\n2024-03,1,5,2\n", "column 3 has values but no heading"),
    ("date,a,b\n2024-01,1,2,9\n2024-02,1,2\n2024-03,1,2\n", "row 2 has more cells than the header"),
    ("date,a,b\n2024-01,1,#N/A\n2024-02,1,2\n2024-03,1,2\n", "row 2, column 'b': '#N/A' is not a number"),
])
def test_malformed_tables_name_the_cell(tmp_path, text, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputDataError, match=needle):
        load(path)


def test_empty_spacer_columns_and_trailing_commas_are_ignored(tmp_path):
    path = tmp_path / "spaced.csv"
    table = wide().reset_index()
    table.insert(2, "", "")
    path.write_text("\n".join(line + ",," for line in table.to_csv(index=False).splitlines()) + "\n")
    assert_same_as_clean(path)


def test_the_unit_row_reaches_the_chart_axis(tmp_path):
    from forecast.config import Config
    from forecast.output.plot import plot_result
    from forecast.pipeline import run_forecast

    table = wide().set_axis(["宽带", "月租", "其他数据", "本地通话", "长途", "移动数据"], axis=1)
    path = tmp_path / "units.csv"
    path.write_text("单位：万元\n" + table.reset_index(names="月份").to_csv(index=False), encoding="utf-8")
    data = load(path)
    result = run_forecast(data, 3, config=Config(paths=200, jobs=1, window=24))
    fig = plot_result(data, result)  # warnings are errors here: a missing CJK glyph must not warn
    assert fig.axes[0].get_ylabel() == "revenue (万元)"
