"""A small study in local CSV files, shared by the workflow tests."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def small_study(tmp_path):
    """A 30-patient study in local CSV files and a workflow mapping that analyses it."""
    rng = np.random.default_rng(0)
    patients = [f"P{i:03d}" for i in range(30)]
    features = pd.DataFrame(rng.normal(size=(30, 4)), columns=["a", "b", "c", "d"])
    features.insert(0, "volume", rng.uniform(100, 5000, 30))
    features.insert(0, "id", patients)
    features.to_csv(tmp_path / "features.csv", index=False)
    clinical = pd.DataFrame({"id": patients, "status": ["pos", "neg"] * 15})
    clinical.to_csv(tmp_path / "clinical.csv", index=False)
    spec = {
        "name": "small",
        "seed": 1,
        "cohort": {
            "id_format": "plain",
            "size_feature": "volume",
            "features": {"path": str(tmp_path / "features.csv"), "id_column": "id"},
            "tables": {"clinical": {"path": str(tmp_path / "clinical.csv"), "id_column": "id"}},
            "labels": {"status": {"column": "status", "positive": ["pos"], "negative": ["neg"]}},
        },
        "analyses": {"associations": {}, "univariate_roc": {},
                     "prediction": {"tasks": ["status"], "repeats": 2}},
        "figures": {"formats": ["png"], "dpi": 50},
    }
    return tmp_path, spec
