"""Automatic choices by rolling-origin backtest (`--strategy auto`, `--reconcile auto`): leave the
default only for a clear gain, and say how sure the choice is.

A handful of origins is a noisy judge: the plain minimum of their mean error often picks a
candidate that was lucky at one origin. So the default stays unless another candidate's mean
error is at least `margin` lower *and* it was the more accurate at more than half of the origins.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Choice:
    """`errors`: one row per candidate, one column per origin (the backtest error, lower is better)."""

    chosen: str
    default: str
    errors: pd.DataFrame
    margin: float
    unit: str = "%"

    @property
    def scores(self) -> dict[str, float]:
        """Mean error of each candidate over the origins, best first (none without origins)."""
        if not self.origins:
            return {}
        return {str(k): float(v) for k, v in self.errors.mean(axis=1).sort_values().items()}

    @property
    def best(self) -> str:
        return next(iter(self.scores), self.default)

    @property
    def origins(self) -> int:
        return self.errors.shape[1]

    def wins(self, candidate: str) -> int:
        """At how many origins `candidate` was more accurate than the default."""
        return int((self.errors.loc[candidate] < self.errors.loc[self.default]).sum())

    def text(self) -> str:
        """One sentence: what was chosen, against what, and how sure."""
        s = self.scores
        if not s:
            return f"kept the default {self.default}: the history is too short to backtest the alternatives"
        if self.best == self.default:
            return (f"{self.default} (the default) was the most accurate: {s[self.default]:.2f}{self.unit} "
                    f"mean error at {self.origins} origin(s)")
        other = self.best if self.chosen == self.default else self.chosen
        gain = 1 - s[other] / s[self.default] if s[self.default] > 0 else 0.0
        evidence = (f"{other} {s[other]:.2f}{self.unit} against {self.default} {s[self.default]:.2f}{self.unit} "
                    f"({gain:.0%} lower), more accurate at {self.wins(other)} of {self.origins} origin(s)")
        if self.chosen == self.default:
            needed = f"at least {self.margin:.0%} lower" if self.margin > 0 else "lower"
            return (f"kept the default {self.default}: {evidence}; leaving it takes {needed} on average and more "
                    "accurate at most origins")
        return f"chose {self.chosen} over the default: {evidence}"


def choose(errors: pd.DataFrame, default: str, margin: float, unit: str = "%") -> Choice:
    """The candidate with the lowest mean error if it clearly beats `default` (see the module's
    note), else `default`."""
    kept = Choice(default, default, errors.astype(float), margin, unit)
    best, scores = kept.best, kept.scores
    clear = (best != default and scores[best] <= (1 - margin) * scores[default]
             and kept.wins(best) * 2 > kept.origins)
    return Choice(best, default, kept.errors, margin, unit) if clear else kept
