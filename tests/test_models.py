"""Adapters against known answers: statsmodels itself and hand computations."""
import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecast.errors import ModelFitError
from forecast.models import ARIMA, ETS, Drift, LinearTrend, Naive, SeasonalNaive, Theta
from forecast.models.arima import css_estimates
from forecast.models.ets import ets_psi
from forecast.models.regression import trend_design


@pytest.fixture
def seasonal_series():
    rng = np.random.default_rng(7)
    t = np.arange(72)
    return 100 + 0.8 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1.5, len(t))


def test_linear_trend_without_ar_is_ols():
    rng = np.random.default_rng(1)
    y = 50 + 2.0 * np.arange(40) + rng.normal(0, 1, 40)
    fc = LinearTrend(ar=False).fit(y).forecast(3)
    ols = sm.OLS(y, sm.add_constant(np.arange(40.0))).fit()
    expected = ols.get_prediction(sm.add_constant(np.arange(40.0, 43.0), has_constant="add"))
    np.testing.assert_allclose(fc.mean, expected.predicted_mean, rtol=1e-10)
    np.testing.assert_allclose(fc.sd, np.sqrt(expected.var_pred_mean + ols.scale), rtol=1e-8)


def test_additive_ets_psi_weights_match_statsmodels_variance(seasonal_series):
    import pandas as pd

    y = pd.Series(seasonal_series, index=pd.period_range("2000-01", periods=len(seasonal_series), freq="M"))
    res = ETSModel(y, error="add", trend="add", damped_trend=True, seasonal="add",
                   seasonal_periods=12).fit(disp=False)
    p = dict(zip(res.param_names, res.params))
    psi = ets_psi(18, p["smoothing_level"], p["smoothing_trend"], p["smoothing_seasonal"], p["damping_trend"], 12)
    variance = res.mse * np.cumsum(psi**2)
    pred = res.get_prediction(start=len(y), end=len(y) + 17)
    np.testing.assert_allclose(variance, np.asarray(pred.var_pred_mean), rtol=1e-6)


def test_ets_adapter_forecast_equals_statsmodels(seasonal_series):
    fitted = ETS(12, "add", "add", False, "add").fit(seasonal_series)
    direct = ETSModel(seasonal_series / np.mean(np.abs(seasonal_series)), error="add", trend="add",
                      seasonal="add", seasonal_periods=12, initialization_method="heuristic").fit(disp=False)
    np.testing.assert_allclose(fitted.forecast(12).mean, direct.forecast(12) * np.mean(np.abs(seasonal_series)),
                               rtol=1e-6)


def test_every_ets_member_forecasts_and_scores_as_statsmodels_results(seasonal_series):
    from forecast.models import ets_candidates

    scale = np.mean(np.abs(seasonal_series))
    members = ets_candidates(12, seasonal=True) + ets_candidates(1)
    for spec in members:
        fitted = spec.fit(seasonal_series)
        model = ETSModel(seasonal_series / scale, error=spec.error, trend=spec.trend, damped_trend=spec.damped,
                         seasonal=spec.seasonal, seasonal_periods=12 if spec.seasonal else None,
                         initialization_method="heuristic" if spec.seasonal else "estimated")
        res = model.smooth([v for k, v in fitted.params.items() if k != "n_params"])
        np.testing.assert_allclose(fitted.forecast(30).mean, res.forecast(30) * scale, rtol=1e-10, err_msg=spec.code)
        np.testing.assert_allclose(fitted.aicc, res.aicc, rtol=1e-10, err_msg=spec.code)
        np.testing.assert_allclose(fitted.residuals, seasonal_series - res.fittedvalues * scale, rtol=1e-10)


