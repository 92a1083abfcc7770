"""Linear association tests of many phenotypes at once, by matrix algebra.

For phenotypes ``Y`` (n x m), covariates ``C`` (n x c, with an intercept) and tested columns
``X`` (n x q), every phenotype is fitted by ordinary least squares ``y ~ C + X``. By the
Frisch-Waugh-Lovell theorem the coefficients of ``X`` equal those of the regression of
``M_C y`` on ``M_C X``, where ``M_C`` projects onto the orthogonal complement of the columns
of ``C``. So ``C`` is residualised out once with a QR decomposition, and one matrix product
then gives the estimates for all phenotypes (Davidson & MacKinnon, Econometric Theory and
Methods, 2004, section 2.4).

Rank deficiency is handled in two places:

* covariates that are linear combinations of others (for example volume in mm^3 and in cm^3
  after a log transform, which differ by a constant) are reduced to an independent set. The
  fit, residual degrees of freedom and p-values are then those of the full-rank model.
* tested columns that are linear combinations of the covariates (a label constant within the
  sample, or equal to a covariate) raise :class:`RankDeficientError`, because no p-value
  exists for them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import linalg, stats

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)

# Relative size below which a pivoted-QR diagonal entry counts as zero. Columns are scaled to
# unit norm first, so the threshold does not depend on units (mm^3 vs cm^3).
RANK_TOLERANCE = 1e-10


class RankDeficientError(RadiogenomicsError):
    """A tested variable is a linear combination of the covariates; it has no p-value."""


def independent_columns(matrix: np.ndarray, tolerance: float = RANK_TOLERANCE) -> np.ndarray:
    """Return the indices of a maximal linearly independent subset of the columns.

    The columns are scaled to unit Euclidean norm and decomposed by QR with column pivoting.
    A column is kept when its pivoted diagonal entry of ``R`` exceeds ``tolerance`` times the
    first one. Earlier columns are preferred among equally independent ones.
    """
    norms = np.linalg.norm(matrix, axis=0)
    nonzero = np.flatnonzero(norms > 0)
    if nonzero.size == 0:
        return nonzero
    scaled = matrix[:, nonzero] / norms[nonzero]
    _, r, pivots = linalg.qr(scaled, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int(np.sum(diagonal > tolerance * diagonal[0]))
    return np.sort(nonzero[pivots[:rank]])


def _residualise(basis: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Return ``matrix`` minus its projection on the columns of the orthonormal ``basis``."""
    return matrix - basis @ (basis.T @ matrix)


def linear_association(
    phenotypes: pd.DataFrame,
    tested: pd.DataFrame,
    covariates: pd.DataFrame | None = None,
    intercept: bool = True,
) -> pd.DataFrame:
    """Test ``tested`` against every phenotype, adjusting for ``covariates``, by OLS.

    Rows with a missing value in ``tested`` or ``covariates`` are left out of every fit. A
    phenotype's own missing values leave out only its rows, and phenotypes that share a
    pattern of missing values are fitted together.

    With one tested column, the result is the t-test of its coefficient; with several (the
    dummy columns of a factor), it is the F-test that all their coefficients are zero.

    Parameters
    ----------
    phenotypes : pandas.DataFrame
        Samples x phenotypes, numeric.
    tested : pandas.DataFrame
        Samples x tested columns (one column, or the dummy columns of a factor).
    covariates : pandas.DataFrame, optional
        Samples x covariates, e.g. log tumour volume. Redundant columns are dropped.
    intercept : bool, default True
        Add a column of ones to the covariates.

    Returns
    -------
    pandas.DataFrame
        Indexed by phenotype, with columns ``n`` (samples fitted), ``df`` (residual degrees of
        freedom), and for one tested column ``beta``, ``se``, ``t``, ``p``; for several,
        ``f``, ``df_num`` and ``p`` (``beta``, ``se`` and ``t`` are NaN).

    Raises
    ------
    RankDeficientError
        If a tested column is constant or a linear combination of the covariates.
    """
    tested = tested.astype(float)
    index = phenotypes.index
    design_parts = [tested.reindex(index)]
    if covariates is not None:
        design_parts.append(covariates.reindex(index).astype(float))
    complete = pd.concat(design_parts, axis=1).notna().all(axis=1).to_numpy()

    values = phenotypes.to_numpy(dtype=float)
    missing_pattern = np.isnan(values[complete])
    groups: dict[bytes, list[int]] = {}
    for column in range(values.shape[1]):
        groups.setdefault(np.packbits(missing_pattern[:, column]).tobytes(), []).append(column)

    tested_values = tested.reindex(index).to_numpy()
    covariate_values = None if covariates is None else covariates.reindex(index).to_numpy(float)
    tables = []
    for columns in groups.values():
        rows = complete.copy()
        rows[complete] = ~missing_pattern[:, columns[0]]
        names = [phenotypes.columns[c] for c in columns]
        try:
            table = _fit_block(
                values[np.ix_(rows, columns)],
                tested_values[rows],
                None if covariate_values is None else covariate_values[rows],
                intercept,
                names,
                list(tested.columns),
            )
        except RankDeficientError as error:
            if rows.sum() == complete.sum():
                raise
            # Only these phenotypes' own missing values made the design deficient; the
            # other phenotypes of the label are still tested.
            logger.warning("phenotype(s) %s not tested: %s", names, error)
            table = pd.DataFrame({"n": int(rows.sum())}, index=pd.Index(names, name="feature"))
        tables.append(table)
    result = pd.concat(tables).reindex(phenotypes.columns)
    result.index.name = "feature"
    return result


