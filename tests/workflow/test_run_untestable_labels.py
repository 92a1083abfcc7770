"""Runs whose labels cannot be tested finish with a report that states it."""

import pandas as pd
import pytest
import statsmodels.formula.api as smf
import yaml

from radiogenomics.cli import main
from radiogenomics.workflow import run_workflow


@pytest.fixture
def constant_label_study(small_study):
    """The small study with every patient labelled Basal, so no label has two classes."""
    folder, spec = small_study
    clinical = pd.read_csv(folder / "clinical.csv")
    clinical["status"] = "Basal"
    clinical.to_csv(folder / "clinical.csv", index=False)
    spec["cohort"]["labels"]["status"] = {
        "column": "status", "positive": ["Basal"], "negative": ["Luminal"],
    }
    spec["analyses"]["clustering"] = {"n_clusters": 2, "n_resamples": 200}
    return folder, spec


def test_constant_label_run_exits_cleanly(constant_label_study, capsys):
    folder, spec = constant_label_study
    workflow = folder / "constant.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    code = main(["run", str(workflow), "--out", str(folder / "out")])
    assert code == 0
    assert "Traceback" not in capsys.readouterr().err
    assert (folder / "out" / "provenance.json").is_file()


def test_constant_label_report_names_untested(constant_label_study):
    folder, spec = constant_label_study
    result = run_workflow(spec, folder / "out")
    report = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert ("No label could be tested, so no `phenotype ~ label + log(volume)` model was "
            "fitted.") in report
    assert "No AUC was computed: no binary label has at least 2 patients in each class" in report
    assert ("No task could be predicted, because every task (status) has a class with fewer "
            "than 2 patients") in report
    assert "## Unsupervised clustering" in report
    skipped = pd.read_csv(folder / "out" / "associations_skipped.csv")
    assert skipped["label"].tolist() == ["status"]
    assert skipped["reason"].tolist() == [
        "class counts 1 = Basal: 30, 0 = Luminal: 0; each class needs at least 2 patients"]
    assert len(pd.read_csv(folder / "out" / "associations.csv")) == 0
    assert result.associations.table.empty


def test_constant_continuous_label_names_value(small_study):
    folder, spec = small_study
    clinical = pd.read_csv(folder / "clinical.csv")
    clinical["score"] = 1.0
    clinical.to_csv(folder / "clinical.csv", index=False)
    spec["cohort"]["labels"]["score"] = {"column": "score", "continuous": True}
    spec["analyses"] = {"associations": {"labels": ["score"]}}
    run_workflow(spec, folder / "out")
    skipped = pd.read_csv(folder / "out" / "associations_skipped.csv")
    reason = ("continuous label with one distinct value, 1 (30 patients); it needs at least "
              "2 distinct values")
    assert skipped["reason"].tolist() == [reason]
    report = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert f"| score | {reason} |" in report


def test_run_without_size_feature_matches_statsmodels(small_study):
    folder, spec = small_study
    del spec["cohort"]["size_feature"]
    spec["analyses"] = {"associations": {}}
    result = run_workflow(spec, folder / "out")
    report = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Associations (no size control: cohort.size_feature is not set)" in report
    assert "Size-controlled" not in report

    features = pd.read_csv(folder / "features.csv")
    clinical = pd.read_csv(folder / "clinical.csv")
    data = features.merge(clinical, on="id")
    data["positive"] = (data["status"] == "pos").astype(float)
    table = result.associations.table.set_index("feature")
    for feature in ["a", "b", "c", "d", "volume"]:
        fit = smf.ols(f"{feature} ~ positive", data=data).fit()
        assert table.loc[feature, "beta"] == pytest.approx(fit.params["positive"], rel=1e-9)
        assert table.loc[feature, "p"] == pytest.approx(fit.pvalues["positive"], rel=1e-7)
