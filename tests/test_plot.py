"""Charts take `ax=None` and return the Figure; they draw what the table says."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.output.plot import plot_accuracy_by_step, plot_forecast

HISTORY = pd.Series(np.arange(10.0), index=[f"2024-{m:02d}" for m in range(1, 11)])
FORECAST = pd.DataFrame({"date": ["2024-11", "2024-12"], "mean": [10.0, 11.0], "lower_80": [9.0, 9.5],
                         "upper_80": [11.0, 12.5], "lower_95": [8.0, 8.5], "upper_95": [12.0, 13.5]})


def test_a_fan_chart_on_a_given_axis_draws_the_bands_and_the_unit():
    fig, ax = plt.subplots()
    out = plot_forecast(HISTORY, FORECAST, actual=pd.Series([10.5], index=["2024-11"]), ax=ax, unit="万元")
    assert out is fig
    bands = [c for c in ax.collections if c.get_label().endswith("% interval")]
    assert sorted(c.get_label() for c in bands) == ["80% interval", "95% interval"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["forecast"].get_ydata(), [10.0, 11.0])
    np.testing.assert_array_equal(lines["actual"].get_ydata(), [10.5])
    assert ax.get_ylabel() == "revenue (万元)"
    plt.close(fig)


def test_accuracy_by_step_draws_one_line_per_strategy():
    metrics = pd.DataFrame({"strategy": ["components"] * 3 + ["direct"] * 3, "series": "total", "window": "24",
                            "step": ["1", "2", "all"] * 2, "mape": [1.0, 2.0, 1.5, 3.0, 4.0, 3.5]})
    fig = plot_accuracy_by_step(metrics)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    plt.close(fig)


def test_a_fan_chart_is_dated_by_quarter_and_year_and_marks_the_end_of_training():
    history = pd.Series(np.linspace(1000, 30000, 30), index=[f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in range(30)])
    forecast = pd.DataFrame({"date": ["2024-07", "2024-08"], "mean": [31000.0, 32000.0], "lower_80": [30000.0] * 2,
                             "upper_80": [33000.0] * 2})
    fig, ax = plt.subplots()
    plot_forecast(history, forecast, ax=ax, title="total: forecast 2024-07 to 2024-08")
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2022", "2023", "2024"]
    assert [t.get_text() for t in ax.get_xticklabels(minor=True)] == ["Apr", "Jul", "Oct"] * 2 + ["Apr", "Jul"]
    assert [ax.get_xticks()[i] for i in range(3)] == [0, 12, 24]  # the Januaries
    ends = [line for line in ax.get_lines() if list(line.get_xdata()) == [29.5, 29.5]]
    assert len(ends) == 1  # between the last period fitted and the first forecast
    assert any("30,000" in t.get_text() for t in ax.get_yticklabels())  # thousands separators
    assert ax.get_title(loc="left").startswith("total")
    plt.close(fig)
