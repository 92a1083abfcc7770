"""The offline demo: planted associations are found, noise phenotypes mostly are not."""

import pandas as pd
import pytest

from radiogenomics.cli import main
from radiogenomics.workflow.demo import NOISE, PLANTED, simulate_cohort


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    assert main(["demo", "--out", str(out), "--jobs", "2"]) == 0
    return out


@pytest.mark.slow
def test_planted_associations_found(demo_dir):
    table = pd.read_csv(demo_dir / "results" / "associations.csv")
    q = table.set_index(["label", "feature"])["q"]
    for feature in PLANTED["subtype"]:
        assert q["Basal", feature] < 0.05, feature
    for feature in PLANTED["expression"]:
        assert q["expression_high", feature] < 0.05, feature


@pytest.mark.slow
def test_noise_phenotypes_mostly_not_found(demo_dir):
    table = pd.read_csv(demo_dir / "results" / "associations.csv")
    noise = table[table["feature"].isin(NOISE)]
    assert len(noise) == 2 * len(NOISE)
    # At most one noise phenotype in ten may reach q < 0.05 for either label.
    assert (noise["q"] < 0.05).mean() <= 0.1


@pytest.mark.slow
def test_subtype_predicted_with_roc(demo_dir):
    prediction = pd.read_csv(demo_dir / "results" / "prediction.csv")
    basal = prediction[prediction["task"] == "Basal"]
    assert (basal["auc"] > 0.8).all()
    assert (demo_dir / "results" / "figures" / "roc_curves.png").is_file()
    assert (demo_dir / "results" / "figures" / "clustered_heatmap.png").is_file()


@pytest.mark.slow
def test_report_and_log_say_simulated(demo_dir):
    report = (demo_dir / "results" / "report.md").read_text(encoding="utf-8")
    log = (demo_dir / "results" / "run.log").read_text(encoding="utf-8")
    readme = (demo_dir / "simulated" / "README.md").read_text(encoding="utf-8")
    assert "SIMULATED COHORT" in report
    assert "SIMULATED COHORT" in log
    assert "2.3 (Basal)" in readme


@pytest.mark.slow
def test_demo_phenotypes_match_simulated_sizes(demo_dir):
    phenotypes = pd.read_csv(demo_dir / "simulated" / "phenotypes.csv", index_col=0)
    truth = pd.read_csv(demo_dir / "simulated" / "clinical.csv", index_col=0)
    ratio = phenotypes["Size/Lesion volume (S1)"] / truth["volume_mm3"]
    # Segmentation cuts the blurred edge at about half height, so volumes agree closely.
    assert ratio.between(0.6, 1.4).all()


def test_cohort_is_reproducible():
    first = simulate_cohort(30, seed=7)
    second = simulate_cohort(30, seed=7)
    pd.testing.assert_frame_equal(first, second)


def test_cohort_balances_subtypes():
    cohort = simulate_cohort(60, seed=2024)
    by_subtype = cohort.groupby("subtype")
    means = by_subtype["expression_score"].mean()
    assert means.abs().max() < 1e-9


def test_demo_rejects_tiny_cohort():
    with pytest.raises(ValueError, match="at least 10"):
        simulate_cohort(5)
