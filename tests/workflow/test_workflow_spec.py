"""Workflow files: every setting is checked before anything runs."""

import copy
from pathlib import Path

import pytest
import yaml

from radiogenomics.errors import TableError, WorkflowError
from radiogenomics.io.labels import parse_label
from radiogenomics.workflow.spec import validate

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_mri.yaml"
BASE = yaml.safe_load(WORKFLOW.read_text())


def _with(path: str, value):
    spec = copy.deepcopy(BASE)
    *parents, key = path.split(".")
    node = spec
    for parent in parents:
        node = node[parent]
    node[key] = value
    return spec


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("seed", True, "seed must be an integer"),
        ("analyses", ["associations"], "analyses must be a mapping"),
        ("cohort.labels", ["ER"], "cohort.labels must be a mapping"),
        ("cohort.compare", [["ER"]], "pairs of label names"),
        ("cohort.id_format", "tgca", "cohort.id_format is 'tgca'"),
        ("analyses.associations.correction", "fdr", "correction is 'fdr'"),
        ("analyses.clustering.n_clusters", "3", "n_clusters must be an integer"),
        ("analyses.clustering.patient_linkage", "wards", "patient_linkage is 'wards'"),
        ("analyses.clustering.feature_metric", "pearson", "feature_metric is 'pearson'"),
        ("analyses.prediction.folds", 1, "folds must be an integer of at least 2"),
        ("analyses.prediction.repeats", -1, "repeats must be an integer of at least 0"),
        ("analyses.prediction.models", ["svm"], "models entry is 'svm'"),
        ("figures.dpi", "high", "dpi must be an integer"),
        ("figures.formats", "png", "formats must be a list"),
    ],
)
def test_bad_setting_is_named(path, value, message):
    with pytest.raises(WorkflowError, match=message):
        validate(_with(path, value))


def test_ward_needs_euclidean():
    spec = _with("analyses.clustering.patient_metric", "correlation")
    with pytest.raises(WorkflowError, match="needs patient_metric 'euclidean'"):
        validate(spec)


def test_size_track_needs_size_feature():
    spec = copy.deepcopy(BASE)
    del spec["cohort"]["size_feature"]
    with pytest.raises(WorkflowError, match="size_feature is not set"):
        validate(spec)


def test_shipped_workflow_is_valid():
    spec = validate(copy.deepcopy(BASE))
    assert spec["analyses"]["prediction"]["repeats"] == 20


def test_label_value_in_two_classes_is_rejected():
    with pytest.raises(TableError, match="as both positive and negative"):
        parse_label("ER", {"column": "er", "positive": [1], "negative": [1.0, 0]})