@pytest.mark.parametrize("period,n", [(12, 24), (12, 37), (12, 72), (12, 144), (4, 14), (4, 15), (7, 30), (13, 61)])
def test_seasonal_ets_model_is_statsmodels_heuristic_one(period, n):
    from forecast.models.compat import ets_seasonal_model

    rng = np.random.default_rng(period * 1000 + n)
    t = np.arange(n)
    y = 70 + 0.3 * t + 8 * np.sin(2 * np.pi * t / period) + rng.normal(0, 2, n)
    for error, trend, damped, seasonal in [("add", None, False, "add"), ("mul", "add", True, "mul"),
                                           ("mul", "add", False, "add"), ("add", "add", True, "add")]:
        shortest = max(2 * period, 10 + 2 * (period // 2))  # statsmodels' minimum
        for data in [d for d in (y, y[:-1], y[:shortest]) if len(d) >= shortest]:  # the cache serves each
            theirs = ETSModel(data, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
                              seasonal_periods=period, initialization_method="heuristic")
            ours = ets_seasonal_model(data, error, trend, damped, seasonal, period)
            assert ours.initial_level == theirs.initial_level and ours.initial_trend == theirs.initial_trend
            np.testing.assert_array_equal(ours.initial_seasonal, theirs.initial_seasonal)
            params = theirs.start_params
            np.testing.assert_array_equal(ours.start_params, params)
            assert ours.loglike(params) == theirs.loglike(params)
    with pytest.raises(ValueError, match="Cannot"):  # too short: statsmodels' own refusal
        ets_seasonal_model(y[:period + 3], "add", None, False, "add", period)


def test_ets_estimates_are_statsmodels_fit(seasonal_series):
    from forecast.models import ets_candidates
    from forecast.models.compat import ets_estimates

    y = seasonal_series / np.mean(np.abs(seasonal_series))
    for spec in ets_candidates(12, seasonal=True) + ets_candidates(1):
        def model():
            return ETSModel(y, error=spec.error, trend=spec.trend, damped_trend=spec.damped, seasonal=spec.seasonal,
                            seasonal_periods=12 if spec.seasonal else None,
                            initialization_method="heuristic" if spec.seasonal else "estimated")
        own = model().fit(disp=False, maxiter=200, return_params=True)
        np.testing.assert_allclose(ets_estimates(model()), own, rtol=1e-12, atol=1e-14, err_msg=spec.code)
    # and where the search stops short, the same warning as ETSModel.fit
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        model().fit(disp=False, maxiter=2, return_params=True)
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        ets_estimates(model(), maxiter=2)


@pytest.mark.parametrize("own_loop", [True, False], ids=["own-loop", "fmin_l_bfgs_b"])
def test_bounded_search_takes_scipys_steps(own_loop, monkeypatch):
    from scipy.optimize import minimize

    from forecast.models import optimize
    from forecast.models.optimize import minimize_bounded

    if not own_loop:  # what a scipy outside SCIPY_TESTED gets
        monkeypatch.setattr(optimize, "SCIPY_TESTED", ())
    elif optimize._private("_lbfgsb", "setulb") is None:
        assert optimize.scipy_release() not in optimize.SCIPY_TESTED  # a tested scipy has it
        pytest.skip("this scipy is not one whose L-BFGS-B routine is driven directly")

    def objective(x):
        return (x[0] - 2) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2 + np.sin(3 * x[2])

    lower, upper = np.array([-np.inf, -1.0, 0.0]), np.array([np.inf, 1.0, 1.0])
    start = np.array([0.5, 0.2, 0.9])
    theirs = minimize(objective, start, method="L-BFGS-B", bounds=[(None, None), (-1, 1), (0, 1)])
    found, value, converged = minimize_bounded(objective, start, lower, upper)
    np.testing.assert_array_equal(found, theirs.x)  # the same search, step for step
    assert value == theirs.fun and found[1] == 1.0 and converged == theirs.success  # ... that ended on a bound


@pytest.mark.parametrize("own_loop", [True, False], ids=["own-loop", "least_squares"])
def test_levenberg_marquardt_takes_scipys_steps(own_loop, monkeypatch, seasonal_series):
    from scipy.optimize import least_squares

    from forecast.models import arima, optimize

    if not own_loop:
        monkeypatch.setattr(optimize, "SCIPY_TESTED", ())
    elif optimize._private("_minpack", "_lmder") is None:
        assert optimize.scipy_release() not in optimize.SCIPY_TESTED  # a tested scipy has it
        pytest.skip("this scipy is not one whose MINPACK routine is driven directly")
    t = np.arange(40.0)

    def residuals(x):  # a decay fitted to noisy data, x[2] starting at zero
        return x[0] * np.exp(-x[1] * t) + x[2] - (3 * np.exp(-0.2 * t) + 0.5 + 0.01 * np.sin(7 * t))

    start = np.array([1.0, 0.5, 0.0])
    np.testing.assert_array_equal(optimize.least_squares_lm(residuals, start),
                                  least_squares(residuals, start, method="lm", x_scale="jac").x)
    calls = []
    monkeypatch.setattr(arima, "least_squares_lm", lambda f, x: calls.append(
        least_squares(f, x, method="lm", x_scale="jac").x) or calls[-1])
    z = np.diff(np.log(seasonal_series))[12:] - np.diff(np.log(seasonal_series))[:-12]
    theirs = arima.css_estimates(z, None, (1, 0, 1), (0, 0, 1), 12, True)
    monkeypatch.setattr(arima, "least_squares_lm", optimize.least_squares_lm)
    np.testing.assert_array_equal(arima.css_estimates(z, None, (1, 0, 1), (0, 0, 1), 12, True), theirs)
    assert calls  # the comparison did run through scipy's least_squares


def test_ets_applied_to_a_shorter_history_keeps_its_estimates(seasonal_series):
    fitted = ETS(12, "mul", "add", True, "mul").fit(seasonal_series)
    scale = np.mean(np.abs(seasonal_series))
    short = seasonal_series[:-12]
    applied = fitted.apply(short)
    direct = ETSModel(short / scale, error="mul", trend="add", damped_trend=True, seasonal="mul",
                      seasonal_periods=12, initialization_method="heuristic").smooth(list(fitted.params.values())[:-1])
    np.testing.assert_allclose(applied.forecast(6).mean, direct.forecast(6) * scale, rtol=1e-10)
    assert applied.params == fitted.params


def test_arima_applied_to_a_shorter_history_keeps_its_estimates(seasonal_series):
    spec = ARIMA(12, (1, 0, 0), (0, 1, 1), drift=True)
    fitted = spec.fit(seasonal_series)
    short = seasonal_series[:-12]
    scale = np.std(seasonal_series)
    diffed = short[12:] - short[:-12]
    res = SARIMAX(diffed / scale, order=(1, 0, 0), seasonal_order=(0, 0, 1, 12), trend="c", concentrate_scale=True)
    params = [v for k, v in fitted.params.items() if k != "sigma2"]
    steps = res.filter(params).forecast(6) * scale
    applied = fitted.apply(short).forecast(6)  # from the full filter's state at the origin
    np.testing.assert_allclose(applied.mean, short[-12:-6] + steps, rtol=1e-10)
    # the error scale is re-estimated on the shorter history, as a filter run on it alone does
    np.testing.assert_allclose(fitted.apply(short).params["sigma2"], res.filter(params).scale * scale**2, rtol=1e-10)


def test_arima_with_regressors_applied_to_a_prefix_is_statsmodels_apply(seasonal_series):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(len(seasonal_series) + 6, 2))
    y = seasonal_series + X[:-6] @ [3.0, -2.0]
    fitted = ARIMA(1, (1, 1, 1), drift=True).fit(y, X[:-6])
    for cut in (len(y) - 18, len(y) - 7):
        fast = fitted.apply(y[:cut], X[:cut]).forecast(6, X[cut:cut + 6])
        # the same estimates on a copy that is not a prefix take statsmodels' own apply path
        slow = fitted.apply(y[:cut] + 0.0, X[:cut] * (1 + 1e-15)).forecast(6, X[cut:cut + 6])
        np.testing.assert_allclose(fast.mean, slow.mean, rtol=1e-9)
        np.testing.assert_allclose(fast.sd, slow.sd, rtol=1e-9)


def test_arima_adapter_is_sarimax_at_its_estimates_and_psi_reproduce_its_variance():
    rng = np.random.default_rng(3)
    y = np.cumsum(1 + rng.normal(0, 1, 80))
    fitted = ARIMA(1, (1, 1, 0), drift=True).fit(y)
    fc = fitted.forecast(6)
    scale = np.std(y)
    params = [v for k, v in fitted.params.items() if k != "sigma2"]
    # the differences are modelled in their own (smaller) state space; the full form agrees
    res = SARIMAX(y / scale, order=(1, 1, 0), trend="c").filter(np.r_[params, fitted.params["sigma2"] / scale**2])
    np.testing.assert_allclose(fc.mean, res.forecast(6) * scale, rtol=1e-5)
    np.testing.assert_allclose(fc.sd, res.get_forecast(6).se_mean * scale, rtol=1e-3)
    # and the estimates are SARIMAX's own maximum-likelihood ones
    mle = SARIMAX(np.diff(y) / scale, order=(1, 0, 0), trend="c", concentrate_scale=True).fit(disp=False).params
    np.testing.assert_allclose(params, mle, atol=1e-3)


def test_seasonal_arima_estimates_are_sarimax_maximum_likelihood():
    # a stable seasonal pattern, where the conditional sum of squares alone is biased
    rng = np.random.default_rng(4)
    t = np.arange(132)
    y = 100 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + np.cumsum(rng.normal(0, 1, 132))
    fitted = ARIMA(12, (0, 1, 1), (0, 1, 1), drift=False).fit(y)
    z = np.diff(y[12:] - y[:-12]) / np.std(y)
    mle = SARIMAX(z, order=(0, 0, 1), seasonal_order=(0, 0, 1, 12), concentrate_scale=True).fit(disp=False)
    np.testing.assert_allclose([fitted.params["ma.L1"], fitted.params["ma.S.L12"]], mle.params, atol=0.01)


def test_css_of_an_ar1_is_least_squares_on_the_lag():
    rng = np.random.default_rng(8)
    z = np.zeros(200)
    for t in range(1, 200):
        z[t] = 0.3 + 0.7 * z[t - 1] + rng.normal()
    css = css_estimates(z, None, (1, 0, 0), (0, 0, 0), 1, True)
    intercept, slope = np.linalg.lstsq(np.column_stack([np.ones(199), z[:-1]]), z[1:], rcond=None)[0]
    np.testing.assert_allclose(css, [intercept, slope], rtol=1e-6)


def test_css_estimates_are_close_to_sarimax_maximum_likelihood():
    rng = np.random.default_rng(0)
    e, x = rng.normal(size=320), rng.normal(size=(300, 1))
    u = np.zeros(320)
    for t in range(13, 320):
        u[t] = 0.5 + 0.6 * u[t - 1] + e[t] + 0.4 * e[t - 12]
    z = u[20:] + 2.0 * x[:, 0]
    css = css_estimates(z, x, (1, 0, 0), (0, 0, 1), 12, True)
    mle = SARIMAX(z, exog=x, order=(1, 0, 0), seasonal_order=(0, 0, 1, 12), trend="c",
                  concentrate_scale=True).fit(disp=False).params
    np.testing.assert_allclose(css, mle, atol=0.02)
    np.testing.assert_allclose(css[1:], [2.0, 0.6, 0.4], atol=0.06)  # and close to the truth


def test_linear_trend_applied_to_a_prefix_holds_its_coefficients(seasonal_series):
    fitted = LinearTrend(12).fit(seasonal_series)
    X = trend_design(0, len(seasonal_series), 12)
    model = sm.GLSAR(seasonal_series, X, rho=1)
    beta = np.asarray(model.iterative_fit(maxiter=6).params)
    rho = float(np.clip(model.rho[0], -0.95, 0.95))
    assert fitted.params["rho"] == pytest.approx(rho, rel=1e-12)
    cut = len(seasonal_series) - 10
    # by hand: x_h' b + rho^h u_n, with the full fit's b and rho and u_n the prefix's last residual
    u_n = seasonal_series[cut - 1] - X[cut - 1] @ beta
    expected = X[cut:cut + 4] @ beta + u_n * rho ** np.arange(1, 5)
    np.testing.assert_allclose(fitted.apply(seasonal_series[:cut]).forecast(4).mean, expected, rtol=1e-10)
    np.testing.assert_allclose(fitted.apply(seasonal_series).forecast(5).mean, fitted.forecast(5).mean, rtol=1e-12)


def test_baselines_by_hand():
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 9])
    assert Naive().fit(y).forecast(2).mean.tolist() == [9, 9]
    assert SeasonalNaive(4).fit(y).forecast(5).mean.tolist() == [5, 6, 7, 9, 5]
    np.testing.assert_allclose(Drift().fit(y).forecast(2).mean, [9 + 8 / 7, 9 + 16 / 7])


