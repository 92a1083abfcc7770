"""The real TCGA-BRCA cohort, built once for the association tests."""

from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_mri.yaml"


@pytest.fixture(scope="session")
def brca_cohort(data_root):
    from radiogenomics.io.cohort import build_cohort

    spec = yaml.safe_load(WORKFLOW.read_text())
    return build_cohort(spec["cohort"], data_dir=data_root)
