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


@pytest.mark.parametrize(
    ("path", "typo", "message"),
    [
        ("cohort", "size_fature",
         "cohort has unknown key(s) ['size_fature'] (did you mean 'size_feature' for "
         "'size_fature'?); allowed: compare, features, id_format, labels, size_feature, "
         "tables"),
        ("cohort", "id_fromat", "cohort has unknown key(s) ['id_fromat'] (did you mean "
         "'id_format' for 'id_fromat'?)"),
        ("cohort", "tabels", "cohort has unknown key(s) ['tabels'] (did you mean 'tables' for "
         "'tabels'?)"),
        ("cohort.features", "id_colum", "cohort.features has unknown key(s) ['id_colum'] "
         "(did you mean 'id_column' for 'id_colum'?); allowed: columns, dataset, exclude, "
         "file, id_column, path, sep, sheet, transpose"),
        ("cohort.tables.receptors", "colums", "cohort.tables.receptors has unknown key(s) "
         "['colums'] (did you mean 'columns' for 'colums'?); allowed: columns, dataset, file, "
         "id_column, path, sep, sheet, transpose"),
        ("cohort.labels.HER2", "mising", "cohort.labels.HER2 has unknown key(s) ['mising'] "
         "(did you mean 'missing' for 'mising'?)"),
        ("analyses.prediction.published.ER", "sorce",
         "prediction.published.ER has unknown key(s) ['sorce'] (did you mean 'source' for "
         "'sorce'?); allowed: auc, source"),
    ],
)
def test_typo_in_nested_key_is_rejected(path, typo, message):
    spec = copy.deepcopy(BASE)
    node = spec
    for key in path.split("."):
        node = node[key]
    node[typo] = "x"
    with pytest.raises(WorkflowError) as caught:
        validate(spec)
    assert message in str(caught.value)


def test_label_key_of_other_kind_is_rejected():
    spec = copy.deepcopy(BASE)
    spec["cohort"]["labels"]["ER"]["levels"] = ["0", "1"]
    with pytest.raises(WorkflowError) as caught:
        validate(spec)
    assert str(caught.value) == (
        "cohort.labels.ER is a factor label, which takes only column, levels, one_vs_rest; "
        "remove ['negative', 'positive']"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"id_column": "CLID"}, "cohort.features needs either 'path' (a local table file) or "
         "both 'dataset' and 'file'"),
        ({"path": "a.csv", "dataset": "tcga_brca", "file": "a.csv", "id_column": "ID"},
         "cohort.features gives both 'path' and 'dataset'/'file'"),
        ({"path": "a.csv"}, "cohort.features needs 'id_column'"),
    ],
)
def test_incomplete_table_source_is_rejected(source, message):
    spec = _with("cohort.features", source)
    with pytest.raises(WorkflowError) as caught:
        validate(spec)
    assert message in str(caught.value)


def test_size_feature_typo_stops_the_command(small_study, capsys):
    from radiogenomics.cli import main

    folder, spec = small_study
    spec["cohort"]["size_fature"] = spec["cohort"].pop("size_feature")
    workflow = folder / "typo.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    code = main(["run", str(workflow), "--out", str(folder / "out")])
    assert code == 1
    error = capsys.readouterr().err
    assert "cohort has unknown key(s) ['size_fature']" in error
    assert "Traceback" not in error
    assert not (folder / "out").exists()


def test_empty_labels_block_is_rejected():
    spec = _with("cohort.labels", {})
    with pytest.raises(WorkflowError) as error:
        validate(spec)
    assert str(error.value) == (
        "cohort.labels is empty; define at least one label (column with positive and "
        "negative values, levels, or continuous: true), or remove the block"
    )


def test_associations_without_labels_are_rejected():
    spec = copy.deepcopy(BASE)
    del spec["cohort"]["labels"]
    spec["cohort"].pop("compare", None)
    spec["analyses"] = {"associations": {}}
    with pytest.raises(WorkflowError) as error:
        validate(spec)
    assert str(error.value) == (
        "analyses.associations tests phenotypes against labels, but cohort.labels defines "
        "none; define at least one label in cohort.labels, or remove analyses.associations"
    )


def test_empty_labels_run_stops_before_output(small_study, capsys):
    from radiogenomics.cli import main

    folder, spec = small_study
    spec["cohort"]["labels"] = {}
    workflow = folder / "no_labels.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    code = main(["run", str(workflow), "--out", str(folder / "out")])
    assert code == 1
    assert "cohort.labels is empty" in capsys.readouterr().err
    assert not (folder / "out").exists()
