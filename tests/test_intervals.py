"""The predictive shape: unit-variance Student t bounds and shocks, held to scipy's t."""
import numpy as np
import pandas as pd
from scipy import stats

from forecast.combine import correlated_shocks
from forecast.models import Forecast
from forecast.models.intervals import PREDICTIVE_DOF, sd_bounds, standard_quantile, tail_scales
from forecast.select import SeriesForecast


def test_bounds_are_unit_variance_student_t_quantiles_times_the_sd():
    mean, sd = np.array([100.0, 120.0]), np.array([10.0, 20.0])
    bounds = sd_bounds(mean, sd, (80, 95))
    nu = PREDICTIVE_DOF
    for level, q in ((80, 0.9), (95, 0.975)):
        z = stats.t.ppf(q, nu) * np.sqrt((nu - 2) / nu)
        np.testing.assert_allclose(bounds[f"upper_{level}"], mean + z * sd, rtol=1e-12)
        np.testing.assert_allclose(bounds[f"lower_{level}"], mean - z * sd, rtol=1e-12)
    # t(6) scaled to unit variance: 8% inside the normal's 80% bound, 2% outside its 95% bound
    np.testing.assert_allclose(standard_quantile(0.9, 6) / stats.norm.ppf(0.9), 0.9173, atol=1e-4)
    np.testing.assert_allclose(standard_quantile(0.975, 6) / stats.norm.ppf(0.975), 1.0194, atol=1e-4)
    np.testing.assert_allclose(standard_quantile(0.975, np.inf), stats.norm.ppf(0.975), rtol=1e-12)


def test_tail_scales_turn_normal_shocks_into_unit_variance_t():
    rng = np.random.default_rng(11)
    shocks = rng.standard_normal(400_000) * tail_scales(rng, 400_000)
    assert abs(np.var(shocks) - 1) < 0.02
    for q in (0.9, 0.975):
        np.testing.assert_allclose(np.quantile(shocks, q), standard_quantile(q), rtol=0.01)


def test_path_shocks_are_one_multivariate_t_so_sums_keep_the_shape_and_the_correlation():
    rng = np.random.default_rng(5)
    common = rng.normal(size=200)
    fits = [SeriesForecast(str(i), "m", None, Forecast(np.zeros(1), np.ones(1), np.ones(1)),
                           pd.Series(common + rng.normal(scale=s, size=200))) for i, s in enumerate([0.5, 1.0])]
    z = correlated_shocks(fits, 5, 100_000, 0)
    resid_corr = np.corrcoef(fits[0].residuals, fits[1].residuals)[0, 1]
    np.testing.assert_allclose(np.corrcoef(z[:, 0, 0], z[:, 0, 1])[0, 1], 0.9 * resid_corr, atol=0.01)
    assert abs(np.corrcoef(z[:, 0, 0], z[:, 1, 0])[0, 1]) < 0.01  # uncorrelated over time
    year = z[:, :5, 0].sum(axis=1) / np.sqrt(5)  # a sum over steps is as heavy-tailed as one step
    for series in (z[:, 0, 0], year):
        assert abs(np.var(series) - 1) < 0.03
        np.testing.assert_allclose(np.quantile(series, [0.025, 0.1, 0.9, 0.975]),
                                   standard_quantile(np.array([0.025, 0.1, 0.9, 0.975])), rtol=0.03)
