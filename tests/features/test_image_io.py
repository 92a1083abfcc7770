"""Image readers: DICOM series, NIfTI, NRRD and numpy arrays give one geometry."""

from __future__ import annotations

import numpy as np
import pytest

from radiogenomics.features.image import ImageError, Volume, read_volume
from radiogenomics.features.pipeline import extract


@pytest.fixture(scope="module")
def ct_phantom(data_root):
    return data_root / "ibsi" / "ibsi_1_ct_radiomics_phantom"


def test_dicom_series_matches_nifti(ct_phantom):
    dicom = read_volume(ct_phantom / "dicom" / "image")
    nifti = read_volume(ct_phantom / "nifti" / "image" / "phantom.nii.gz")
    assert dicom.shape == (60, 201, 204)
    assert dicom.shape == nifti.shape
    assert np.allclose(dicom.spacing, nifti.spacing, atol=1e-6)
    assert np.allclose(dicom.origin, nifti.origin, atol=1e-4)
    assert np.array_equal(dicom.array, nifti.array)


def test_dicom_image_with_nifti_mask(ct_phantom):
    settings = {"families": ["intensity"], "round_intensities": True}
    row = extract(
        ct_phantom / "dicom" / "image", ct_phantom / "nifti" / "mask" / "mask.nii.gz", settings
    )
    # IBSI diagnostic value of the initial ROI: mean intensity -46.9 HU.
    assert row["stat_mean"] == pytest.approx(-46.9, abs=0.05)


def test_read_volume_copies_by_default(data_root):
    volume = read_volume(data_root / "pyradiomics" / "brain1_image.nrrd")
    assert volume.source is None
    assert volume.array.flags.writeable
    assert volume.shape == (25, 256, 256)


def test_numpy_array_needs_positive_spacing():
    with pytest.raises(ValueError, match="spacing must be positive"):
        read_volume(np.zeros((2, 2, 2)), spacing=(1.0, 0.0, 1.0))
    volume = read_volume(np.zeros((4, 4)), spacing=(1.0, 0.5, 0.5))
    assert isinstance(volume, Volume)
    assert volume.shape == (1, 4, 4)


@pytest.mark.parametrize("spacing", [(1, 1), "1,1,1", (1, 1, 1, 1), ("a", 1, 1)])
def test_array_spacing_needs_three_numbers(spacing):
    with pytest.raises(ImageError, match=r"3 numbers \(dz, dy, dx\)"):
        read_volume(np.zeros((4, 5, 6)), spacing=spacing)


def test_array_single_spacing_is_isotropic():
    assert read_volume(np.zeros((4, 5, 6)), spacing=0.5).spacing == (0.5, 0.5, 0.5)


def test_complex_array_is_rejected():
    with pytest.raises(ImageError, match="complex128 voxels"):
        read_volume(np.zeros((4, 5, 6), dtype=complex), spacing=1.0)
