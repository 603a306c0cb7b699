"""Joint sample paths of a hierarchy's nodes, pushed through the reconciliation.

Each node's base forecast gives paths with its own error dynamics (`Forecast.sample_paths`: psi
weights, plus the trend error its steps share). The standard normal shocks behind them are
correlated across nodes as the nodes' one-step errors are (the shrunk correlation of
`reconcile.shrunk_correlation`, drawn in its low-rank form so that thousands of nodes cost no
nodes x nodes matrix) and independent over time. The reconciliation is linear, so it maps each
path of base forecasts to a path of coherent ones; the spread of each level is then widened by
the backtest (`hierarchy.widened`). Sums over months of any node (a year's budget) are sums of
its paths, so they carry the correlation over the horizon and across units.
"""
from __future__ import annotations

import numpy as np

from forecast.models import Forecast
from forecast.scale.reconcile import Correlation, Structure, combination, top_down_shares

PATHS = 1000  # per hierarchy; fewer for very large ones (PATH_BYTES)
PATH_BYTES = 400 * 1024 ** 2  # the paths of one hierarchy, and a working copy, stay under this
SEED = 0


def path_count(nodes: int, horizon: int) -> int:
    return int(max(200, min(PATHS, PATH_BYTES // (8 * 3 * nodes * (horizon + 1)))))


def correlated_shocks(correlation: Correlation, n_paths: int, steps: int, seed: int = SEED) -> np.ndarray:
    """Standard normal shocks (n_paths, steps, nodes) with correlation lam I + (1 - lam) Z'Z / T
    across nodes: lam of each node's own noise plus the rest drawn through the errors' own
    history Z (T x nodes, unit mean square per column)."""
    rng = np.random.default_rng(seed)
    z, lam = correlation.z, correlation.lam
    nodes, t = z.shape[1], max(len(z), 1)
    shocks = np.sqrt(lam) * rng.standard_normal((n_paths, steps, nodes))
    if lam < 1 and len(z):
        shocks += np.sqrt((1 - lam) / t) * (rng.standard_normal((n_paths, steps, t)) @ z)
    return shocks


def base_paths(forecasts: list[Forecast], shocks: np.ndarray) -> np.ndarray:
    """Paths (n_paths, nodes, horizon) of each node's base forecast; the last of the shocks'
    steps drives the error that a node's steps share."""
    horizon = shocks.shape[1] - 1
    return np.stack([fc.sample_paths(shocks[:, :horizon, k], shocks[:, horizon, k])
                     for k, fc in enumerate(forecasts)], axis=1)


def reconciled_paths(structure: Structure, method: str, paths: np.ndarray, base_mean: np.ndarray,
                     correlation: Correlation) -> np.ndarray:
    """The method's linear map applied to every path: (n_paths, nodes, horizon) coherent paths.
    `top_down` splits each path of the top node by the shares of the base means."""
    S = structure.summing
    if method == "top_down":
        top = int(np.flatnonzero(structure.parent < 0)[0])
        shares = top_down_shares(structure, base_mean)[structure.bottom]  # bottoms x horizon
        bottom = paths[:, top, None, :] * shares[None]
    else:
        G = combination(structure, method, correlation)  # bottoms x nodes
        bottom = np.einsum("bn,pnh->pbh", G, paths) if method != "bottom_up" else paths[:, structure.bottom, :]
    n_paths, bottoms, horizon = bottom.shape
    flat = bottom.transpose(1, 0, 2).reshape(bottoms, n_paths * horizon)
    return np.asarray(S @ flat).reshape(S.shape[0], n_paths, horizon).transpose(1, 0, 2)


def widened_paths(paths: np.ndarray, mean: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Paths centred on the coherent `mean` (nodes x horizon), each node's deviations scaled by
    its level's widening factor."""
    deviations = paths - paths.mean(axis=0, keepdims=True)
    return mean[None] + deviations * factor[None, :, None]
