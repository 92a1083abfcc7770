"""The TCGA-BRCA MRI workflow on the real data: outputs, reproducibility, provenance."""

import filecmp
import json
from pathlib import Path

import pandas as pd
import pytest

from radiogenomics.io import registry
from radiogenomics.workflow import run_workflow

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_mri.yaml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def first_run(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "first"
    run_workflow(WORKFLOW, out, data_dir=data_root)
    return out


def test_results_folder_holds_every_output(first_run):
    for name in ("cohort.csv", "cohort_summary.csv", "identifiers_dropped.csv",
                 "associations.csv", "associations.parquet", "univariate_auc.csv",
                 "cluster_tests.csv", "clusters.csv", "prediction.csv", "report.md",
                 "provenance.json", "run.log", "disagreement_ER_ER_expression.csv"):
        assert (first_run / name).is_file(), name
    for stem in ("association_heatmap", "clustered_heatmap", "roc_curves", "volcano_ER",
                 "volcano_PAM50", "volcano_TP53"):
        assert (first_run / "figures" / f"{stem}.png").is_file(), stem
        assert (first_run / "figures" / f"{stem}.pdf").is_file(), stem
    assert not list(first_run.parent.glob(".first.*")), "temporary folder left behind"


def test_association_table_layout(first_run):
    table = pd.read_csv(first_run / "associations.csv")
    assert list(table.columns[:9]) == ["label", "feature", "n", "beta", "se", "t", "p", "q",
                                       "p_without_size"]
    labels = set(table["label"])
    for label in ("ER", "PR", "HER2", "triple_negative", "PAM50", "PAM50_LumA", "PAM50_Basal",
                  "LumB_vs_LumA", "MammaPrint_poor", "GHI_RS_high_vs_low",
                  "ROR_S_medhigh_vs_low", "TP53", "PIK3CA", "GATA3", "CDH1", "MAP3K1"):
        assert label in labels, label
    assert (table.groupby("label").size() == 36).all()
    pam50 = table[table["label"] == "PAM50"]
    assert (pam50["test"] == "F").all()
    assert pam50["beta"].isna().all()


def test_univariate_auc_matches_r_for_er(first_run, data_root):
    table = pd.read_csv(first_run / "univariate_auc.csv")
    er = table[table["label"] == "ER"].set_index("feature")
    reference = pd.read_csv(data_root.parent / "reference" / "er_auc_delong.csv")
    for row in reference.itertuples():
        assert abs(er.loc[row.feature, "auc"] - row.auc_lt) < 1e-8


def test_prediction_lists_published_values(first_run):
    table = pd.read_csv(first_run / "prediction.csv")
    published = table.groupby("task")["published_auc"].first()
    assert published["ER"] == 0.89
    assert published["triple_negative"] == 0.67
    assert published["MammaPrint_poor"] == 0.88
    assert published["ROR_P_medhigh_vs_low"] == 0.55
    assert set(table["model"]) == {"lda_stepwise", "logistic_l2"}
    assert table["scheme"].str.contains("leave-one-out").any()
    assert table["auc"].between(0, 1).all()
    assert (table["ci_low"] <= table["auc"]).all()


def test_cluster_tests_cover_clinical_variables(first_run):
    table = pd.read_csv(first_run / "cluster_tests.csv")
    assert {"PAM50", "ER", "PR", "HER2"} <= set(table["label"])
    assert table["p"].between(0, 1).all()


def test_provenance_records_inputs_and_seed(first_run):
    record = json.loads((first_run / "provenance.json").read_text())
    assert record["seeds"] == {"workflow": 20161}
    expected = registry.get_dataset("tcga_brca").file("CliniUnOpHer2.csv").sha256
    assert record["inputs_sha256"]["tcga_brca/CliniUnOpHer2.csv"] == expected
    assert record["workflow"]["analyses"]["prediction"]["repeats"] == 20
    assert record["packages"]["numpy"]
    assert record["started"] <= record["finished"]


def test_rerun_gives_identical_tables(first_run, data_root, tmp_path):
    second = tmp_path / "second"
    run_workflow(WORKFLOW, second, data_dir=data_root)
    tables = sorted(p.name for p in first_run.glob("*.csv"))
    assert len(tables) >= 8
    match, mismatch, errors = filecmp.cmpfiles(first_run, second, tables, shallow=False)
    assert mismatch == []
    assert errors == []