def _fit_block(y, x, covariates, intercept, names, tested_names) -> pd.DataFrame:
    n = y.shape[0]
    if n < 3:
        raise RankDeficientError(
            f"only {n} sample(s) have values for the phenotype, the tested variable(s) "
            f"{', '.join(map(str, tested_names))} and the covariates"
        )
    blocks = [np.ones((n, 1))] if intercept else []
    if covariates is not None:
        blocks.append(covariates)
    if blocks:
        c = np.hstack(blocks)
        kept = independent_columns(c)
        if kept.size < c.shape[1]:
            logger.info(
                "dropped %d redundant covariate column(s); the model keeps %d independent ones",
                c.shape[1] - kept.size,
                kept.size,
            )
        basis = linalg.qr(c[:, kept], mode="economic")[0]
        rank_c = kept.size
    else:
        basis = np.zeros((n, 0))
        rank_c = 0

    x_res = _residualise(basis, x)
    y_res = _residualise(basis, y)
    scale = np.linalg.norm(x - x.mean(axis=0) * intercept, axis=0)
    scale[scale == 0] = 1.0
    x_kept = independent_columns(x_res / scale)
    residual_norm = np.linalg.norm(x_res, axis=0) / scale
    if x_kept.size < x.shape[1] or np.any(residual_norm < np.sqrt(RANK_TOLERANCE)):
        raise RankDeficientError(
            f"tested variable(s) {', '.join(map(str, tested_names))} are constant or a linear "
            f"combination of the covariates in the {n} complete samples, so their effect "
            "cannot be estimated; check the label's classes in this sample"
        )

    q = x.shape[1]
    df_resid = n - rank_c - q
    if df_resid < 1:
        raise RankDeficientError(
            f"{n} samples leave no residual degrees of freedom for {rank_c} covariate and "
            f"{q} tested column(s) ({', '.join(map(str, tested_names))})"
        )

    table = pd.DataFrame(index=pd.Index(names, name="feature"))
    table["n"] = n
    table["df"] = df_resid
    constant = np.ptp(y, axis=0) == 0
    if q == 1:
        xx = float(x_res[:, 0] @ x_res[:, 0])
        beta = (x_res[:, 0] @ y_res) / xx
        residuals = y_res - np.outer(x_res[:, 0], beta)
        sigma2 = np.einsum("ij,ij->j", residuals, residuals) / df_resid
        se = np.sqrt(sigma2 / xx)
        t = beta / se
        table["beta"], table["se"], table["t"] = beta, se, t
        table["p"] = 2 * stats.t.sf(np.abs(t), df_resid)
    else:
        x_basis = linalg.qr(x_res, mode="economic")[0]
        explained = x_basis.T @ y_res
        ss_test = np.einsum("ij,ij->j", explained, explained)
        residuals = y_res - x_basis @ explained
        rss = np.einsum("ij,ij->j", residuals, residuals)
        f = (ss_test / q) / (rss / df_resid)
        table["beta"] = table["se"] = table["t"] = np.nan
        table["f"], table["df_num"] = f, q
        table["p"] = stats.f.sf(f, q, df_resid)
    if constant.any():
        logger.warning("phenotype(s) %s are constant in the %d samples; not tested",
                       [name for name, flat in zip(names, constant, strict=True) if flat], n)
        table.loc[constant, [c for c in ("beta", "se", "t", "f", "p") if c in table]] = np.nan
    return table
