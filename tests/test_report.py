"""The backtest report's two renderings hold the same blocks: headings, text, tables, figures."""
import base64

import pandas as pd

from forecast.output.plot import figure_png, plot_forecast
from forecast.output.report import Block, to_html, to_markdown


def blocks():
    history = pd.Series([1.0, 2.0, 3.0], index=["2024-01", "2024-02", "2024-03"])
    forecast = pd.DataFrame({"date": ["2024-04", "2024-05"], "mean": [4.0, 5.0], "lower_80": [3.5, 4.2],
                             "upper_80": [4.5, 5.8]})
    png = figure_png(plot_forecast(history, forecast, title="t"))
    table = pd.DataFrame({"strategy": ["components", "direct"], "total_mape": [0.81234, 1.5]})
    return [Block("h1", "Backtest of city.csv"), Block("p", "Use **components** <here>"),
            Block("table", "ranking", table=table), Block("figure", "fan & bands", png=png, name="fan.png")], png


def test_markdown_links_each_figure_and_keeps_the_tables():
    items, png = blocks()
    text, files = to_markdown(items)
    assert text.startswith("# Backtest of city.csv")
    assert "Use **components** <here>" in text and "| components |" in text
    assert files == {"report_files/fan.png": png} and "![fan & bands](report_files/fan.png)" in text


def test_html_is_self_contained_and_escaped():
    items, png = blocks()
    page = to_html(items)
    assert page.startswith("<!DOCTYPE html>") and "<title>Backtest of city.csv</title>" in page
    assert "<strong>components</strong> &lt;here&gt;" in page  # bold kept, markup escaped
    assert "<caption>ranking</caption>" in page and "components" in page
    data = page.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(data) == png and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from elsewhere
