"""Automatic choices: the default stays unless another candidate is clearly better."""
import pandas as pd
import pytest

from forecast.evaluate.choice import choose


def errors(rows: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=[f"o{k}" for k in range(len(next(iter(rows.values()))))]).T


def test_a_clear_gain_at_most_origins_leaves_the_default():
    choice = choose(errors({"components": [1.0, 1.2, 1.1], "direct": [0.8, 0.9, 1.3]}), "components", 0.10)
    # direct: mean 1.0 against 1.1 (9.1% lower) -> not enough
    assert choice.chosen == "components" and choice.best == "direct" and choice.wins("direct") == 2
    assert "kept the default components" in choice.text() and "2 of 3" in choice.text()
    choice = choose(errors({"components": [1.0, 1.2, 1.1], "direct": [0.8, 0.9, 1.2]}), "components", 0.10)
    assert choice.chosen == "direct" and list(choice.scores) == ["direct", "components"]
    assert choice.scores["direct"] == pytest.approx(2.9 / 3)
    assert choice.text().startswith("chose direct over the default: direct 0.97% against components 1.10% (12% lower)")


def test_a_gain_won_at_one_origin_only_is_luck():
    # much lower on average, but thanks to one origin
    choice = choose(errors({"top_down": [1.0, 1.0, 1.0], "mint": [0.2, 1.1, 1.05]}), "top_down", 0.05)
    assert choice.chosen == "top_down" and choice.wins("mint") == 1
    assert choose(errors({"top_down": [1.0, 1.0], "mint": [0.5, 0.9]}), "top_down", 0.05).chosen == "mint"
    assert choose(errors({"top_down": [1.0, 1.0], "mint": [0.5, 1.1]}), "top_down", 0.05).chosen == "top_down"


def test_the_default_at_its_best_says_so():
    choice = choose(errors({"a": [1.0, 2.0], "b": [1.5, 2.5]}), "a", 0.1)
    assert choice.chosen == "a" and choice.text() == "a (the default) was the most accurate: 1.50% mean error at 2 origin(s)"


def test_without_origins_the_default_stays_and_says_why():
    choice = choose(pd.DataFrame(index=["components"]), "components", 0.1)
    assert choice.chosen == "components" and choice.scores == {} and choice.best == "components"
    assert "too short" in choice.text()
