"""The NIfTI-1 float reader against nibabel, and non-finite voxels that ITK zeroes."""

import nibabel
import numpy as np
import pytest
import SimpleITK as sitk

from radiogenomics.features.image import _read_nifti1_floats, read_volume


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, ">f4"])
def test_float_voxels_equal_nibabel(tmp_path, suffix, dtype):
    values = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(dtype)
    values[1, 2, 3] = np.nan
    values[4, 5, 6] = np.inf
    path = tmp_path / f"image{suffix}"
    image = nibabel.Nifti1Image(values, np.diag([0.5, 0.7, 2.0, 1.0]))
    image.header.set_slope_inter(2.0, -1.0)
    nibabel.save(image, path)
    expected = np.asanyarray(nibabel.load(path).dataobj).T
    voxels = _read_nifti1_floats(path)
    assert voxels.shape == (7, 6, 5)
    np.testing.assert_allclose(voxels, expected, rtol=1e-6, equal_nan=True)


def test_big_endian_file_equals_nibabel(tmp_path):
    values = np.random.default_rng(1).normal(size=(4, 5, 6)).astype(np.float32)
    path = tmp_path / "big_endian.nii.gz"
    header = nibabel.Nifti1Header(endianness=">")
    nibabel.save(nibabel.Nifti1Image(values, np.eye(4), header=header), path)
    assert nibabel.load(path).header.endianness == ">"
    voxels = _read_nifti1_floats(path)
    assert voxels.dtype.isnative
    np.testing.assert_array_equal(voxels, values.T)


def test_integer_image_is_left_to_other_readers(tmp_path):
    path = tmp_path / "mask.nii.gz"
    nibabel.save(nibabel.Nifti1Image(np.ones((3, 3, 3), np.int16), np.eye(4)), path)
    assert _read_nifti1_floats(path) is None


def test_ct_phantom_matches_simpleitk(data_root):
    path = data_root / "ibsi" / "ibsi_1_ct_radiomics_phantom" / "nifti" / "image" / "phantom.nii.gz"
    volume = read_volume(path)
    reference = sitk.ReadImage(str(path))
    np.testing.assert_array_equal(volume.array, sitk.GetArrayFromImage(reference))
    assert volume.spacing == reference.GetSpacing()[::-1]
    assert volume.origin == reference.GetOrigin()
    assert volume.direction == reference.GetDirection()