def test_theta_applied_to_its_own_data_is_the_fit_and_its_season_test_is_statsmodels(seasonal_series):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from forecast.models.theta import has_seasonality

    fitted = Theta(12, test=True).fit(seasonal_series)
    np.testing.assert_allclose(fitted.apply(seasonal_series).forecast(12).mean, fitted.forecast(12).mean, rtol=1e-12)
    rng = np.random.default_rng(1)
    for y in (seasonal_series, seasonal_series[:40], 50 + rng.normal(size=60).cumsum()):
        model = ThetaModel(y, period=12, use_test=True)
        model.fit()
        assert has_seasonality(y, 12) == model._has_seasonality


def test_theta_adapter_equals_statsmodels(seasonal_series):
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from forecast.models.theta import ses_sse

    fitted = Theta(12).fit(seasonal_series)
    fc = fitted.forecast(12)
    model = ThetaModel(seasonal_series, period=12, use_test=False, method="mul")
    res = model.fit(use_mle=False)
    # our least-squares alpha is statsmodels' (to its optimiser's tolerance), never a worse one
    np.testing.assert_allclose(fc.mean, res.forecast(12), rtol=1e-6)
    np.testing.assert_allclose(fitted.params["alpha"], res.params["alpha"], atol=1e-4)
    adjusted, _ = model._deseasonalize_data()
    assert ses_sse(adjusted, fitted.params["alpha"]) <= ses_sse(adjusted, res.params["alpha"]) * (1 + 1e-12)
    # and with statsmodels' alpha, the forecast is statsmodels' to rounding
    np.testing.assert_allclose(fitted.spec._wrap(seasonal_series, float(res.params["alpha"]), 12).forecast(12).mean,
                               res.forecast(12), rtol=1e-10)
    assert (np.diff(fc.sd) >= 0).all()


