"""Survival association: Cox models of each phenotype and log-rank tests of patient groups."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from radiogenomics.assoc.multitest import adjust_pvalues
from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)


def _survival_frame(time: pd.Series, event: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"time": pd.to_numeric(time, errors="coerce"),
                          "event": pd.to_numeric(event, errors="coerce")})
    bad_events = sorted(set(frame["event"].dropna().unique()) - {0.0, 1.0})
    if bad_events:
        raise TableError(
            f"survival event must be coded 1 (event) or 0 (censored); found {bad_events[:5]}"
        )
    negative = frame.index[frame["time"] < 0]
    if len(negative):
        raise TableError(
            f"survival times must not be negative; patients {list(negative[:5])} have "
            f"{frame.loc[negative[:5], 'time'].tolist()}"
        )
    dropped = frame.index[frame.isna().any(axis=1)]
    for patient in dropped:
        logger.info("survival: patient %s left out (missing time or event)", patient)
    return frame.dropna()


def cox_association(
    features: pd.DataFrame,
    time: pd.Series,
    event: pd.Series,
    covariates: pd.DataFrame | None = None,
    correction: str = "fdr_bh",
) -> pd.DataFrame:
    """Fit a Cox proportional-hazards model of survival on each standardised phenotype.

    Each phenotype is centred and scaled to unit standard deviation, so the hazard ratio is
    per standard deviation. Covariates (e.g. log tumour volume) enter every model. Models
    are fitted with :class:`statsmodels.duration.hazard_regression.PHReg` (Breslow ties).

    Parameters
    ----------
    features : pandas.DataFrame
        Patients x phenotypes.
    time : pandas.Series
        Follow-up time per patient (any unit, e.g. days).
    event : pandas.Series
        1 for an event (e.g. death), 0 for censoring.
    covariates : pandas.DataFrame, optional
    correction : str, default 'fdr_bh'
        Multiple-testing method across phenotypes.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, n, events, hazard_ratio, ci_low, ci_high, p, q``; the ratio and
        its 95 % Wald interval are per standard deviation of the phenotype.
    """
    from statsmodels.duration.hazard_regression import PHReg

    survival = _survival_frame(time, event)
    rows, skipped = [], []
    for feature in features.columns:
        parts = [survival, features[feature].rename("x")]
        if covariates is not None:
            parts.append(covariates)
        data = pd.concat(parts, axis=1, join="inner").dropna()
        n, events = len(data), int(data["event"].sum())
        spread = data["x"].std(ddof=1)
        if events < 2 or not spread > 0:
            skipped.append(f"{feature} ({events} events, SD {spread:.3g})")
            rows.append((feature, n, events, np.nan, np.nan, np.nan, np.nan))
            continue
        exog = ((data["x"] - data["x"].mean()) / spread).to_frame()
        if covariates is not None:
            exog = pd.concat([exog, data[covariates.columns]], axis=1)
        fit = PHReg(data["time"], exog, status=data["event"], ties="breslow").fit()
        beta, se = fit.params[0], fit.bse[0]
        rows.append((feature, n, events, np.exp(beta), np.exp(beta - 1.959964 * se),
                     np.exp(beta + 1.959964 * se), fit.pvalues[0]))
    if skipped:
        logger.warning(
            "Cox models of %d phenotype(s) skipped, because a model needs at least 2 events "
            "and a phenotype that varies: %s", len(skipped), "; ".join(skipped[:5])
            + ("; ..." if len(skipped) > 5 else ""),
        )
    table = pd.DataFrame(
        rows, columns=["feature", "n", "events", "hazard_ratio", "ci_low", "ci_high", "p"]
    )
    table["q"] = adjust_pvalues(table["p"].to_numpy(), correction)
    return table


def logrank_test(time: pd.Series, event: pd.Series, groups: pd.Series) -> dict:
    """Compare the survival of two or more patient groups with the log-rank test.

    Returns
    -------
    dict
        ``n``, ``events``, ``groups`` (patients per group), ``chi2``, ``dof`` and ``p``
        (Mantel-Haenszel log-rank, via :func:`statsmodels.duration.survfunc.survdiff`).
    """
    from statsmodels.duration.survfunc import survdiff

    survival = _survival_frame(time, event)
    data = survival.join(groups.rename("group"), how="inner").dropna()
    counts = data["group"].value_counts().sort_index()
    if len(counts) < 2:
        raise TableError(f"the log-rank test needs at least two groups; found {counts.to_dict()}")
    chi2, p = survdiff(data["time"].to_numpy(), data["event"].to_numpy(),
                       data["group"].to_numpy())
    return {"n": len(data), "events": int(data["event"].sum()),
            "groups": counts.to_dict(), "chi2": float(chi2), "dof": len(counts) - 1,
            "p": float(p)}
