"""Stepwise feature selection for linear discriminant analysis, as a scikit-learn selector."""

from __future__ import annotations

import logging

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

logger = logging.getLogger(__name__)


def _wilks_lambdas(
    within: np.ndarray, total: np.ndarray, selected: list[int], candidates: list[int]
) -> np.ndarray:
    """Wilks' lambda det(W_s) / det(T_s) of ``selected`` plus each candidate, in one batch."""
    subsets = np.array([selected + [j] for j in candidates])
    rows, columns = subsets[:, :, None], subsets[:, None, :]
    sign_w, logdet_w = np.linalg.slogdet(within[rows, columns])
    sign_t, logdet_t = np.linalg.slogdet(total[rows, columns])
    lambdas = np.exp(logdet_w - logdet_t)
    lambdas[(sign_w <= 0) | (sign_t <= 0)] = np.inf
    return lambdas


class StepwiseLDASelector(SelectorMixin, BaseEstimator):
    """Forward stepwise selection by Wilks' lambda, the classic stepwise discriminant analysis.

    At each step the feature that most lowers Wilks' lambda ``det(W) / det(T)`` (within-group
    over total sums of squares and cross-products) enters, if its partial F statistic

    ``F = (n - g - p) / (g - 1) * (lambda_p / lambda_{p+1} - 1)``

    with ``g`` classes and ``p`` features already in, has a p-value below ``p_enter`` on
    ``(g - 1, n - g - p)`` degrees of freedom (Rencher, Methods of Multivariate Analysis,
    2nd ed., 2002, section 8.9). Selection stops at ``max_features``. When no feature passes
    at the first step, the single best feature is kept so that a classifier can still fit.

    Parameters
    ----------
    max_features : int, default 5
    p_enter : float, default 0.05
    """

    def __init__(self, max_features: int = 5, p_enter: float = 0.05):
        self.max_features = max_features
        self.p_enter = p_enter

    def fit(self, X, y):
        """Select features on training data ``X`` (samples x features) with classes ``y``."""
        X, y = validate_data(self, X, y)
        classes = np.unique(y)
        n, n_features = X.shape
        g = len(classes)
        centred = X - X.mean(axis=0)
        total = centred.T @ centred
        within = np.zeros_like(total)
        for value in classes:
            group = X[y == value]
            group_centred = group - group.mean(axis=0)
            within += group_centred.T @ group_centred

        selected: list[int] = []
        current = 1.0
        while len(selected) < min(self.max_features, n_features):
            candidates = [j for j in range(n_features) if j not in selected]
            lambdas = _wilks_lambdas(within, total, selected, candidates)
            best = int(np.argmin(lambdas))
            p = len(selected)
            df_denominator = n - g - p
            if df_denominator < 1 or not np.isfinite(lambdas[best]):
                break
            f = df_denominator / (g - 1) * (current / lambdas[best] - 1)
            p_value = stats.f.sf(f, g - 1, df_denominator)
            if p_value >= self.p_enter:
                if not selected:
                    selected.append(candidates[best])
                    logger.debug("no feature passes p_enter; kept the best one alone")
                break
            selected.append(candidates[best])
            current = lambdas[best]
        self.support_ = np.zeros(n_features, dtype=bool)
        self.support_[selected] = True
        self.order_ = np.array(selected)
        return self

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_
