"""PyRadiomics brain1 baselines: texture features and matrices.

The baseline CSVs store PyRadiomics' settings in their ``diagnostics_Configuration_Settings``
row: no resampling, fixed bin width 25 with bin edges at multiples of the width, distance 1
and ``gldm_a`` 0. Column ``brain1`` is 3D; column ``brain1_2d`` uses ``force2D``, which in
IBSI terms averages direction matrices merged over slices (2.5D). Every catalogue entry
with a PyRadiomics name must reproduce the baseline.
"""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest

from radiogenomics.features import texture
from radiogenomics.features.discretise import pyradiomics_bins
from radiogenomics.features.texture import glcm, glrlm, ngldm, ngtdm, zones
from radiogenomics.features.texture._validation import prepare_grid

BASELINE_FILES = {
    "glcm": "glcm",
    "glrlm": "glrlm",
    "glszm": "glszm",
    "ngtdm": "ngtdm",
    "ngldm": "gldm",
}
FUNCTIONS = {
    "glcm": texture.glcm_features,
    "glrlm": texture.glrlm_features,
    "glszm": texture.glszm_features,
    "ngtdm": texture.ngtdm_features,
    "ngldm": texture.ngldm_features,
}


def read_baseline(data_root, family: str) -> pd.DataFrame:
    path = data_root / "pyradiomics" / "baseline" / f"baseline_{BASELINE_FILES[family]}.csv"
    return pd.read_csv(path).set_index("featureName")


@pytest.fixture(scope="module")
def brain1(data_root):
    """Return brain1 discretised as PyRadiomics does, with its ROI and level count."""
    sitk = pytest.importorskip("SimpleITK")
    settings = ast.literal_eval(
        read_baseline(data_root, "glcm").loc["diagnostics_Configuration_Settings", "brain1"]
    )
    assert settings["binWidth"] == 25
    assert settings["distances"] == [1]
    assert settings["gldm_a"] == 0
    assert settings["resampledPixelSpacing"] is None

    folder = data_root / "pyradiomics"
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / "brain1_image.nrrd")))
    roi = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / "brain1_label.nrrd"))) == 1
    levels = np.zeros(image.shape, dtype=np.int64)
    levels[roi] = pyradiomics_bins(image[roi].astype(np.float64), settings["binWidth"])
    return levels, roi, int(levels[roi].max())


@pytest.mark.parametrize("column", ["brain1", "brain1_2d"])
@pytest.mark.parametrize("family", list(BASELINE_FILES))
def test_pyradiomics_brain1_features(data_root, brain1, family, column):
    levels, roi, n_levels = brain1
    baseline = read_baseline(data_root, family)[column]
    settings = ast.literal_eval(baseline["diagnostics_Configuration_Settings"])
    directional = family in ("glcm", "glrlm")
    if settings["force2D"]:
        assert settings["force2Ddimension"] == 0
        method = "2.5d_avg" if directional else "2.5d"
    else:
        method = "3d_avg" if directional else "3d"
    result = FUNCTIONS[family](levels, roi, n_levels, method)
    suffix = texture.DIRECTIONAL_AGGREGATIONS.get(method) or texture.VOLUME_AGGREGATIONS[method]

    entries = [f for f in texture.TEXTURE_FEATURES if f.family == family and f.pyradiomics_name]
    assert entries
    for entry in entries:
        expected = float(baseline[f"original_{entry.pyradiomics_name}"])
        ours = result[f"{entry.name}_{suffix.suffix}"]
        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12), entry.pyradiomics_name


def test_pyradiomics_brain1_glcm_matrices(data_root, brain1):
    """Each of the 13 normalised direction matrices equals one of PyRadiomics' matrices."""
    levels, roi, n_levels = brain1
    grid, _ = prepare_grid(levels, roi, n_levels)
    in_plane, cross = glcm.glcm_counts(grid, n_levels, 1, per_slice=False, volume=True)
    ours = np.concatenate([in_plane[:, 0], cross])
    ours = ours / ours.sum(axis=(1, 2), keepdims=True)
    expected = np.load(data_root / "pyradiomics" / "baseline_matrices" / "brain1_glcm.npy")
    expected = np.moveaxis(expected, -1, 0)
    assert ours.shape == expected.shape
    for matrix in ours:
        assert any(np.allclose(matrix, other) for other in expected)


def test_pyradiomics_brain1_glrlm_matrices(data_root, brain1):
    """Run counts per direction match; PyRadiomics drops run lengths that never occur."""
    levels, roi, n_levels = brain1
    grid, _ = prepare_grid(levels, roi, n_levels)
    in_plane, cross, lengths = glrlm.glrlm_counts(grid, n_levels, per_slice=False, volume=True)
    ours = np.concatenate([in_plane[:, 0], cross])
    assert np.all(np.diff(lengths) > 0)
    expected = np.load(data_root / "pyradiomics" / "baseline_matrices" / "brain1_glrlm.npy")
    expected = np.moveaxis(expected, -1, 0)
    assert ours.shape == expected.shape
    for matrix in ours:
        assert any(np.allclose(matrix, other) for other in expected)


def test_pyradiomics_brain1_glszm_matrix(data_root, brain1):
    levels, roi, n_levels = brain1
    grid, _ = prepare_grid(levels, roi, n_levels)
    _, zone_levels, sizes, _ = zones.zone_table(grid, in_plane=False)
    ours = np.zeros((n_levels, sizes.max()))
    np.add.at(ours, (zone_levels - 1, sizes - 1), 1)
    ours = ours[:, ours.sum(axis=0) > 0]
    expected = np.load(data_root / "pyradiomics" / "baseline_matrices" / "brain1_glszm.npy")
    np.testing.assert_allclose(ours, expected)


def test_pyradiomics_brain1_ngtdm_matrix(data_root, brain1):
    """PyRadiomics stores n_i, s_i and the grey level i as three columns."""
    levels, roi, n_levels = brain1
    grid, _ = prepare_grid(levels, roi, n_levels)
    s, n, present = ngtdm.ngtdm_columns(grid, n_levels, 1, in_plane=False)
    np.testing.assert_array_equal(present, np.arange(1, n_levels + 1))
    expected = np.load(data_root / "pyradiomics" / "baseline_matrices" / "brain1_ngtdm.npy")
    np.testing.assert_allclose(n[0], expected[:, 0])
    np.testing.assert_allclose(s[0], expected[:, 1])
    np.testing.assert_array_equal(expected[:, 2], np.arange(1, n_levels + 1))


def test_pyradiomics_brain1_gldm_matrix(data_root, brain1):
    levels, roi, n_levels = brain1
    grid, _ = prepare_grid(levels, roi, n_levels)
    counts, dependences, present = ngldm.ngldm_counts(grid, n_levels, 1, 0, in_plane=False)
    np.testing.assert_array_equal(present, np.arange(1, n_levels + 1))
    expected = np.load(data_root / "pyradiomics" / "baseline_matrices" / "brain1_gldm.npy")
    # PyRadiomics keeps dependence counts 1..max; all of them occur in brain1.
    np.testing.assert_array_equal(dependences, np.arange(1, expected.shape[1] + 1))
    np.testing.assert_allclose(counts[0], expected)