def test_fit_does_not_mutate_the_spec_or_data(seasonal_series):
    spec = LinearTrend(12)
    before = seasonal_series.copy()
    spec.fit(seasonal_series)
    assert spec == LinearTrend(12)
    np.testing.assert_array_equal(seasonal_series, before)


def test_sample_paths_have_the_models_standard_deviation():
    fc = ARIMA(1, (0, 1, 1), drift=False).fit(np.cumsum(np.random.default_rng(0).normal(size=60))).forecast(6)
    shocks = np.random.default_rng(1).standard_normal((40000, 6))
    paths = fc.sample_paths(shocks)
    np.testing.assert_allclose(paths.std(axis=0), fc.sd, rtol=0.03)


def test_log_linear_trend_is_ols_on_logs_with_the_lognormal_mean():
    from forecast.models.transform import log_of

    rng = np.random.default_rng(3)
    y = 200 * np.exp(0.015 * np.arange(48) + rng.normal(0, 0.02, 48))
    fc = log_of(LinearTrend(ar=False)).fit(y).forecast(12)
    ols = sm.OLS(np.log(y), sm.add_constant(np.arange(48.0))).fit()
    pred = ols.get_prediction(sm.add_constant(np.arange(48.0, 60.0), has_constant="add"))
    var = pred.var_pred_mean + ols.scale
    np.testing.assert_allclose(fc.mean, np.exp(pred.predicted_mean + var / 2), rtol=1e-9)
    np.testing.assert_allclose(fc.sd, fc.mean * np.sqrt(np.expm1(var)), rtol=1e-9)
    # the estimated trend's error is the part of the error every step shares
    np.testing.assert_allclose(fc.common_sd / fc.sd, np.sqrt(pred.var_pred_mean / var), rtol=1e-6)
    with pytest.raises(ModelFitError, match="not positive"):
        log_of(LinearTrend()).fit(np.r_[y, -1.0])


