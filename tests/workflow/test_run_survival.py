"""The survival analysis of a workflow run."""

import numpy as np
import pandas as pd
import pytest

from radiogenomics.errors import TableError
from radiogenomics.workflow import run_workflow


def _add_survival(folder, spec):
    rng = np.random.default_rng(3)
    clinical = pd.read_csv(folder / "clinical.csv")
    clinical["os_days"] = rng.exponential(1000, len(clinical)).round(1)
    clinical["os_event"] = rng.integers(0, 2, len(clinical))
    clinical.to_csv(folder / "clinical.csv", index=False)
    spec["analyses"]["clustering"] = {"n_clusters": 2}
    spec["analyses"]["survival"] = {"time": "os_days", "event": "os_event"}


def test_survival_writes_cox_and_logrank(small_study):
    folder, spec = small_study
    _add_survival(folder, spec)
    run_workflow(spec, folder / "out")
    cox = pd.read_csv(folder / "out" / "survival_cox.csv")
    logrank = pd.read_csv(folder / "out" / "survival_logrank_clusters.csv")
    assert len(cox) == 5
    assert cox["hazard_ratio"].gt(0).all()
    assert logrank.loc[0, "n"] == 30
    assert (folder / "out" / "figures" / "km_clusters.png").is_file()


def test_survival_column_absent_is_named(small_study):
    folder, spec = small_study
    _add_survival(folder, spec)
    spec["analyses"]["survival"]["time"] = "overall_survival"
    with pytest.raises(TableError, match="names column 'overall_survival'"):
        run_workflow(spec, folder / "out")
    assert not (folder / "out").exists()
