"""Size-controlled association of phenotypes with labels, with multiple-testing correction.

Every phenotype ``y`` is fitted as ``y ~ label + f(size)`` by ordinary least squares, where
``f`` is the natural log by default. The reported effect and p-value are those of the label:
a t-test for a binary label, an F-test of all level contrasts for a factor. The same fit
without the size term gives ``p_without_size``. All phenotypes of a label are fitted at once
(see :func:`radiogenomics.assoc.regression.linear_association`), and ``q`` adjusts the
p-values of one label across phenotypes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from radiogenomics.assoc.alignment import (
    align_labels,
    align_size,
    describe_size,
    label_frame,
    log_missing_label_values,
    numeric_features,
    size_series,
)
from radiogenomics.assoc.multitest import adjust_pvalues
from radiogenomics.assoc.regression import RankDeficientError, linear_association
from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)

COLUMNS = ["label", "feature", "test", "n", "beta", "se", "t", "f", "df", "p", "q",
           "p_without_size", "beta_std", "r_size", "size_collinear"]

#: Absolute Pearson correlation with the transformed size covariate from which a phenotype
#: is flagged ``size_collinear``. The size term removes at least 1 - 0.8² = 64 % of such a
#: phenotype's variance, so its label test concerns the small residual, and ``p`` and
#: ``p_without_size`` can disagree widely.
SIZE_COLLINEAR_R = 0.8


@dataclass
class AssociationResult:
    """Association tests of many phenotypes with many labels.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per label and phenotype with columns ``label, feature, test, n, beta, se,
        t, f, df, p, q, p_without_size, beta_std, r_size, size_collinear``. ``beta`` is in
        phenotype units per unit of the label (positive class minus negative class for
        binary labels). ``beta_std``
        divides it by the phenotype's standard deviation in the fitted sample. ``f`` is set
        for factor labels, whose ``beta``, ``se`` and ``t`` are missing. ``r_size`` is the
        Pearson correlation of the phenotype with the transformed size covariate in the
        patients with the label and size, and ``size_collinear`` is ``|r_size| >=``
        :data:`SIZE_COLLINEAR_R` (always False without size control).
    skipped : pandas.DataFrame
        Labels that could not be tested, with the reason.
    correction : str
        The multiple-testing method of ``q``.
    size_transform : str
        The transform applied to the size covariate.
    """

    table: pd.DataFrame
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["label", "reason"]))
    correction: str = "fdr_bh"
    size_transform: str = "log"

    def size_collinear_features(self) -> list[str]:
        """Return the phenotypes flagged ``size_collinear`` for any label, in table order."""
        flagged = self.table.loc[self.table["size_collinear"].astype(bool), "feature"]
        return list(dict.fromkeys(flagged))

    def significant(self, alpha: float = 0.05) -> pd.DataFrame:
        """Return the rows with ``q < alpha``, smallest first."""
        return self.table[self.table["q"] < alpha].sort_values(["q", "p"])

    def __repr__(self) -> str:
        labels = self.table["label"].nunique()
        hits = int((self.table["q"] < 0.05).sum())
        return (
            f"AssociationResult({labels} labels x {self.table['feature'].nunique()} features, "
            f"{hits} tests with q < 0.05 ({self.correction}), size transform "
            f"{self.size_transform!r}, {len(self.skipped)} labels skipped)"
        )


def transform_size(size: pd.Series, transform: str = "log") -> pd.Series:
    """Apply the size-covariate transform: ``'log'`` (natural), ``'log10'`` or ``'none'``.

    Raises
    ------
    TableError
        If a log transform meets a size that is zero or negative.
    """
    size = size_series(size)
    if transform == "none":
        return size
    if transform not in ("log", "log10"):
        raise TableError(f"size_transform must be 'log', 'log10' or 'none', got {transform!r}")
    bad = size[size <= 0]
    if len(bad):
        listed = ", ".join(f"{patient!r}: {value:g}" for patient, value in bad.iloc[:10].items())
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise TableError(
            f"{describe_size(size)} must be positive for a {transform} transform, but "
            f"{len(bad)} patient(s) have a zero or negative value ({listed}{more}); fix or "
            "remove these sizes, or pass size_transform='none'"
        )
    return np.log(size) if transform == "log" else np.log10(size)


def is_binary(label: pd.Series) -> bool:
    """Return whether a coded label is binary: numeric with no values other than 0 and 1."""
    if isinstance(label.dtype, pd.CategoricalDtype):
        return False
    return bool(label.dropna().isin([0.0, 1.0]).all())


def _design(label: pd.Series) -> pd.DataFrame:
    """Return the tested columns: the numeric label, or treatment contrasts of a factor."""
    if isinstance(label.dtype, pd.CategoricalDtype):
        present = [level for level in label.cat.categories if (label == level).any()]
        dummies = pd.DataFrame(
            {f"{label.name}[{level}]": (label == level).astype(float) for level in present[1:]},
            index=label.index,
        )
        dummies[label.isna()] = np.nan
        return dummies
    try:
        values = label.astype(float)
    except (TypeError, ValueError) as error:
        raise TableError(
            f"label {label.name!r} must be numeric (0/1 for a binary label) or categorical; "
            f"found values such as {label.dropna().unique()[:3].tolist()}"
        ) from error
    return values.to_frame()


def _untestable_reason(label: pd.Series, min_per_class: int, continuous: bool,
                       class_names: Mapping[float, str] | None) -> str:
    """Return why ``label`` cannot be tested, or an empty string when it can."""
    values = label.dropna()
    if isinstance(label.dtype, pd.CategoricalDtype):
        counts = label.value_counts(sort=False)
        if len(counts) >= 2 and counts.min() >= min_per_class:
            return ""
        counts_text = ", ".join(f"{level}: {count}" for level, count in counts.items())
        return (f"level counts {counts_text or 'none'}; a factor needs at least 2 levels with at "
                f"least {min_per_class} patients each")
    if continuous or not is_binary(label):
        distinct = values.unique()
        if len(distinct) >= 2:
            return ""
        if len(distinct) == 0:
            return "continuous label with no values; it needs at least 2 distinct values"
        return (f"continuous label with one distinct value, {distinct[0]:g} ({len(values)} "
                "patients); it needs at least 2 distinct values")
    counts = {code: int((values == code).sum()) for code in (1.0, 0.0)}
    if min(counts.values()) >= min_per_class:
        return ""
    names = class_names or {1.0: "positive", 0.0: "negative"}
    counts_text = ", ".join(f"{code:g} = {names[code]}: {count}" for code, count in counts.items())
    return f"class counts {counts_text}; each class needs at least {min_per_class} patients"


def size_controlled_association(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    size: pd.Series | None,
    size_transform: str = "log",
    correction: str = "fdr_bh",
    min_per_class: int = 2,
    class_names: Mapping[str, Mapping[float, str]] | None = None,
    continuous: Collection[str] = (),
) -> AssociationResult:
    """Test every phenotype against every label, controlling for tumour size.

    Parameters
    ----------
    features : pandas.DataFrame
        Patients x phenotypes (numeric). Its index defines the patients; label rows and
        sizes of other patients are ignored.
    labels : pandas.DataFrame or pandas.Series
        Patients x labels: binary labels coded 1/0/NaN, factors as pandas categoricals,
        continuous labels as floats (the effect is then per unit of the label). A Series is
        one label, named after the Series (``label`` when unnamed).
    size : pandas.Series or None
        Tumour size per patient (a volume, e.g. in mm^3). ``None`` fits ``y ~ label`` only.
        Patients without a size, or without a label value, are left out of the fits, and
        their identifiers are logged.
    size_transform : {'log', 'log10', 'none'}, default 'log'
    correction : str, default 'fdr_bh'
        Multiple-testing method across the phenotypes of one label; see
        :func:`radiogenomics.assoc.adjust_pvalues`.
    min_per_class : int, default 2
        Labels with fewer patients in a class (or factor level) than this are skipped and
        listed in :attr:`AssociationResult.skipped`.
    class_names : mapping, optional
        Label name -> ``{1.0: name, 0.0: name}``, the original classes of a binary label,
        so that the reason of a skipped label names them instead of the codes.
    continuous : collection of str, optional
        Names of continuous labels. Such a label is skipped, with its value named, when it
        has fewer than 2 distinct values. Other labels with values 0 and 1 only are binary.

    Returns
    -------
    AssociationResult

    Raises
    ------
    TableError
        If a phenotype column is not numeric, a table repeats a patient, the labels or the
        sizes share no patient with the features, or a size is not positive for a log
        transform.

    Examples
    --------
    >>> result = size_controlled_association(cohort.features, cohort.labels[["ER"]],
    ...                                      cohort.features["Size/Lesion volume (S1)"])
    ... # doctest: +SKIP
    """
    features = numeric_features(features)
    labels = align_labels(features, label_frame(labels))
    covariates = None
    if size is not None:
        size = size_series(size)
        transformed = align_size(features, transform_size(size, size_transform))
        covariates = transformed.rename("size").to_frame()

    tables, skipped = [], []
    for name in labels.columns:
        label = labels[name]
        if isinstance(label.dtype, pd.CategoricalDtype):
            label = label.cat.remove_unused_categories()
        log_missing_label_values(name, label)
        reason = _untestable_reason(label, min_per_class, name in continuous,
                                    (class_names or {}).get(name))
        if reason:
            logger.warning("label %s skipped: %s", name, reason)
            skipped.append((name, reason))
            continue
        tested = _design(label)
        try:
            with_size = linear_association(features, tested, covariates)
            without_size = linear_association(features, tested, None)
        except RankDeficientError as error:
            logger.warning("label %s skipped: %s", name, error)
            skipped.append((name, str(error)))
            continue
        table = with_size.reset_index()
        table.insert(0, "label", name)
        table.insert(2, "test", "F" if tested.shape[1] > 1 else "t")
        table["p_without_size"] = without_size["p"].to_numpy()
        table["q"] = adjust_pvalues(table["p"].to_numpy(), correction)
        rows = label.notna()
        if covariates is not None:
            rows &= covariates["size"].reindex(label.index).notna()
        spread = features.loc[rows].std(ddof=1).to_numpy()
        table["beta_std"] = table["beta"] / np.where(spread > 0, spread, np.nan)
        table["r_size"] = np.nan
        if covariates is not None:
            size_values = covariates["size"].reindex(features.index)[rows]
            table["r_size"] = features.loc[rows].corrwith(size_values).to_numpy()
        table["size_collinear"] = table["r_size"].abs() >= SIZE_COLLINEAR_R
        tables.append(table)

    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    table = table.reindex(columns=COLUMNS)
    return AssociationResult(
        table=table,
        skipped=pd.DataFrame(skipped, columns=["label", "reason"]),
        correction=correction,
        size_transform=size_transform if size is not None else "none",
    )


def univariate_auc(features: pd.DataFrame, labels: pd.DataFrame, level: float = 0.95):
    """Compute the ROC AUC of every raw phenotype for every binary label, with DeLong CIs.

    A higher phenotype value means the positive class (1), so an AUC below 0.5 means the
    phenotype is lower in the positive class.

    Returns
    -------
    pandas.DataFrame
        Columns ``label, feature, n_pos, n_neg, auc, ci_low, ci_high``.
    """
    from radiogenomics.assoc.roc import roc_auc_delong

    rows = []
    for name in labels.columns:
        label = labels[name]
        if not is_binary(label):
            logger.info("univariate AUC: label %s is not binary; skipped", name)
            continue
        n_pos, n_neg = int((label == 1).sum()), int((label == 0).sum())
        if min(n_pos, n_neg) < 2:
            logger.warning("univariate AUC of label %s skipped: %d positive and %d negative "
                           "patients; each class needs at least 2", name, n_pos, n_neg)
            continue
        for feature in features.columns:
            try:
                roc = roc_auc_delong(label, features[feature], level=level)
            except ValueError as error:
                logger.warning("AUC of %s for %s skipped: %s", feature, name, error)
                continue
            rows.append((name, feature, roc.n_pos, roc.n_neg, roc.auc, roc.ci_low, roc.ci_high))
    return pd.DataFrame(
        rows, columns=["label", "feature", "n_pos", "n_neg", "auc", "ci_low", "ci_high"]
    )
