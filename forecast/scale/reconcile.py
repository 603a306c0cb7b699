"""Coherent forecasts for a hierarchy: the reconciliation methods and their intervals.

Every method maps the base forecasts of all nodes, y_hat (nodes x steps), to coherent ones
S G y_hat, with S the summing matrix (nodes x bottom series) and G a method's bottom-level
combination (Hyndman et al. 2011; Wickramasuriya, Athanasopoulos & Hyndman 2019):

- `bottom_up`:   G picks the bottom series' own forecasts.
- `top_down`:    the total's forecast split by forecast proportions, level by level
                 (Athanasopoulos, Ahmed & Hyndman 2009), so every step has its own shares.
- `mint_shrink`: G = (S' W^-1 S)^-1 S' W^-1 with W the covariance of the one-step in-sample
                 errors, shrunk towards its diagonal (Schafer & Strimmer 2005).

Intervals: the reconciled error at step k is S G e_k with e_k the base errors, whose standard
deviations are the base models' own at that step and whose correlation is that of the
one-step errors (shrunk the same way); under `top_down` every node carries its share of the
total's error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

METHODS = ("bottom_up", "top_down", "mint_shrink")


@dataclass(frozen=True)
class Structure:
    """Nodes (bottom series last) and how they add up.

    `summing` is the sparse (nodes x bottom) 0/1 matrix S; `parent[i]` is the index of node i's
    parent (-1 for the top)."""

    names: tuple[str, ...]
    levels: tuple[str, ...]  # the level of each node
    summing: sparse.csr_matrix
    parent: np.ndarray

    @property
    def bottom(self) -> np.ndarray:
        return np.arange(len(self.names) - self.summing.shape[1], len(self.names))


@dataclass(frozen=True)
class Correlation:
    """Shrunk correlation of the nodes' one-step errors, kept in low-rank form: R = lam I +
    (1 - lam) Z'Z / T, with Z the (T x nodes) standardised errors and `sd` their standard
    deviations."""

    z: np.ndarray
    sd: np.ndarray
    lam: float

    def covariance(self) -> np.ndarray:
        t = max(len(self.z), 1)
        corr = (1 - self.lam) * (self.z.T @ self.z) / t + self.lam * np.eye(self.z.shape[1])
        return corr * np.outer(self.sd, self.sd)

    def quadratic_diagonal(self, B: np.ndarray) -> np.ndarray:
        """diag(B R B') without forming R."""
        t = max(len(self.z), 1)
        low = B @ self.z.T
        return self.lam * np.einsum("ij,ij->i", B, B) + (1 - self.lam) * np.einsum("ij,ij->i", low, low) / t


def shrunk_correlation(residuals: np.ndarray) -> Correlation:
    """Schafer-Strimmer shrinkage of the correlation of `residuals` (periods x nodes, NaN where
    a node has none): lam = sum_{i!=j} Var(r_ij) / sum_{i!=j} r_ij^2, clipped to [0, 1].
    Missing errors count as zero deviations (they add no correlation)."""
    r = np.asarray(residuals, float)
    r = r[np.isfinite(r).any(axis=1)]
    centred = r - np.nanmean(r, axis=0)
    sd = np.sqrt(np.nanmean(centred**2, axis=0))
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    z = np.nan_to_num(centred / sd)
    z = z / np.where(np.any(z != 0, axis=0), np.sqrt(np.mean(z**2, axis=0)), 1.0)  # unit diagonal
    t = len(z)
    if t < 3:
        return Correlation(z, sd, 1.0)
    w_mean = z.T @ z / t
    sq = z**2
    var = (sq.T @ sq - t * w_mean**2) * t / (t - 1) ** 3
    np.fill_diagonal(var, 0.0)
    corr = w_mean * t / (t - 1)
    np.fill_diagonal(corr, 0.0)
    denom = float(np.sum(corr**2))
    lam = 1.0 if denom == 0 else float(np.clip(var.sum() / denom, 0.0, 1.0))
    return Correlation(z, sd, lam)


def top_down_shares(structure: Structure, mean: np.ndarray) -> np.ndarray:
    """Each node's share of the top node's forecast, per step (nodes x steps): the parent's share
    split by the children's base forecasts (equally where those do not sum to a positive value)."""
    shares = np.zeros_like(mean, dtype=float)
    top = np.flatnonzero(structure.parent < 0)
    shares[top] = 1.0
    children: dict[int, list[int]] = {}
    for node, parent in enumerate(structure.parent):
        if parent >= 0:
            children.setdefault(int(parent), []).append(node)
    stack = list(top)
    while stack:
        node = stack.pop()
        kids = children.get(node, [])
        if not kids:
            continue
        base = np.maximum(mean[kids], 0.0)
        total = base.sum(axis=0)
        split = np.where(total > 0, base / np.where(total > 0, total, 1.0), 1.0 / len(kids))
        shares[kids] = split * shares[node]
        stack.extend(kids)
    return shares


def combination(structure: Structure, method: str, correlation: Correlation | None = None) -> np.ndarray:
    """G (bottom x nodes) of `bottom_up` or `mint_shrink`."""
    nodes, bottoms = structure.summing.shape
    if method == "bottom_up":
        G = np.zeros((bottoms, nodes))
        G[np.arange(bottoms), structure.bottom] = 1.0
        return G
    if method == "mint_shrink":
        S = structure.summing.toarray()
        W = correlation.covariance()
        W_inv_S = np.linalg.solve(W, S)
        return np.linalg.solve(S.T @ W_inv_S, W_inv_S.T)
    raise ValueError(f"no combination matrix for {method!r}")


def reconcile(structure: Structure, method: str, mean: np.ndarray, sd: np.ndarray,
              correlation: Correlation) -> tuple[np.ndarray, np.ndarray]:
    """Coherent (mean, sd), both nodes x steps, from the base ones by `method`; "base" leaves
    them as they are (what the backtest compares the methods with)."""
    if method == "base":
        return mean, sd
    if method not in METHODS:
        raise ValueError(f"unknown reconciliation {method!r}; use one of {', '.join(METHODS)}")
    S = structure.summing
    if method == "top_down":
        shares = top_down_shares(structure, mean)
        top = int(np.flatnonzero(structure.parent < 0)[0])
        bottom_mean = shares[structure.bottom] * mean[top]
        return S @ bottom_mean, np.abs(S @ shares[structure.bottom]) * sd[top]
    G = combination(structure, method, correlation)
    SG = S @ G
    out_sd = np.empty_like(sd, dtype=float)
    for k in range(sd.shape[1]):
        # errors of step k: the base sd of each node times the shrunk correlation of the errors
        out_sd[:, k] = np.sqrt(np.maximum(correlation.quadratic_diagonal(SG * sd[:, k]), 0.0))
    return SG @ mean, out_sd