def test_shared_trend_error_moves_whole_paths():
    from forecast.calibrate import cumulative_sd
    from forecast.models.base import Forecast

    h = 12
    fc = Forecast(np.zeros(h), np.linspace(1, 3, h), 0.6 ** np.arange(h), np.linspace(0.5, 2.5, h))
    rng = np.random.default_rng(5)
    paths = fc.sample_paths(rng.standard_normal((100_000, h)), rng.standard_normal(100_000))
    np.testing.assert_allclose(paths.std(axis=0), fc.sd, rtol=0.02)
    np.testing.assert_allclose(np.cumsum(paths, axis=1).std(axis=0), cumulative_sd(fc), rtol=0.02)
    # the annual sum is wider than with independent trend errors per step
    alone = Forecast(fc.mean, fc.sd, fc.psi).sample_paths(rng.standard_normal((100_000, h)))
    assert paths.sum(axis=1).std() > 1.4 * alone.sum(axis=1).std()  # 19.8 vs 13.1 exactly


@pytest.mark.parametrize("order, seasonal_order, trend, regressors", [
    ((0, 0, 1), (0, 0, 1, 12), "n", 0),  # the airline model's differences
    ((1, 0, 0), (0, 0, 1, 12), "c", 0),
    ((1, 0, 0), (0, 0, 0, 0), "c", 2),
    ((1, 0, 1), (0, 0, 0, 0), "c", 0),
    ((0, 0, 1), (0, 0, 0, 0), "c", 2),
    ((1, 0, 1), (0, 0, 1, 12), "c", 1),
])
def test_banded_arma_likelihood_is_sarimax_likelihood(order, seasonal_order, trend, regressors):
    from forecast.models.arma_likelihood import RegressionArma, arma_loglike

    rng = np.random.default_rng(11)
    z = np.cumsum(rng.normal(0, 0.1, 121)) + rng.normal(size=121)
    X = rng.normal(size=(121, regressors)) if regressors else None
    model = SARIMAX(z, exog=X, order=order, seasonal_order=seasonal_order, trend=trend, concentrate_scale=True)
    period = seasonal_order[3]
    loglike = arma_loglike(RegressionArma(z, X, trend == "c", order[0], order[2], seasonal_order[0],
                                          seasonal_order[2], period))
    for _ in range(20):  # anywhere in the box the estimates are searched in, unit roots excepted
        params = rng.uniform(-0.99, 0.99, len(model.param_names))
        assert loglike(params) == pytest.approx(model.loglike(params), rel=1e-9)


def test_css_aicc_ranks_orders_as_the_fitted_models_at_those_estimates_would(seasonal_series):
    from forecast.models.arima import _aicc

    for spec in (ARIMA(12, (0, 1, 1), (0, 1, 1), drift=False), ARIMA(1, (1, 1, 1), drift=True)):
        arma, params, scale = spec._css(seasonal_series, None)
        model = spec._sarimax(arma)
        at_css = model.filter(params, cov_type="none")
        assert spec.css_aicc(seasonal_series) == pytest.approx(_aicc(at_css.llf, len(params), model.nobs, scale),
                                                               rel=1e-10)
        # and the same formula as the fitted model's own AICc (at its maximum-likelihood estimates)
        fitted = spec.fit(seasonal_series)
        ml = model.filter([v for k, v in fitted.params.items() if k != "sigma2"], cov_type="none")
        assert fitted.aicc == pytest.approx(_aicc(ml.llf, len(params), model.nobs, scale), rel=1e-10)
        assert fitted.aicc <= spec.css_aicc(seasonal_series) + 1e-9  # the likelihood only rose
