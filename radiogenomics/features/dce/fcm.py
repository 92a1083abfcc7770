"""Fuzzy c-means clustering with sorted, reproducible clusters (wraps scikit-fuzzy)."""

from __future__ import annotations

import logging

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)


def fuzzy_cmeans(
    data: np.ndarray,
    n_clusters: int,
    fuzziness: float = 2.0,
    tol: float = 1e-6,
    max_iter: int = 300,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster samples by fuzzy c-means.

    Minimises sum_i sum_k u_ik^m ||x_i - c_k||² subject to sum_k u_ik = 1 (Bezdek,
    *Pattern Recognition with Fuzzy Objective Function Algorithms*, 1981), with the
    solver of scikit-fuzzy (``skfuzzy.cluster.cmeans``).

    Parameters
    ----------
    data : ndarray, shape (n_samples,) or (n_samples, n_features)
        Samples to cluster.
    n_clusters : int
        Number of clusters c, at least 2.
    fuzziness : float
        Fuzziness exponent m > 1; 2 is the usual choice.
    tol : float
        Stop when the membership matrix changes by less than this.
    max_iter : int
        Maximum number of iterations.
    seed : int
        Seed of the random initial memberships.

    Returns
    -------
    centers : ndarray, shape (n_clusters, n_features)
        Cluster centroids, sorted by their first feature in increasing order.
    memberships : ndarray, shape (n_samples, n_clusters)
        Fuzzy memberships u_ik, in the order of ``centers``; each row sums to 1.
    """
    import skfuzzy

    data = np.asarray(data, dtype=float)
    if data.ndim == 1:
        data = data[:, np.newaxis]
    if data.ndim != 2:
        raise RadiogenomicsError(f"data must be 1-D or 2-D, got shape {data.shape}")
    if n_clusters < 2:
        raise RadiogenomicsError(f"n_clusters must be at least 2, got {n_clusters}")
    if fuzziness <= 1:
        raise RadiogenomicsError(f"fuzziness m must be greater than 1, got {fuzziness}")
    if data.shape[0] < n_clusters:
        raise RadiogenomicsError(
            f"cannot form {n_clusters} clusters from {data.shape[0]} sample(s); "
            "use a larger region or fewer clusters"
        )
    if not np.all(np.isfinite(data)):
        raise RadiogenomicsError("data contain NaN or infinite values; drop those samples first")

    centers, memberships, _, _, _, n_iter, _ = skfuzzy.cluster.cmeans(
        data.T, c=n_clusters, m=fuzziness, error=tol, maxiter=max_iter, seed=seed
    )
    if n_iter >= max_iter:
        logger.warning("fuzzy c-means stopped at max_iter=%d before converging", max_iter)
    order = np.lexsort(centers.T[::-1])
    return centers[order], memberships[order].T
