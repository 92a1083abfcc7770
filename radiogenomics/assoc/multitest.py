"""Multiple-testing corrections that leave missing p-values out of the family."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Accepted names -> statsmodels ``multipletests`` method (``None`` = Storey q-value here).
_METHODS = {
    "fdr_bh": "fdr_bh",
    "bh": "fdr_bh",
    "fdr_by": "fdr_by",
    "by": "fdr_by",
    "holm": "holm",
    "bonferroni": "bonferroni",
    "qvalue": None,
    "storey": None,
}


def adjust_pvalues(pvalues, method: str = "fdr_bh", storey_lambda: float = 0.5):
    """Adjust a family of p-values for multiple testing, skipping missing values.

    Missing p-values (NaN) are not counted in the family and stay missing in the output, so
    one untestable feature does not turn every adjusted value into NaN.

    Parameters
    ----------
    pvalues : array-like or pandas.Series
        Raw p-values in [0, 1]; NaN marks a test that was not done.
    method : {'fdr_bh', 'fdr_by', 'holm', 'bonferroni', 'qvalue'}, default 'fdr_bh'
        Benjamini-Hochberg (1995) and Benjamini-Yekutieli (2001) false discovery rate,
        Holm (1979) and Bonferroni family-wise error rate, all through
        :func:`statsmodels.stats.multitest.multipletests`. ``'qvalue'`` is Storey's q-value
        (Storey, J R Stat Soc B 64:479-498, 2002): the BH values scaled by the estimated
        proportion of true null hypotheses ``pi0 = #{p > lambda} / (m (1 - lambda))``,
        capped at 1.
    storey_lambda : float, default 0.5
        The tuning value ``lambda`` of the ``pi0`` estimate, used by ``'qvalue'`` only.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Adjusted p-values, of the input's type and index.

    Examples
    --------
    >>> adjust_pvalues([0.01, float("nan"), 0.04])
    array([0.04, nan, 0.04])
    """
    from statsmodels.stats.multitest import multipletests

    key = method.lower()
    if key not in _METHODS:
        raise ValueError(
            f"unknown multiple-testing method {method!r}; choose one of {', '.join(_METHODS)}"
        )
    index = pvalues.index if isinstance(pvalues, pd.Series) else None
    values = np.asarray(pvalues, dtype=float)
    finite = ~np.isnan(values)
    if np.any((values[finite] < 0) | (values[finite] > 1)):
        bad = values[finite][(values[finite] < 0) | (values[finite] > 1)]
        raise ValueError(f"p-values must lie in [0, 1]; found {bad[:5].tolist()}")

    adjusted = np.full(values.shape, np.nan)
    if finite.any():
        statsmodels_method = _METHODS[key]
        if statsmodels_method is not None:
            adjusted[finite] = multipletests(values[finite], method=statsmodels_method)[1]
        else:
            if not 0 < storey_lambda < 1:
                raise ValueError(f"storey_lambda must lie in (0, 1), got {storey_lambda}")
            observed = values[finite]
            pi0 = min(1.0, np.mean(observed > storey_lambda) / (1 - storey_lambda))
            adjusted[finite] = pi0 * multipletests(observed, method="fdr_bh")[1]
    if index is not None:
        return pd.Series(adjusted, index=index, name=getattr(pvalues, "name", None))
    return adjusted
