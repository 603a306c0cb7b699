"""The calibration and accuracy guard: a fixed small benchmark (scripts/guard.py) whose accuracy
and interval coverage must stay inside the bounds pinned in tests/guard_bounds.toml."""
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import guard  # noqa: E402


def test_the_guard_reports_figures_outside_their_bounds():
    bounds = {"m3": {"smape": [0.0, 14.0], "coverage_80": [0.75, 0.85]}}
    figures = {"m3": {"smape": 13.0, "coverage_80": 0.9}}
    assert guard.violations(figures, bounds) == ["m3.coverage_80 = 0.9000, outside its pinned bounds [0.75, 0.85]"]
    assert guard.violations({}, bounds)[0] == "m3.smape: pinned but not measured"


def test_every_pinned_bound_is_a_low_high_pair():
    for part, limits in guard.load_bounds().items():
        for name, pair in limits.items():
            assert len(pair) == 2 and pair[0] <= pair[1], f"{part}.{name}"


@pytest.mark.slow
def test_accuracy_and_calibration_stay_inside_their_pinned_bounds():
    figures = guard.measure()
    problems = guard.violations(figures, guard.load_bounds())
    assert not problems, "\n".join(problems) + f"\nfigures: {figures}"
