"""Association statistics: size-controlled regression, multiple testing, ROC, clustering,
subtype prediction and survival."""

from radiogenomics.assoc.association import (
    AssociationResult,
    size_controlled_association,
    transform_size,
    univariate_auc,
)
from radiogenomics.assoc.clustering import Clustering, cluster, cluster_association, zscore
from radiogenomics.assoc.multitest import adjust_pvalues
from radiogenomics.assoc.prediction import PredictionResult, make_model, predict_labels
from radiogenomics.assoc.regression import RankDeficientError, linear_association
from radiogenomics.assoc.roc import RocAuc, delong_test, roc_auc_delong
from radiogenomics.assoc.selection import StepwiseLDASelector
from radiogenomics.assoc.survival import cox_association, logrank_test

__all__ = [
    "AssociationResult",
    "Clustering",
    "PredictionResult",
    "RankDeficientError",
    "RocAuc",
    "StepwiseLDASelector",
    "adjust_pvalues",
    "cluster",
    "cluster_association",
    "cox_association",
    "delong_test",
    "linear_association",
    "logrank_test",
    "make_model",
    "predict_labels",
    "roc_auc_delong",
    "size_controlled_association",
    "transform_size",
    "univariate_auc",
    "zscore",
]
