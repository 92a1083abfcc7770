"""The report and associations.csv flag phenotypes that nearly equal the size covariate."""

import numpy as np
import pandas as pd

from radiogenomics.workflow import run_workflow


def test_report_names_size_collinear_phenotypes(small_study):
    folder, spec = small_study
    features = pd.read_csv(folder / "features.csv")
    rng = np.random.default_rng(5)
    features["a"] = np.log(features["volume"]) + rng.normal(0, 0.1, len(features))
    features.to_csv(folder / "features.csv", index=False)
    spec["analyses"] = {"associations": {}}
    run_workflow(spec, folder / "out")

    log_volume = np.log(features["volume"])
    expected = [name for name in ["volume", "a", "b", "c", "d"]
                if abs(np.corrcoef(features[name], log_volume)[0, 1]) >= 0.8]
    assert "a" in expected
    assert "b" not in expected

    table = pd.read_csv(folder / "out" / "associations.csv")
    assert list(table.columns[-2:]) == ["r_size", "size_collinear"]
    assert table.loc[table["size_collinear"], "feature"].tolist() == expected
    r_a = table.set_index("feature").loc["a", "r_size"]
    assert abs(r_a - np.corrcoef(features["a"], log_volume)[0, 1]) < 1e-12

    report = (folder / "out" / "report.md").read_text(encoding="utf-8")
    hits = int((table["q"] < 0.05).sum())
    flagged_hits = int(((table["q"] < 0.05) & table["size_collinear"]).sum())
    assert (
        f"{len(expected)} phenotype(s) correlate with the size covariate log(volume) at "
        f"|r| >= 0.8 in the tested patients: {', '.join(expected)}. They give "
        f"{flagged_hits} of the {hits} tests with q < 0.05."
    ) in report
