"""IBSI 1 CT phantom, configurations A and B: every texture reference value must match.

The extraction pipeline (interpolation, re-segmentation, discretisation) prepares the grey
levels; only the six texture families are computed. Both configurations are 2D, so the
table covers the 2D and 2.5D methods: 272 texture rows each.
"""

from __future__ import annotations

import pandas as pd
import pytest

TEXTURE_FAMILIES = ("glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")
TEXTURE_PREFIXES = ("cm_", "rlm_", "szm_", "dzm_", "ngt_", "ngl_")


@pytest.mark.slow
@pytest.mark.parametrize("configuration", ["A", "B"])
def test_ct_phantom_texture_reference(data_root, configuration):
    from radiogenomics.features.pipeline import extract
    from radiogenomics.features.settings import Settings

    ibsi = data_root / "ibsi"
    phantom = ibsi / "ibsi_1_ct_radiomics_phantom" / "nifti"
    settings = Settings.ibsi(configuration)
    settings.families = TEXTURE_FAMILIES
    result = extract(
        phantom / "image" / "phantom.nii.gz", phantom / "mask" / "mask.nii.gz", settings
    )

    path = ibsi / "reference_values" / f"ibsi_1_reference_values_config_{configuration}.csv"
    reference = pd.read_csv(path, encoding="utf-8-sig")
    rows = reference[reference["tag"].str.startswith(TEXTURE_PREFIXES)]
    rows = rows[rows["reference value"].notna()]
    assert len(rows) == 272

    mismatches = []
    for tag, expected, tolerance in rows[["tag", "reference value", "tolerance"]].itertuples(
        index=False
    ):
        ours = result[tag]
        if not abs(ours - float(expected)) <= float(tolerance) + 1e-9 * abs(float(expected)):
            mismatches.append(f"{tag}: expected {expected} +/- {tolerance}, got {ours:.6g}")
    assert not mismatches, "\n".join(mismatches)
